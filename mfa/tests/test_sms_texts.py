"""The SMS we send (issue 14 polish): each names what its code is for, states the configured
validity, fits one SMS segment, and its code appears nowhere but in the message itself."""

from __future__ import annotations

import logging

import pytest

from core.models import AuditEvent
from mfa import services

pytestmark = pytest.mark.django_db

PURPOSES = {
    # purpose: (what the Japanese SMS says it is for, what the English one says)
    "login": ("ログインコード", "sign-in code"),
    "verify_phone": ("電話番号の確認コード", "phone confirmation code"),
    "step_up:withdraw": ("追加認証のコード", "confirmation code"),
    "password_reset": ("パスワード再設定コード", "password reset code"),
    "authenticator_lost": ("2段階認証の解除コード", "code to turn off 2FA"),
    "phone_change": ("新しい電話番号の確認コード", "code for your new phone"),
}


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("purpose", sorted(PURPOSES))
def test_each_sms_names_its_purpose_in_the_customers_language(user_factory, outbox, settings, purpose, language):
    settings.MADOGUCHI_MFA_SMS_CODE_TTL = 300
    user = user_factory(language=language)
    services.sms_code_send(user=user, purpose=purpose)
    (sms,) = outbox.sms(to=user.phone)
    code = outbox.last_sms_code(user.phone)
    ja, en = PURPOSES[purpose]
    if language == "ja":
        assert sms.body.startswith(f"madoguchi {ja}：{code}（5分間有効）。")
        assert sms.body.endswith("このコードは誰にも教えないでください。")
        assert len(sms.body) <= 70, "one SMS segment in UCS-2"
    else:
        assert sms.body.startswith(f"madoguchi {en}: {code} (valid for 5 min).")
        assert len(sms.body) <= 160, "one SMS segment in GSM-7"
    assert "10" not in sms.body.replace(code, ""), "the validity is the configured one, not a fixed 10 minutes"


def test_the_code_is_never_logged_or_audited(user_factory, outbox, settings, caplog, capsys):
    settings.MADOGUCHI_SMS_ECHO_CONSOLE = True  # the console says an SMS went out
    user = user_factory(language="ja")
    with caplog.at_level(logging.DEBUG):
        services.sms_code_send(user=user, purpose="login")
    code = outbox.last_sms_code(user.phone)
    printed = capsys.readouterr()
    assert "[outbox] sms" in printed.out  # the echo happened, and it carries no code
    assert code not in printed.out + printed.err
    assert code not in caplog.text
    audit = AuditEvent.objects.filter(user=user)
    assert audit.exists() and all(code not in str(row.data) for row in audit)
