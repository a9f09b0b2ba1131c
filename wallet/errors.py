"""The codes the wallet answers (besides ``core.errors.CommonErrorCode``): docs/api.md, "Error codes"."""

from __future__ import annotations

from core.errors import ErrorCode


class WalletErrorCode(ErrorCode):
    """Withdrawal addresses, withdrawals and the trading core's internal API."""

    INVALID_ADDRESS = "invalid_address"  # not a valid address or destination tag for the currency (`fields` says which)
    ADDRESS_EXISTS = "address_exists"  # this address is already saved
    TOO_MANY_ADDRESSES = "too_many_addresses"  # the customer has saved the maximum number of addresses
    ADDRESS_NOT_READY = "address_not_ready"  # a new address is still in its waiting period
    UNSUPPORTED_CURRENCY = "unsupported_currency"  # withdrawals are not available for this currency
    BELOW_MINIMUM = "below_minimum"  # the amount is below the currency's minimum withdrawal
    INSUFFICIENT_FUNDS = "insufficient_funds"  # amount + fee is more than the available balance
    DAILY_LIMIT_EXCEEDED = "daily_limit_exceeded"  # more than today's remaining withdrawal limit (resets 0:00 JST)
    MONTHLY_LIMIT_EXCEEDED = "monthly_limit_exceeded"  # more than this month's remaining limit (resets on the 1st)
    WITHDRAWAL_NOT_CANCELLABLE = "withdrawal_not_cancellable"  # the withdrawal is no longer pending (sent, failed, ...)
    OUT_OF_RANGE = "out_of_range"  # internal: a pushed figure has too many decimal places or exceeds its bound
    WOULD_OVERDRAW = "would_overdraw"  # internal: pending withdrawals exceed the pushed available balance
    LEDGER_CONFLICT = "ledger_conflict"  # internal: the pushed balances no longer hold this withdrawal's funds
    INSUFFICIENT_SCOPE = "insufficient_scope"  # internal: the service token lacks the scope this endpoint needs
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"  # internal: no Idempotency-Key header (1-100 characters)
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"  # internal: the Idempotency-Key was used for another request body
