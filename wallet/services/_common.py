"""Helpers shared by the wallet service modules: the amount and currency checks shared with
the preview (``wallet.internal.quote``) and the address mask used in emails."""

from __future__ import annotations

from wallet.internal import quote

# The checks shared with the preview (wallet.internal.quote); the old names stay for callers.
_parse_amount = quote.parse_amount
_crypto_currency = quote.crypto_currency
_insufficient = quote.insufficient


def mask_address(address: str) -> str:
    """Enough for the owner to recognise the address, not enough to copy it from an email."""
    if len(address) <= 12:
        return address
    return f"{address[:6]}…{address[-4:]}"
