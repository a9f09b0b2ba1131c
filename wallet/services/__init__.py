"""Wallet writes. Every check (2FA step-up, freeze/hold, rate limit, funds) runs here, so
the HTML views, the JSON API and the internal API cannot skip one.

The package is split by sub-domain; this module re-exports every name (private helpers too)
so ``from wallet import services; services.x`` keeps working. Patch a function where it is
used (``wallet.services.<module>.<name>``), not here. Address checksums are
``wallet.addresses``, not ``wallet.services.saved_addresses``.
"""

from __future__ import annotations

from wallet.services._common import _crypto_currency, _insufficient, _parse_amount, mask_address
from wallet.services.core_pushes import (
    BalancePush,
    LeveragePush,
    RatePush,
    StatusResult,
    _account_frozen_for_core,
    core_balances_apply,
    rates_apply,
    withdrawal_sent_refused_record,
    withdrawal_status_set,
)
from wallet.services.preferences import header_total_set
from wallet.services.release import _RELEASE_KIND, _pending_release, withdrawals_cancel_for_freeze
from wallet.services.saved_addresses import (
    _address_error_message,
    withdrawal_address_add,
    withdrawal_address_remove,
)
from wallet.services.withdrawals import (
    _ensure_second_factor_configured,
    _not_cancellable,
    withdrawal_cancel,
    withdrawal_request,
)

__all__ = [
    "_RELEASE_KIND",
    "BalancePush",
    "LeveragePush",
    "RatePush",
    "StatusResult",
    "_account_frozen_for_core",
    "_address_error_message",
    "_crypto_currency",
    "_ensure_second_factor_configured",
    "_insufficient",
    "_not_cancellable",
    "_parse_amount",
    "_pending_release",
    "core_balances_apply",
    "header_total_set",
    "mask_address",
    "rates_apply",
    "withdrawal_address_add",
    "withdrawal_address_remove",
    "withdrawal_cancel",
    "withdrawal_request",
    "withdrawal_sent_refused_record",
    "withdrawal_status_set",
    "withdrawals_cancel_for_freeze",
]
