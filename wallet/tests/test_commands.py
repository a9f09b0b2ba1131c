"""Management commands: service tokens and the ledger check."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from wallet.internal import tokens
from wallet.models import Balance, ServiceToken

from .helpers import fund

pytestmark = pytest.mark.django_db


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("wallet_service_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_issue_list_rotate_revoke():
    out, err = _run("issue", "--name", "core", "--scope", "balances:write", "--scope", "rates:write")
    raw = out.splitlines()[-1]
    assert raw.startswith("mdgs_") and "not shown again" in err
    assert tokens.authenticate(raw) is not None
    listing, _ = _run("list")
    assert "core" in listing and raw not in listing
    out, _ = _run("rotate", "--name", "core", "--grace-hours", "0")
    new_raw = out.splitlines()[-1]
    assert tokens.authenticate(raw) is None  # no grace: the old token stops at once
    assert sorted(tokens.authenticate(new_raw).scopes) == ["balances:write", "rates:write"]
    prefix = ServiceToken.objects.get(token_hash=tokens.token_hash(new_raw)).prefix
    _run("revoke", "--prefix", prefix)
    assert tokens.authenticate(new_raw) is None
    with pytest.raises(CommandError):
        _run("revoke", "--prefix", prefix)


def test_check_ledger(user_factory):
    user = user_factory()
    fund(user, "BTC", "1")
    out = io.StringIO()
    call_command("wallet_check_ledger", stdout=out)
    assert "ledger ok" in out.getvalue()
    Balance.objects.filter(user=user).update(available=Decimal("2"))
    with pytest.raises(CommandError):
        call_command("wallet_check_ledger", stdout=io.StringIO())


def test_prune_idempotency_keeps_recent_answers(time_machine):
    import datetime as dt

    from django.utils import timezone

    from wallet.models import IdempotencyRecord

    row, _raw = tokens.issue(name="core", scopes=["rates:write"])
    IdempotencyRecord.objects.create(key="old", token=row, request_hash="x", status_code=200, response={})
    time_machine.move_to(timezone.now() + dt.timedelta(days=31))
    IdempotencyRecord.objects.create(key="new", token=row, request_hash="y", status_code=200, response={})
    call_command("wallet_prune_idempotency", "--days", "30", stdout=io.StringIO())
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
