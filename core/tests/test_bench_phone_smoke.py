"""A short run of benchmarks/pages_phone.py (make bench-phone) on one page: the script
starts its server and browser, measures, prints its table and verdict, and stops. No timing
is asserted (figures are in docs/performance.md)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_bench_phone_measures_one_page_and_prints_the_table():
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "REDIS_URL", "PYTEST", "MADOGUCHI_", "DJANGO_SETTINGS"))
    }
    result = subprocess.run(
        [sys.executable, "benchmarks/pages_phone.py", "--only", "help/status/", "--port", str(_free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    out = result.stdout
    row = re.search(r"^\| `help/status/` \| (\d+\.\d) \| (\d+) \| (\d+) \| 200 \| (ok|MISSED) \|$", out, re.M)
    assert row, out
    kilobytes, lcp, requests = float(row[1]), int(row[2]), int(row[3])
    assert kilobytes > 1 and lcp > 0 and requests >= 1  # a real page was loaded and painted
    assert re.search(r"^goal \(≤ 150 KB and LCP ≤ 1500 ms on every page\): (PASS|FAIL)", out, re.M), out
    assert "1 pages:" in out
