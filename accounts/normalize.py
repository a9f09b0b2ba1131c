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


def normalize_code(raw: str) -> str:
    """A typed one-time code -> ASCII digits ("" when it cannot be one): full-width digits
    folded (NFKC), spaces and dashes dropped ("１２３ ４５６" -> "123456"); anything else left
    over makes it invalid rather than silently ignored. The same rule as the second-factor
    codes (``mfa.internal.totp.normalize_code``)."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(ch for ch in text if not ch.isspace() and ch not in "-‐‑–—ー・.")
    if not text.isascii() or not text.isdigit():
        return ""
    return text


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
