"""axe-core on every customer and staff page at 390 px and 1280 px: no serious or critical
violation.

The pages come from the route table through ``tests_support/pages.py`` (a page row that is
not listed there fails ``test_every_page_row_is_opened_or_explained``), on the demo data,
each opened by somebody who may open it (customers, guests at a sign-in step, staff with
their second factor verified in the session, the admin).

axe-core is the npm package (``tests_support/package.json``, installed by ``make install``)
injected into Debian's chromium. Our pages refuse scripts without the nonce (strict CSP),
so *for this test only* the browser context is opened with Playwright's ``bypass_csp=True``
to let axe's script in; every other browser test keeps the policy on (conftest.py fails a
test on any CSP refusal). Every finding, of every impact, is written to
``var/a11y/axe.json``; screenshots of failing pages go to ``var/screenshots/a11y/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests_support import pages as catalogue

ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / "tests_support" / "node_modules" / "axe-core" / "axe.min.js"
REPORT = ROOT / "var" / "a11y" / "axe.json"
SHOTS = ROOT / "var" / "screenshots" / "a11y"
WIDTHS = {390: 844, 1280: 900}
FAILING = ("serious", "critical")
# Moderate findings that were fixed on every page (issue 14 polish) and must stay fixed: a
# page without an h1, a skipped heading level, a table header cell with no text.
KEPT_FIXED = frozenset({"page-has-heading-one", "heading-order", "empty-table-header"})
# ...except in Django's own admin: its tabular inline heads the "original" column with an
# empty <th> (django/contrib/admin/templates/admin/edit_inline/tabular.html), not our markup.
KEPT_FIXED_EXCEPT = {"empty-table-header": "admin/"}


def _kept_fixed(rule: str, label: str) -> bool:
    return rule in KEPT_FIXED and not label.startswith(KEPT_FIXED_EXCEPT.get(rule, "\0"))


RUN_AXE = """async () => {
  await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 6).map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
    count: v.nodes.length,
  }));
}"""


def test_every_page_row_is_opened_or_explained() -> None:
    missing = catalogue.unlisted()
    assert not missing, (
        "pages of the route table that the accessibility test does not open; add them to "
        "tests_support/pages.py (PAGES, or NOT_PAGES with the reason):\n" + "\n".join(missing)
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_serious_or_critical_axe_violations(_browser: Any, live_server: Any, settings: Any) -> None:
    assert AXE.exists(), f"{AXE} is missing: run `make install` (npm ci in tests_support/)"
    from django.conf import settings as django_settings

    settings.MADOGUCHI_CAPTCHA_MAXNUMBER = 2000
    catalogue.load_demo()
    outbox = Path(settings.MADOGUCHI_OUTBOX_DIR)
    contexts: dict[str, Any] = {}

    def context_for(who: str) -> Any:
        if who in contexts and who not in catalogue.PER_PAGE:
            return contexts[who]
        if who in contexts:
            contexts.pop(who).close()
        context = _browser.new_context(
            locale="ja-JP", timezone_id="Asia/Tokyo", bypass_csp=True, viewport={"width": 390, "height": 844}
        )
        cookie = catalogue.session_cookie(catalogue.SESSIONS[who](outbox))
        if cookie:
            context.add_cookies(
                [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
            )
        contexts[who] = context
        return context

    report: dict[str, dict[str, Any]] = {}
    failures: list[str] = []
    for spec in catalogue.pages():
        context = context_for(spec.who)
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(15000)
        path = spec.path()
        page.set_viewport_size({"width": 390, "height": WIDTHS[390]})
        response = page.goto(live_server.url + path, wait_until="load")
        landed = page.url.removeprefix(live_server.url)
        status = response.status if response is not None else 0
        if status != spec.status or ("/accounts/login/" in landed and spec.pattern != "accounts/login/"):
            failures.append(f"{spec.label} {path}: answered {status} at {landed}, expected {spec.status}")
        page.add_script_tag(path=str(AXE))
        # One load, both widths: the page is resized (as a window is) and laid out again.
        for width, height in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            violations = page.evaluate(RUN_AXE)
            key = f"{spec.label} @{width}"
            report[key] = {"url": path, "landed": landed, "violations": violations}
            bad = [v for v in violations if v["impact"] in FAILING or _kept_fixed(v["id"], spec.label)]
            if bad:
                SHOTS.mkdir(parents=True, exist_ok=True)
                name = "".join(c if c.isalnum() else "_" for c in key)[:120]
                page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
                for v in bad:
                    where = "; ".join(n["target"] for n in v["nodes"])
                    failures.append(f"{key} [{v['impact']}] {v['id']} ×{v['count']}: {v['help']} — {where}")
    for context in contexts.values():
        context.close()
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    assert len(report) >= 2 * 60, "fewer pages than the catalogue lists"
    summary = f"{len(failures)} axe violations (serious, critical or kept fixed; all in {REPORT}):\n"
    assert not failures, summary + "\n".join(failures)
