"""The "I can't sign in" troubleshooter tree."""

from urllib.parse import parse_qs, urlparse

from helpcenter.internal.content import load_articles
from helpcenter.internal.troubleshooter import build_tree, find, leaf_url, walk

SIGNIN_SUBTOPICS = {"email_not_arriving", "authenticator", "sms", "account"}


def test_every_leaf_ends_at_a_fix_a_flow_or_a_prefilled_form():
    articles = {a.slug for a in load_articles()}
    leaves = [n for n in walk(build_tree()) if not n.options]
    assert len(leaves) >= 12
    for leaf in leaves:
        assert leaf.kind in {"fix", "flow", "inquiry"}, leaf.id
        assert leaf_url(leaf), leaf.id
        if leaf.article:
            assert leaf.article in articles, leaf.id
        for lang in ("ja", "en"):
            assert leaf.title[lang] and leaf.text[lang], leaf.id
        if leaf.kind == "inquiry":
            query = parse_qs(urlparse(leaf_url(leaf) or "").query)
            assert query["category"] == ["sign_in"] and query["subtopic"][0] in SIGNIN_SUBTOPICS


def test_covers_every_cause_named_in_the_product_spec():
    ids = {n.id for n in walk(build_tree())}
    for needed in [
        "address-unknown",
        "password-typing",
        "password-forgot",
        "password-social",
        "captcha",
        "sms",
        "email",
        "code-clock",
        "code-new-phone",
        "code-lost-phone",
        "frozen",
        "maintenance",
    ]:
        assert needed in ids


def test_code_refused_path_ends_at_the_clock_fix():
    root = build_tree()
    # given a customer whose authenticator code is refused
    code = next(o.node for o in root.options if o.node.id == "code")
    refused = code.options[0].node
    # then the first answer leads to the clock fix, in both languages
    assert refused.id == "code-clock" and refused.article == "two-factor-login-trouble"
    assert "自動設定" in refused.text["ja"] and "Set Automatically" in refused.text["en"]
    assert "Sync now" in refused.text["en"]
    _node, path = find(root, "code-clock") or (None, [])
    assert [p.id for p in path] == ["start", "code"]
