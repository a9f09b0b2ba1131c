"""The relevance sets of the help-centre search (data; read by tests and benchmarks/search.py).

- ``queries_v2.txt``: issue 15's set, written before tuning and frozen (see its header).
- ``../tests/relevance_queries.tsv``: the original set (v1), kept to show nothing regressed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
V2 = HERE / "queries_v2.txt"
V1 = HERE.parent / "tests" / "relevance_queries.tsv"
ARTICLES_V2 = HERE / "articles_v2.tsv"


@dataclass(frozen=True)
class Query:
    language: str
    text: str
    acceptable: tuple[str, ...]
    tags: frozenset[str] = frozenset()

    @property
    def is_sentence(self) -> bool:
        return "s" in self.tags


def load_v2(path: Path = V2) -> list[Query]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, tags, text, ok = (p.strip() for p in line.split("|"))
        rows.append(
            Query(lang, text, tuple(s.strip() for s in ok.split(",")), frozenset(t.strip() for t in tags.split(",")))
        )
    return rows


def load_v1(path: Path = V1) -> list[Query]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, text, ok = line.split("\t")
            rows.append(Query(lang, text, tuple(s.strip() for s in ok.split(","))))
    return rows


def article_list(path: Path = ARTICLES_V2) -> list[tuple[str, str, str, str]]:
    """(slug, category, question ja, question en) of the v2 article list."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            slug, category, ja, en = line.split("\t")
            out.append((slug, category, ja, en))
    return out


def measure(queries: list[Query], search) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """top-1, top-3 and MRR (rank of the first acceptable slug in the top 10)."""
    top1 = top3 = 0
    rr = 0.0
    misses = []
    for q in queries:
        found = search(q)
        rank = next((i for i, s in enumerate(found[:10]) if s in q.acceptable), None)
        top1 += rank == 0
        top3 += rank is not None and rank < 3
        rr += 1 / (rank + 1) if rank is not None else 0.0
        if rank is None or rank >= 3:
            misses.append((q, found[:3]))
    n = max(len(queries), 1)
    return {"queries": len(queries), "top1": top1 / n, "top3": top3 / n, "mrr": rr / n, "misses": misses}  # type: ignore[dict-item]
