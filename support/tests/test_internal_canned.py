from support import defaults
from support.internal.canned import PLACEHOLDERS, render, unknown_placeholders


def test_render_replaces_known_placeholders_only():
    out = render(
        "{customer_name} {reference} {user.password} {0.__class__}", {"customer_name": "花子", "reference": "Q-1"}
    )
    assert out == "花子 Q-1 {user.password} {0.__class__}"


def test_values_are_not_expanded_twice():
    assert render("{customer_name}", {"customer_name": "{reference}", "reference": "X"}) == "{reference}"


def test_unknown_placeholders_are_reported():
    assert unknown_placeholders("{customer_name} {secret} {x.y}") == ["secret", "x.y"]


def test_default_canned_replies_are_bilingual_and_use_known_placeholders():
    assert len(defaults.CANNED_REPLIES) >= 5
    for reply in defaults.CANNED_REPLIES:
        for key in ("title_ja", "title_en", "body_ja", "body_en"):
            assert reply[key].strip()
            assert unknown_placeholders(reply[key]) == []
        assert "{reference}" in reply["body_ja"] and "{reference}" in reply["body_en"]
    assert set(PLACEHOLDERS) >= {"customer_name", "reference", "agent_name"}
