#!/usr/bin/env python
"""Every customer page on a throttled phone: bytes transferred and largest contentful paint.

    .venv/bin/python benchmarks/pages_phone.py [--port 8107] [--only PATTERN] [--runs 1]
    make bench-phone

What it does:
1. a throw-away SQLite database in a temporary directory, migrated, with the demo data
   (``make run``'s accounts, balances, inquiries, identity case, help articles), and
   ``collectstatic`` (whitenoise serves the compressed files, as in production);
2. gunicorn in production mode (DEBUG off, 2 sync workers) on 127.0.0.1:``--port``;
3. Debian's chromium (headless, Playwright) at 390×844, for each customer page of
   ``tests_support/pages.py`` (the public and customer zones of the route table, each
   opened by somebody who may: a guest, a signed-in customer, a customer at a sign-in
   step), cold (browser cache disabled), with
   - CPU: ``Emulation.setCPUThrottlingRate`` rate 4, and
   - network: ``Network.emulateNetworkConditions`` with Lighthouse's mobile profile
     (``throttling.mobileSlow4G`` in lighthouse-core/config/constants.js, which DevTools
     called "Fast 3G" before renaming it "Slow 4G"): request latency 150 ms RTT × 3.75 =
     562.5 ms, download 1.6 Mbit/s × 0.9 = 1474.56 kbit/s, upload 750 kbit/s × 0.9 =
     675 kbit/s (Lighthouse's "devtools" throttling method applies exactly these);
4. per page, after two unthrottled loads that warm the server: bytes on the wire
   (``Network.loadingFinished`` ``encodedDataLength`` of every request of the load:
   headers + bodies as sent) and the largest contentful paint
   (``PerformanceObserver`` ``largest-contentful-paint``, buffered, read after the load);
5. prints a table and whether every page holds the goal: ≤ 150 KB and LCP ≤ 1.5 s.

Only loopback traffic; the server and the browser stop at the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BYTES_GOAL = 150 * 1024
LCP_GOAL_MS = 1500.0
CPU_RATE = 4
# Lighthouse's mobileSlow4G ("Fast 3G" in DevTools before its rename), devtools method.
LATENCY_MS = 150 * 3.75
DOWN_KBPS = 1.6 * 1024 * 0.9
UP_KBPS = 750 * 0.9
NETWORK = {
    "offline": False,
    "latency": LATENCY_MS,
    "downloadThroughput": DOWN_KBPS * 1024 / 8,  # bytes per second
    "uploadThroughput": UP_KBPS * 1024 / 8,
}

LCP_SCRIPT = """
(() => {
  window.__lcp = null;
  new PerformanceObserver((list) => {
    const entries = list.getEntries();
    window.__lcp = entries[entries.length - 1].startTime;
  }).observe({type: 'largest-contentful-paint', buffered: true});
})();
"""


def environment(tmp: Path) -> dict[str, str]:
    return {
        # ``make run``'s embedded default (SQLite, per-process cache, DEBUG on: production
        # mode refuses SQLite), served by gunicorn rather than runserver.
        "DEBUG": "true",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "REDIS_URL": "",
        "MADOGUCHI_TASKS": "inline",
        "MADOGUCHI_VAR_DIR": str(tmp),
        "MADOGUCHI_OUTBOX_DIR": str(tmp / "outbox"),
        "MADOGUCHI_CAPTCHA_MAXNUMBER": "2000",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def prepare(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    from tests_support import pages

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    pages.load_demo()


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    cmd += ["--workers", "2", "--worker-class", "sync", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


def measure(context: Any, url: str, waterfall: bool = False) -> tuple[int, float, int, int]:
    """(bytes, LCP ms, requests, status) of one cold load of ``url`` in a fresh tab."""
    page = context.new_page()
    page.set_default_timeout(60000)
    # Warm the server first (unthrottled, twice: two workers), as a running site is: the
    # first request of a process compiles templates and fills its caches.
    for _ in range(2):
        page.goto(url, wait_until="load")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", NETWORK)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_RATE})
    sizes: dict[str, float] = {}
    sent: dict[str, tuple[float, str]] = {}
    done: dict[str, float] = {}

    def finished(event: dict[str, Any]) -> None:
        sizes[event["requestId"]] = event["encodedDataLength"]
        done[event["requestId"]] = event["timestamp"]

    def will_send(event: dict[str, Any]) -> None:
        # A redirect keeps its request id: the hop's response is counted under a key of its own.
        if "redirectResponse" in event:
            hop = f"{event['requestId']}:{len(sizes)}"
            sizes[hop] = event["redirectResponse"].get("encodedDataLength", 0)
            sent[hop] = (sent.get(event["requestId"], (event["timestamp"], ""))[0], event["redirectResponse"]["url"])
            done[hop] = event["timestamp"]
        sent[event["requestId"]] = (event["timestamp"], event["request"]["url"])

    cdp.on("Network.requestWillBeSent", will_send)
    cdp.on("Network.loadingFinished", finished)
    response = page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => window.__lcp !== null")
    lcp = float(page.evaluate("() => window.__lcp"))
    status = response.status if response is not None else 0
    if waterfall and sent:
        start = min(t for t, _ in sent.values())
        for rid, (t, address) in sorted(sent.items(), key=lambda item: item[1][0]):
            end = done.get(rid, t)
            span = f"{(t - start) * 1000:6.0f} → {(end - start) * 1000:6.0f} ms"
            print(f"      {span} {sizes.get(rid, 0):8.0f} B  {address}")
        print(f"      LCP {lcp:.0f} ms")
    cdp.detach()
    page.close()
    return int(sum(sizes.values())), lcp, len(sizes), status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8107)
    parser.add_argument("--only", default="", help="only pages whose pattern contains this text")
    parser.add_argument("--runs", type=int, default=1, help="loads per page (the median is printed)")
    parser.add_argument("--waterfall", action="store_true", help="print each request's start, end and size")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="madoguchi-bench-phone-"))
    env = environment(tmp)
    print(f"preparing {tmp} (migrate, collectstatic, demo data) ...", flush=True)
    prepare(env)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the sessions are made in-process
    from django.conf import settings

    from config.route_table import CUSTOMER, PUBLIC
    from tests_support import pages

    server = start_server(args.port, env)
    base = f"http://127.0.0.1:{args.port}"
    rows: list[tuple[str, int, float, int, int]] = []
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
            )
            contexts: dict[str, Any] = {}
            for spec in pages.pages(zones=(PUBLIC, CUSTOMER), admin=False):
                if args.only and args.only not in spec.pattern:
                    continue
                if spec.who not in contexts or spec.who in pages.PER_PAGE:
                    if spec.who in contexts:
                        contexts.pop(spec.who).close()
                    context = browser.new_context(
                        locale="ja-JP",
                        timezone_id="Asia/Tokyo",
                        viewport={"width": 390, "height": 844},
                        device_scale_factor=3,
                        is_mobile=True,
                        has_touch=True,
                    )
                    context.add_init_script(LCP_SCRIPT)
                    cookie = pages.session_cookie(pages.SESSIONS[spec.who](tmp / "outbox"))
                    if cookie:
                        context.add_cookies(
                            [
                                {
                                    "name": settings.SESSION_COOKIE_NAME,
                                    "value": cookie,
                                    "url": base,
                                    "httpOnly": True,
                                }
                            ]
                        )
                    contexts[spec.who] = context
                url = base + spec.path()
                runs = [measure(contexts[spec.who], url, args.waterfall) for _ in range(max(1, args.runs))]
                runs.sort(key=lambda r: r[1])
                size, lcp, requests, status = runs[len(runs) // 2]
                rows.append((spec.label, size, lcp, requests, status))
                print(
                    f"  {spec.label:<62} {size / 1024:7.1f} KB {lcp:7.0f} ms  {requests:2d} req  {status}", flush=True
                )
            for context in contexts.values():
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)

    print()
    network = f"{LATENCY_MS} ms, down {DOWN_KBPS:.0f} kbit/s, up {UP_KBPS:.0f} kbit/s"
    print(f"Customer pages at 390 px, CPU ×{CPU_RATE}, network {network}")
    print("| page | KB | LCP ms | requests | status | goal |\n|---|---:|---:|---:|---:|---|")
    missed = []
    for label, size, lcp, requests, status in rows:
        ok = size <= BYTES_GOAL and lcp <= LCP_GOAL_MS and status < 500
        if not ok:
            missed.append(label)
        print(f"| `{label}` | {size / 1024:.1f} | {lcp:.0f} | {requests} | {status} | {'ok' if ok else 'MISSED'} |")
    sizes = sorted(r[1] for r in rows)
    lcps = sorted(r[2] for r in rows)
    if rows:
        print(
            f"\n{len(rows)} pages: largest {sizes[-1] / 1024:.1f} KB, median {sizes[len(sizes) // 2] / 1024:.1f} KB; "
            f"LCP median {lcps[len(lcps) // 2]:.0f} ms, worst {lcps[-1]:.0f} ms"
        )
    print(f"goal (≤ {BYTES_GOAL // 1024} KB and LCP ≤ {LCP_GOAL_MS:.0f} ms on every page): ", end="")
    print("PASS" if not missed and rows else f"FAIL ({len(missed)}: {', '.join(missed)})")
    return 0 if rows else 1


if __name__ == "__main__":
    raise SystemExit(main())
