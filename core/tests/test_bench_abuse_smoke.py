"""A short run of benchmarks/abuse.py (make bench-abuse): the script works end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_abuse_smoke_prints_its_figures():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "PYTEST"))}
    result = subprocess.run(
        [sys.executable, "benchmarks/abuse.py", "--smoke", "--sqlite"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "owner on a known device" in out
    assert "100% of" in out  # the owner is never locked out, even in a short run
    for name in ("sign-up:", "password reset request:", "freeze request:"):
        assert name in out
    assert "SMS figures" in out
