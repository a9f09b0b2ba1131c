"""The customer's saved withdrawal addresses: add (second factor, delay before use) and
remove. The checksums themselves live in ``wallet.addresses``."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import ensure_not_frozen
from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode
from core.notify import send_email
from wallet import conf
from wallet.addresses import AddressError, validate_address
from wallet.errors import WalletErrorCode
from wallet.models import (
    WithdrawalAddress,
)
from wallet.services._common import _crypto_currency, mask_address


def _address_error_message(code: str) -> str:
    messages = {
        "invalid_checksum": _("This address has a typo: its checksum does not match. Copy and paste it again."),
        "checksum_missing": _(
            "Enter the address with its mixed upper/lower-case letters (EIP-55 checksum) so typos can be caught."
        ),
        "wrong_network": _("This address belongs to another network (for example a testnet)."),
        "invalid_destination_tag": _("The destination tag must be a whole number from 0 to 4294967295."),
        "destination_tag_not_supported": _("This currency has no destination tag."),
        "unsupported_currency": _("Withdrawals are not available for this currency."),
    }
    return messages.get(code, _("This is not a valid address for the selected currency."))


def withdrawal_address_add(
    *,
    user: User,
    currency: str,
    address: str,
    label: str = "",
    destination_tag: Any = None,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> WithdrawalAddress:
    from mfa.services import second_factor_verify

    ensure_not_frozen(user)
    currency = _crypto_currency(currency)
    label = " ".join((label or "").split())
    if len(label) > 50:
        raise ApplicationError(
            CommonErrorCode.VALIDATION_FAILED,
            _("Please correct the highlighted fields."),
            fields={"label": [_("Use at most 50 characters.")]},
        )
    try:
        validated = validate_address(
            currency,
            # Full-width characters typed on a Japanese keyboard become ASCII; the checksum
            # still decides whether the result is the address the customer meant.
            unicodedata.normalize("NFKC", address or ""),
            destination_tag=unicodedata.normalize("NFKC", destination_tag)
            if isinstance(destination_tag, str)
            else destination_tag,
            btc_network=conf.btc_network(),
            eth_allow_unchecksummed=not conf.eth_require_checksum(),
        )
    except AddressError as exc:
        field = "destination_tag" if "destination_tag" in exc.code else "address"
        raise ApplicationError(
            WalletErrorCode.INVALID_ADDRESS,
            _address_error_message(exc.code),
            fields={field: [_address_error_message(exc.code)]},
        ) from exc
    existing = WithdrawalAddress.objects.filter(user=user, removed_at__isnull=True)
    if existing.filter(
        currency=currency, address=validated.address, destination_tag=validated.destination_tag
    ).exists():
        raise ApplicationError(
            WalletErrorCode.ADDRESS_EXISTS,
            _("This address is already saved."),
            status=409,
            fields={"address": [_("This address is already saved.")]},
        )
    if existing.count() >= conf.max_addresses():
        raise ApplicationError(WalletErrorCode.TOO_MANY_ADDRESSES, _("You have saved the maximum number of addresses."))
    limit, period = conf.address_rate_limit()
    ratelimit.check(f"wallet:address_add:{user.pk}", limit=limit, period=period)

    # The second factor last: a code is only spent on a request that can succeed.
    second_factor_verify(user=user, action="withdrawal_address_add", code=code, assertion=assertion, request=request)

    now = timezone.now()
    with transaction.atomic():
        row = WithdrawalAddress.objects.create(
            user=user,
            currency=currency,
            address=validated.address,
            destination_tag=validated.destination_tag,
            label=label,
            created_at=now,
            usable_at=now + dt.timedelta(hours=conf.address_delay_hours()),
        )
        audit_log(
            user=user,
            event="withdrawal_address.added",
            request=request,
            data={"address_id": row.pk, "currency": currency, "address": validated.address},
        )
        send_email(
            user=user,
            kind="wallet_address_added",
            context={
                "currency": currency,
                "label": label,
                "address_masked": mask_address(validated.address),
                "usable_at": row.usable_at.isoformat(),  # shown in JST, in the customer's language
            },
        )
    return row


def withdrawal_address_remove(*, user: User, address_id: int, request: HttpRequest | None = None) -> None:
    from wallet.selectors import withdrawal_address_for_user

    row = withdrawal_address_for_user(user, address_id)
    with transaction.atomic():
        updated = WithdrawalAddress.objects.filter(pk=row.pk, removed_at__isnull=True).update(removed_at=timezone.now())
        if updated:
            audit_log(
                user=user,
                event="withdrawal_address.removed",
                request=request,
                data={"address_id": row.pk, "currency": row.currency},
            )
