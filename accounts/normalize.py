"""Input normalisation that saves support tickets (full-width input from Japanese keyboards)."""

from __future__ import annotations

import unicodedata


def normalize_email(raw: str) -> str:
    """NFKC, trimmed, domain lower-cased: ＨＡＮＡＫＯ＠ＥＸＡＭＰＬＥ．ＪＰ → HANAKO@example.jp."""
    value = unicodedata.normalize("NFKC", raw or "").strip()
    local, at, domain = value.rpartition("@")
    if not at:
        return value
    return f"{local}@{domain.lower()}"


def has_full_width(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in {"F", "W"} for ch in text)


def password_input_hints(password: str) -> list[str]:
    """Why a typed password may not match: returns hint codes, never the password."""
    hints = []
    if has_full_width(password):
        hints.append("full_width")
    if password != password.strip():
        hints.append("surrounding_space")
    return hints
