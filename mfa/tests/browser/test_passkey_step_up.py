"""Browser: register a passkey (virtual authenticator) and use it for a per-action step-up."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from mfa.tests.browser.test_totp_lifecycle import Phone, _sign_in
from mfa.tests.helpers import DEMO_SECRET, enable_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_passkey_registered_then_used_instead_of_a_code(live_server, browser_page, user_factory, settings, outbox):
    settings.MADOGUCHI_CAPTCHA_MAXNUMBER = 2000
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    page = browser_page
    base = live_server.url.replace("127.0.0.1", "localhost")  # WebAuthn needs a domain, not an IP
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    user = user_factory(email="passkey@example.jp", language="en")
    enable_totp(user)
    phone = Phone()

    # given a customer signed in with TOTP
    _sign_in(page, base, user.email)
    page.fill("input[name=code]", phone.code(DEMO_SECRET))
    page.locator("form:has(input[name=code]) [type=submit]").first.click()
    page.wait_for_load_state()

    # when a passkey is added on the security page: the second factor first ...
    page.goto(f"{base}/security/passkeys/add/")
    assert page.locator("#passkey-create").count() == 0
    page.fill("input[name=code]", phone.code(DEMO_SECRET))
    page.click("#passkey-authorise-submit")
    page.wait_for_selector("#passkey-create")
    # ... and only then the device creates the credential
    page.fill("input[name=name]", "Test phone")
    page.click("#passkey-create")
    page.wait_for_url("**/security/passkeys/")
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).count() == 1
    page.goto(f"{base}/security/")
    assert "Test phone" in page.inner_text("#two-factor")

    # then new recovery codes can be created with the passkey instead of a code
    page.goto(f"{base}/security/recovery-codes/")
    page.click("[data-passkey-step-up]")
    page.wait_for_selector("#recovery-codes li")
    assert page.locator("#recovery-codes li").count() == 10
    assert outbox.emails(to=user.email, kind="mfa_recovery_codes_regenerated")
    from core.models import AuditEvent

    passed = AuditEvent.objects.filter(user=user, event="mfa.step_up_passed").latest("id")
    assert passed.data == {"action": "recovery_codes_regenerate", "method": "webauthn"}
