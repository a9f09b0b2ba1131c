"""Staff behind the same sign-in: the admin's password form is gone, no staff page opens
without an enrolled second factor passed in this session, and each step is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from accounts.roles import IDENTITY_REVIEWER, OPERATOR, SUPPORT_AGENT
from core.models import AuditEvent
from mfa.tests.helpers import DEMO_SECRET, code_at
from tests_support.captcha import solve

pytestmark = pytest.mark.django_db

PASSWORD = "Passw0rd-test"
T0 = dt.datetime(2026, 11, 21, 3, 0, 5, tzinfo=dt.UTC)
STAFF_PAGES = ["/staff/", "/staff/support/", "/recovery/staff/cases/", "/help/staff/articles/", "/admin/"]


def _en_client() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def agent(staff_factory):
    return staff_factory(
        roles=[SUPPORT_AGENT, IDENTITY_REVIEWER, OPERATOR], email="agent@example.jp", is_superuser=True
    )


def test_admin_login_with_a_password_alone_signs_nobody_in(agent):
    # given a staff member's email and password (phished, say)
    client = _en_client()
    # when they are posted to the admin's sign-in form
    response = client.post("/admin/login/?next=/admin/", {"username": agent.email, "password": PASSWORD})
    # then nobody is signed in: the answer is the product's sign-in, which asks for more
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/auth/group/").status_code == 302
    # and the admin's GET form is the same redirect (no password form at all)
    page = client.get("/admin/login/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")


def test_staff_page_without_an_enrolled_second_factor_does_not_open(staff_factory):
    # given a staff member who has no passkey and no authenticator (SMS only)
    staff = staff_factory(roles=[SUPPORT_AGENT, IDENTITY_REVIEWER, OPERATOR], second_factor=None, is_superuser=True)
    client = _en_client()
    client.force_login(staff)
    # when they open any staff page, then they are sent to enrol
    for path in STAFF_PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/staff/second-factor/?next="), path
    # and the enrolment page says how, with the product's own 2FA setup pages
    page = client.get("/staff/second-factor/?next=/staff/support/")
    assert page.status_code == 403
    html = page.content.decode()
    assert 'href="/security/"' in html and 'href="/security/totp/setup/"' in html
    assert "passkey" in html
    # and the refusal is audited once per session
    assert AuditEvent.objects.filter(user=staff, event="staff.blocked_no_second_factor").count() == 1
    # a form post to a staff page is refused too, never run
    response = client.post("/staff/support/inquiries/1/assign/", {})
    assert response.status_code == 302 and response["Location"] == "/staff/second-factor/"
    # and a script gets the JSON error contract: no second factor set up yet
    api = client.post("/staff/support/inquiries/1/presence/", {}, headers={"Accept": "application/json"})
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "two_factor_setup_required"


def test_staff_verification_without_an_enrolled_factor_is_two_factor_setup_required(staff_factory, rf):
    from core.errors import ApplicationError
    from core.staff import staff_second_factor_verify

    staff = staff_factory(roles=[SUPPORT_AGENT], second_factor=None)
    request = rf.post("/staff/verify/")
    request.session = {}
    with pytest.raises(ApplicationError) as refused:
        staff_second_factor_verify(user=staff, code="123456", assertion=None, request=request)
    assert refused.value.code == "two_factor_setup_required" and refused.value.status == 403


def test_staff_sign_in_through_the_product_asks_for_the_second_factor(agent, time_machine):
    time_machine.move_to(T0, tick=False)
    client = _en_client()
    # when the agent opens the admin, the product's sign-in takes over
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    # and after the password, the authenticator step follows
    response = client.post(
        "/accounts/login/?next=/admin/", {"login": agent.email, "password": PASSWORD, "captcha": solve(client)}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/admin/").status_code == 302  # not yet
    response = client.post("/accounts/2fa/authenticate/", {"code": code_at(DEMO_SECRET, T0.timestamp())})
    assert response.status_code == 302
    # then the admin and the consoles open
    assert client.get("/admin/").status_code == 200
    assert client.get("/staff/support/").status_code == 200
    # and the staff sign-in is audited once for the session
    assert AuditEvent.objects.filter(user=agent, event="staff.signed_in").count() == 1


def test_session_without_the_second_factor_confirms_it_on_the_verify_page(agent, time_machine):
    time_machine.move_to(T0, tick=False)
    client = _en_client()
    client.force_login(agent, second_factor=False)  # e.g. signed in before enrolling
    response = client.get("/recovery/staff/cases/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/verify/?next=%2Frecovery%2Fstaff%2Fcases%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'name="code"' in page.content.decode()
    # a wrong code is refused and audited
    wrong = client.post("/staff/verify/", {"code": "000000", "next": "/recovery/staff/cases/"})
    assert wrong.status_code == 400
    assert AuditEvent.objects.filter(user=agent, event="staff.second_factor_failed").exists()
    assert client.get("/recovery/staff/cases/").status_code == 302
    # the right code opens staff pages, back where the agent was going
    ok = client.post("/staff/verify/", {"code": code_at(DEMO_SECRET, T0.timestamp()), "next": "/recovery/staff/cases/"})
    assert ok.status_code == 302 and ok["Location"] == "/recovery/staff/cases/"
    assert client.get("/recovery/staff/cases/").status_code == 200
    assert AuditEvent.objects.filter(user=agent, event="staff.second_factor_verified").exists()
    # an open redirect is not followed
    time_machine.move_to(T0 + dt.timedelta(seconds=30), tick=False)
    client.force_login(agent, second_factor=False)
    away = client.post(
        "/staff/verify/", {"code": code_at(DEMO_SECRET, T0.timestamp() + 30), "next": "https://evil.example/"}
    )
    assert away["Location"] == "/staff/"


def test_the_second_factor_expires_for_staff_pages(agent, time_machine, settings):
    settings.MADOGUCHI_STAFF_SECOND_FACTOR_HOURS = 1
    time_machine.move_to(T0, tick=False)
    client = _en_client()
    client.force_login(agent)
    assert client.get("/staff/support/").status_code == 200
    time_machine.move_to(T0 + dt.timedelta(hours=1, minutes=1), tick=False)
    response = client.get("/staff/support/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/verify/")
    # a script calling a staff endpoint gets the JSON error contract instead of a redirect
    api = client.post("/staff/support/inquiries/1/presence/", {}, headers={"Accept": "application/json"})
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "two_factor_required"


def test_staff_verification_is_rate_limited(agent):
    client = _en_client()
    client.force_login(agent, second_factor=False)
    codes = [client.post("/staff/verify/", {"code": "000000"}).status_code for _ in range(6)]
    assert codes[:5] == [400] * 5
    assert codes[5] == 400  # the page shows the limit as its error
    page = client.post("/staff/verify/", {"code": "000000"})
    assert "Too many attempts" in page.content.decode()


def test_customers_get_404_on_the_admin_and_the_gate_pages(user_factory):
    client = _en_client()
    client.force_login(user_factory())
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/login/").status_code == 404
    assert client.get("/staff/verify/").status_code == 404
    assert client.get("/staff/second-factor/").status_code == 404
    # customer pages are untouched by the gate
    assert client.get("/security/").status_code == 200


def test_the_admins_own_password_form_is_not_offered(agent):
    client = _en_client()
    client.force_login(agent)
    response = client.post("/admin/password_change/", {"old_password": PASSWORD, "new_password1": "x"})
    assert response.status_code == 302 and response["Location"] == "/security/"
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)


def test_gate_benchmark_smoke(monkeypatch, capsys):
    import runpy

    monkeypatch.setattr("sys.argv", ["staff_gate.py", "--requests", "5"])
    runpy.run_path("benchmarks/staff_gate.py", run_name="__main__")
    assert "us per request" in capsys.readouterr().out
