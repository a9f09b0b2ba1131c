from support import defaults
from support.internal.fields import spec_from_dict


def test_every_category_routes_to_a_defined_queue_and_fields_are_valid():
    queues = {q["slug"] for q in defaults.QUEUES}
    for category in defaults.CATEGORIES:
        assert category["queue"] in queues
        specs = [spec_from_dict(f) for f in category["fields"]]
        assert len({s.key for s in specs}) == len(specs)


def test_product_routing_and_required_fields():
    cats = {c["slug"]: c for c in defaults.CATEGORIES}
    assert {k: c["queue"] for k, c in cats.items()} == {
        "sign_in": "helpdesk",
        "trading": "trading",
        "funds": "funds",
        "system": "operations",
        "security": "security",
        "other": "helpdesk",
    }
    assert [s["slug"] for s in cats["sign_in"]["subtopics"]] == [
        "email_not_arriving",
        "authenticator",
        "sms",
        "account",
    ]
    keys = {k: [f["key"] for f in c["fields"]] for k, c in cats.items()}
    assert keys["trading"] == ["order_id", "occurred_at", "pair", "amount"]
    assert keys["funds"] == ["tx_reference", "occurred_at", "currency", "amount", "bank_or_network"]
    assert keys["system"] == ["device", "os", "app_version", "error_message", "occurred_at"]
    assert keys["security"] == ["what_happened", "occurred_at"]
    assert keys["sign_in"] == ["failing_step", "message_shown"]
    assert cats["security"]["priority"] == defaults.URGENT and cats["security"]["offers_freeze"]
    assert {k for k, c in cats.items() if c["guest_allowed"]} == {"sign_in", "security"}
    security_queues = {q["slug"] for q in defaults.QUEUES if q["is_security"]}
    assert security_queues == {"security"}
