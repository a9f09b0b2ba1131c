"""Synonyms as editable data, applied at query time (no re-index when they change).

Format, one rule per line (``#`` starts a comment):

    2段階認証 | 二要素認証 | 2fa | two-factor authentication     (equivalent phrases)
    送金 => 出金                                                  (one-way: typed => also search)

Every phrase is run through :func:`analyze`, so spelling variants that the analyser
already unifies (二段階 / 2段階 / ２段階) need no rule of their own.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from .analysis import analyze, is_kana, romaji

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Group:
    """One concept of the query: matched when any alternative phrase occurs in a document."""

    alternatives: tuple[Phrase, ...]
    prefix: bool = False
    # < 1 for a concept the engine guessed (a typo correction): it counts, but less
    weight: float = 1.0
    typed: Phrase = ()  # the phrase as it came from the query (the others are its synonyms)

    @functools.cached_property
    def key(self) -> str:
        return "|".join(" ".join(p) for p in sorted(self.alternatives)) + ("*" if self.prefix else "")


@dataclass
class SynonymTable:
    # phrase -> the alternatives a query containing it expands to (including itself)
    expansions: dict[Phrase, tuple[Phrase, ...]] = field(default_factory=dict)
    max_len: int = 1
    # folded reading of a katakana phrase as written → its single analysed token
    # (グーグル → googl), for matching queries by sound
    surface_readings: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> SynonymTable:
        table = cls()
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            table._note_surfaces(line)
            if "=>" in line:
                left, right = line.split("=>", 1)
                sources = [_phrase(p) for p in left.split("|")]
                targets = [_phrase(p) for p in right.split("|")]
                for src in sources:
                    if src:
                        table._add(src, [src, *targets])
            else:
                phrases = [_phrase(p) for p in line.split("|")]
                for p in phrases:
                    if p:
                        table._add(p, phrases)
        return table

    def _note_surfaces(self, line: str) -> None:
        for raw in line.replace("=>", "|").split("|"):
            raw = raw.strip()
            if raw and is_kana(raw):
                tokens = analyze(raw)
                if len(tokens) == 1:
                    self.surface_readings.setdefault(romaji(raw), tokens[0])

    def _add(self, phrase: Phrase, alternatives: list[Phrase]) -> None:
        current = list(self.expansions.get(phrase, ()))
        for alt in alternatives:
            if alt and alt not in current:
                current.append(alt)
        self.expansions[phrase] = tuple(current)
        self.max_len = max(self.max_len, len(phrase))

    def groups(self, tokens: list[str]) -> list[Group]:
        """Greedy longest-match of synonym phrases over the query tokens."""
        out: list[Group] = []
        seen: set[str] = set()
        i = 0
        while i < len(tokens):
            for n in range(min(self.max_len, len(tokens) - i), 0, -1):
                span = tuple(tokens[i : i + n])
                alts = self.expansions.get(span)
                if alts:
                    group = Group(alternatives=alts, typed=span)
                    i += n
                    break
            else:
                group = Group(alternatives=((tokens[i],),), typed=(tokens[i],))
                i += 1
            if group.key not in seen:
                seen.add(group.key)
                out.append(group)
        return out


def _phrase(text: str) -> Phrase:
    tokens = analyze(text.strip())
    # "できない" analyses to (出来る, 出来るない): the negation token alone says it all and
    # keeps the phrase off the very common base verb.
    if len(tokens) >= 2 and tokens[-1] == tokens[-2] + "ない":
        del tokens[-2]
    return tuple(tokens)
