"""A strict Content Security Policy and a Permissions-Policy on every HTML page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/help/", "/status/", "/contact/"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_a_strict_csp_and_a_permissions_policy(client, path):
    response = client.get(path, follow=True)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    # a nonce appears only on pages that use one
    assert re.fullmatch(r"'self'( 'nonce-[A-Za-z0-9_-]+')?", directives["script-src"])
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["img-src"].split() == ["'self'", "data:", "blob:"]
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    # every inline script carries this response's nonce
    found = re.search(r"'nonce-([^']+)'", directives["script-src"])
    nonce = found.group(1) if found else "(no nonce on this page)"
    page = response.content.decode()
    for tag in re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page):
        assert f'nonce="{nonce}"' in tag, tag


def _templates() -> list[Path]:
    skip = {".venv", "staticfiles", "node_modules", "var"}
    return [p for p in ROOT.rglob("*.html") if not skip & set(p.relative_to(ROOT).parts)]


def test_no_template_has_inline_code_the_policy_would_refuse():
    offenders = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", text):
            if "src=" in tag or "application/json" in tag or "csp_nonce" in tag:
                continue
            offenders.append(f"{path.relative_to(ROOT)}: {tag}")
        for attr in re.findall(r"\s(?:style|on[a-z]+)=\"[^\"]*\"", text):
            offenders.append(f"{path.relative_to(ROOT)}: {attr.strip()}")
        if "javascript:" in text:
            offenders.append(f"{path.relative_to(ROOT)}: javascript: URL")
    assert offenders == []


@pytest.mark.django_db
def test_only_the_api_specification_page_may_load_its_cdn(client):
    assert "cdn.jsdelivr.net" in client.get("/_allauth/openapi.html")["Content-Security-Policy"]
    assert "cdn.jsdelivr.net" not in client.get("/help/")["Content-Security-Policy"]
