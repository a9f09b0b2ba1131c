"""The page shell is rendered once per process and set of inputs (core/fragments.py):
what each visitor sees must still be exactly their own."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from core.fragments import memo_render
from core.memo import LocalLRU

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _signed_in(user: Any) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_every_page_view_gets_its_own_csrf_token_and_it_works(user_factory: Any) -> None:
    alice, bob = _signed_in(user_factory(phone=None)), _signed_in(user_factory(phone=None))
    first, second = TOKEN.findall(alice.get("/").content.decode()), TOKEN.findall(alice.get("/").content.decode())
    others = TOKEN.findall(bob.get("/").content.decode())
    assert first and second and others
    assert not set(first) & set(second)  # masked anew on every response, as Django does
    assert not set(first) & set(others)

    # bob's token does not sign alice out; her own does
    assert alice.post("/accounts/logout/", {"csrfmiddlewaretoken": others[0]}).status_code == 403
    assert alice.post("/accounts/logout/", {"csrfmiddlewaretoken": second[0]}).status_code == 302
    assert not alice.get("/").wsgi_request.user.is_authenticated


def test_the_shell_follows_language_and_role(user_factory: Any, staff_factory: Any) -> None:
    customer = _signed_in(user_factory(phone=None))
    staff = _signed_in(staff_factory(roles=["support_agent"], phone=None))
    ja = customer.get("/").content.decode()
    customer.cookies["django_language"] = "en"
    en = customer.get("/").content.decode()
    assert "ホーム" in ja and ">Home<" not in ja
    assert ">Home<" in en and "ホーム" not in en
    assert 'href="/staff/"' not in ja
    assert 'href="/staff/"' in staff.get("/").content.decode()
    anonymous = Client().get("/").content.decode()
    assert 'id="signout"' not in anonymous and "/accounts/signup/" in anonymous


def test_the_footer_language_switch_returns_to_the_page_it_was_on(client: Any) -> None:
    assert 'name="next" value="/help/"' in client.get("/help/").content.decode()
    assert 'name="next" value="/status/"' in client.get("/status/").content.decode()


def test_process_copies_are_bounded_and_keyed_by_every_input() -> None:
    store: LocalLRU[str] = LocalLRU(max_entries=2)
    renders: list[str] = []

    def render(text: str) -> Any:
        def run() -> str:
            renders.append(text)
            return text

        return run

    assert memo_render(store, ("a",), render("A")) == "A"
    assert memo_render(store, ("a",), render("stale")) == "A"
    assert memo_render(store, ("b",), render("B")) == "B"
    assert memo_render(store, ("c",), render("C")) == "C"  # "a" is evicted
    assert memo_render(store, ("a",), render("A2")) == "A2"
    assert renders == ["A", "B", "C", "A2"]


def _render(source: str, **context: Any) -> str:
    from django.template import Context, Template

    return Template("{% load fragments %}" + source).render(Context(context))


class _Customer:
    is_authenticated = True

    def __init__(self, email: str) -> None:
        self.email = email


def test_an_undeclared_variable_renders_empty_and_is_never_shared() -> None:
    # A fragment that uses {{ user.email }} without declaring it: if it saw the page's whole
    # context, alice's address would be cached and shown to bob.
    source = "{% fragment %}<p>{{ user.email }}</p>{% endfragment %}"
    assert _render(source, user=_Customer("alice@example.com")) == "<p></p>"
    assert _render(source, user=_Customer("bob@example.com")) == "<p></p>"


def test_declared_inputs_are_seen_and_each_value_gets_its_own_copy() -> None:
    source = "{% fragment user.email %}<p>{{ user.email }}{{ user.secret }}</p>{% endfragment %}"
    alice, bob = _Customer("alice@example.com"), _Customer("bob@example.com")
    alice.secret = bob.secret = "s3cret"  # type: ignore[attr-defined]  # not declared
    assert _render(source, user=alice) == "<p>alice@example.com</p>"
    assert _render(source, user=bob) == "<p>bob@example.com</p>"
    assert _render(source, user=alice) == "<p>alice@example.com</p>"


def test_declared_values_keep_their_type_in_the_content_and_the_key() -> None:
    source = "{% fragment flag %}{% if flag %}yes{% else %}no{% endif %}{% endfragment %}"
    assert _render(source, flag=False) == "no"
    assert _render(source, flag="False") == "yes"  # a non-empty string is true: another key
    assert _render(source, flag=True) == "yes"


def test_inputs_must_be_plain_variable_paths() -> None:
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError):
        _render("{% fragment user.email|lower %}x{% endfragment %}", user=_Customer("a@example.com"))
    with pytest.raises(TemplateSyntaxError):
        _render('{% fragment "literal" %}x{% endfragment %}')
