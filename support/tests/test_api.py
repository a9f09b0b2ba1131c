import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from support.internal.calendar import JST
from support.tests.factories import FUNDS_FIELDS, SECURITY_FIELDS, create_funds, png_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def hanako_client(user_factory, client):
    user = user_factory(email="hanako@example.jp", full_name="山田花子")
    client.force_login(user)
    client.user = user
    return client


def test_inquiry_categories_describe_required_fields(client):
    response = client.get("/api/v1/inquiry-categories", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    cats = {c["slug"]: c for c in response.json()}
    assert set(cats) == {"sign_in", "trading", "funds", "system", "security", "other"}
    funds = cats["funds"]
    assert funds["queue"] == "funds" and funds["name"] == "Deposits and withdrawals"
    assert [f["key"] for f in funds["fields"]] == [
        "tx_reference",
        "occurred_at",
        "currency",
        "amount",
        "bank_or_network",
    ]
    assert funds["fields"][2]["choices"][0] == {"value": "JPY", "label": "Japanese yen (JPY)"}
    assert cats["security"]["priority"] == "urgent" and cats["security"]["offers_freeze"] is True
    assert [s["slug"] for s in cats["sign_in"]["subtopics"]] == [
        "email_not_arriving",
        "authenticator",
        "sms",
        "account",
    ]
    ja = {c["slug"]: c for c in client.get("/api/v1/inquiry-categories", headers={"Accept-Language": "ja"}).json()}
    assert ja["funds"]["name"] == "入出金"
    guest = client.get("/api/v1/inquiry-categories?guest=true").json()
    assert {c["slug"] for c in guest} == {"sign_in", "security"}


def test_contact_channels(client, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 11, 0, tzinfo=JST), tick=False)  # 勤労感謝の日 (Mon)
    response = client.get("/api/v1/contact-channels", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    channels = {c["channel"]: c for c in response.json()}
    assert channels["form"]["open_now"] is True and channels["form"]["next_open"] is None
    assert channels["phone"]["open_now"] is False and channels["phone"]["closed_reason"] == "holiday"
    assert channels["phone"]["next_open"] == "2026-11-24T00:00:00Z"  # Tue 09:00 JST
    assert channels["chat"]["next_open"] == "2026-11-24T01:00:00Z"  # Tue 10:00 JST
    assert "09:00–17:00" in channels["phone"]["hours"]


def test_operator_closure_closes_phone(client, time_machine):
    from support.models import Closure

    time_machine.move_to(dt.datetime(2026, 11, 24, 11, 0, tzinfo=JST), tick=False)
    Closure.objects.create(
        starts_at=dt.datetime(2026, 11, 24, 0, 0, tzinfo=JST),
        ends_at=dt.datetime(2026, 11, 25, 0, 0, tzinfo=JST),
        channels=["phone"],
        reason_ja="研修",
        reason_en="Training",
    )
    channels = {c["channel"]: c for c in client.get("/api/v1/contact-channels").json()}
    assert channels["phone"]["open_now"] is False and channels["phone"]["closed_reason"] == "closure"
    assert channels["chat"]["open_now"] is True


def test_create_list_read_reply_close(hanako_client):
    c = hanako_client
    response = c.post(
        "/api/v1/inquiries",
        {
            "category": "funds",
            "subtopic": "deposit",
            "fields": json.dumps(FUNDS_FIELDS),
            "description": "入金が反映されません。確認してください。",
            "attachments": [upload("screen.png", png_bytes())],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["queue"] == "funds" and body["priority"] == "normal" and body["status"] == "new"
    assert body["reference"].startswith("Q-")
    listing = c.get("/api/v1/inquiries").json()
    assert [i["id"] for i in listing["results"]] == [body["id"]]
    detail = c.get(f"/api/v1/inquiries/{body['id']}").json()
    assert detail["fields"]["currency"] == "JPY"
    assert detail["messages"][0]["attachments"][0]["url"].startswith("/support/attachments/")
    reply = c.post(f"/api/v1/inquiries/{body['id']}/messages", {"body": "追記です。よろしくお願いします。"})
    assert reply.status_code == 201 and reply.json()["author"] == "customer"
    assert c.post(f"/api/v1/inquiries/{body['id']}/close").status_code == 204
    assert c.get(f"/api/v1/inquiries/{body['id']}").json()["can_reply"] is False
    closed = c.post(f"/api/v1/inquiries/{body['id']}/messages", {"body": "もう一度"})
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "inquiry_closed"


def test_fields_as_form_keys_and_validation_errors_in_english(hanako_client):
    response = hanako_client.post(
        "/api/v1/inquiries",
        {"category": "funds", "subtopic": "deposit", "fields[amount]": "abc", "description": "short"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["fields"]["amount"] == ["Amount: enter a number such as 1,000 or 0.005."]
    assert error["fields"]["tx_reference"] == ["Transaction ID or hash is required."]
    assert "at least 10" in error["fields"]["description"][0]


def test_duplicate_is_409_with_existing_id(hanako_client):
    first = create_funds(hanako_client.user)
    data = {
        "category": "funds",
        "subtopic": "deposit",
        "fields": json.dumps(FUNDS_FIELDS),
        "description": "二件目の問い合わせです。",
    }
    response = hanako_client.post("/api/v1/inquiries", data)
    assert response.status_code == 409
    assert response.json()["error"]["fields"]["existing_id"] == [str(first.pk)]
    assert hanako_client.post("/api/v1/inquiries", {**data, "allow_duplicate": "true"}).status_code == 201


def test_security_inquiry_via_api_is_urgent(hanako_client):
    response = hanako_client.post(
        "/api/v1/inquiries",
        {
            "category": "security",
            "fields": json.dumps(SECURITY_FIELDS),
            "description": "不正ログインの通知が来ました。",
        },
    )
    assert response.status_code == 201
    assert response.json()["queue"] == "security" and response.json()["priority"] == "urgent"


def test_unauthenticated_is_401(client):
    assert client.get("/api/v1/inquiries").status_code == 401
    assert client.post("/api/v1/inquiries", {"category": "funds"}).status_code == 401


def test_list_query_count_is_constant(hanako_client, settings):
    from conftest import run_pending_on_commit
    from support.models import Inquiry

    settings.MADOGUCHI_SUPPORT_CREATE_LIMIT_PER_HOUR = 100

    def run():
        run_pending_on_commit()  # emails of the inquiries created above are not this request's work
        with CaptureQueriesContext(connection) as ctx:
            assert hanako_client.get("/api/v1/inquiries").status_code == 200
        return len(ctx.captured_queries)

    create_funds(hanako_client.user)
    run()  # first request of the session records the user session
    few = run()
    for _ in range(15):
        create_funds(hanako_client.user, allow_duplicate=True)
    assert Inquiry.objects.count() == 16
    assert run() == few


def test_keyset_pagination_visits_every_inquiry_once(hanako_client, settings):
    settings.MADOGUCHI_SUPPORT_CREATE_LIMIT_PER_HOUR = 100
    ids = {create_funds(hanako_client.user, allow_duplicate=True).pk for _ in range(7)}
    seen: list[int] = []
    cursor = ""
    while True:
        page = hanako_client.get(f"/api/v1/inquiries?limit=3&cursor={cursor}").json()
        seen += [i["id"] for i in page["results"]]
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    assert sorted(seen) == sorted(ids) and len(seen) == 7


def test_openapi_documents_support_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for p in (
        "/api/v1/inquiry-categories",
        "/api/v1/inquiries",
        "/api/v1/inquiries/{inquiry_id}",
        "/api/v1/inquiries/{inquiry_id}/messages",
        "/api/v1/contact-channels",
    ):
        assert p in paths
