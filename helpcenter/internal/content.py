"""Loading the shipped demo articles (``content/<slug>.<lang>.md`` with front matter)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
LANGUAGES = ("ja", "en")


@dataclass(frozen=True)
class CategorySource:
    slug: str
    position: int
    name_ja: str
    name_en: str


@dataclass
class ArticleSource:
    slug: str
    language: str
    title: str
    category: str
    summary: str
    keywords: str
    body: str
    position: int = 100
    related: list[str] = field(default_factory=list)


def parse_article(text: str, *, slug: str, language: str) -> ArticleSource:
    if not text.startswith("---\n"):
        raise ValueError(f"{slug}.{language}: missing front matter")
    head, body = text[4:].split("\n---\n", 1)
    meta: dict[str, str] = {}
    for line in head.splitlines():
        if line.strip():
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip()
    return ArticleSource(
        slug=slug,
        language=language,
        title=meta["title"],
        category=meta["category"],
        summary=meta.get("summary", ""),
        keywords=meta.get("keywords", ""),
        body=body.strip() + "\n",
        position=int(meta.get("position", "100")),
        related=[s.strip() for s in meta.get("related", "").split(",") if s.strip()],
    )


def load_categories(directory: Path = CONTENT_DIR) -> list[CategorySource]:
    out = []
    for line in (directory / "categories.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        slug, position, ja, en = (p.strip() for p in line.split("|"))
        out.append(CategorySource(slug, int(position), ja, en))
    return out


def load_articles(directory: Path = CONTENT_DIR) -> list[ArticleSource]:
    out = []
    for path in sorted(directory.glob("*.md")):
        slug, language, _ = path.name.rsplit(".", 2)
        out.append(parse_article(path.read_text(encoding="utf-8"), slug=slug, language=language))
    return out
