"""Inlined stylesheets carry the response's CSP nonce (and the header names it)."""

from __future__ import annotations

import re

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/help/", "/accounts/login/"])
def test_inlined_stylesheet_carries_the_nonce_of_the_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    nonces = re.findall(r'<style nonce="([^"]*)">', html)
    assert nonces, "no inlined stylesheet"
    policy = response.headers["Content-Security-Policy"]
    style_src = next(part for part in policy.split(";") if part.strip().startswith("style-src"))
    for nonce in nonces:
        assert nonce and f"'nonce-{nonce}'" in style_src
    # the stylesheet itself is in the page: no request for it before the first paint
    assert 'rel="stylesheet" href="/static/core/app.css"' not in html
    assert ".site-header" in html
