"""The relevance test set (tests/relevance_queries.tsv): realistic ja/en queries, incl.
colloquial and mistyped ones, each with the acceptable articles. Fails below 90% top-3."""

from pathlib import Path

import pytest

from helpcenter import selectors

QUERIES = Path(__file__).with_name("relevance_queries.tsv")
MIN_TOP3 = 0.90


def load_queries() -> list[tuple[str, str, list[str]]]:
    rows = []
    for line in QUERIES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, query, ok = line.split("\t")
            rows.append((lang, query, [s.strip() for s in ok.split(",")]))
    return rows


def measure() -> dict[str, float]:
    rows = load_queries()
    top1 = top3 = 0
    rr = 0.0
    for lang, query, ok in rows:
        found = [r["slug"] for r in selectors.search_articles(query=query, language=lang, limit=10)]
        rank = next((i for i, s in enumerate(found) if s in ok), None)
        top1 += rank == 0
        top3 += rank is not None and rank < 3
        rr += 1 / (rank + 1) if rank is not None else 0
    n = len(rows)
    return {"queries": n, "top1": top1 / n, "top3": top3 / n, "mrr": rr / n}


def test_the_set_is_big_and_bilingual():
    rows = load_queries()
    assert len(rows) >= 60
    assert sum(r[0] == "ja" for r in rows) >= 40 and sum(r[0] == "en" for r in rows) >= 20


@pytest.mark.django_db
def test_top3_hit_rate_is_at_least_90_percent(help_content: None):
    metrics = measure()
    print(f"relevance: {metrics}")
    assert metrics["top3"] >= MIN_TOP3, metrics
