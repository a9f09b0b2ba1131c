"""A short run of benchmarks/signin.py (make bench-signin): gunicorn, PostgreSQL, Redis and the
load clients work end to end, twice, and the verdict is judged by the median of the runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres  # the benchmark runs on PostgreSQL + Redis
def test_bench_signin_smoke_signs_in_over_http_and_prints_the_median_verdict():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "PYTEST"))}
    env.update(
        MADOGUCHI_BENCH_DB="madoguchi_bench_signin_smoke",
        MADOGUCHI_BENCH_REDIS_URL="redis://127.0.0.1:6379/10",
    )
    result = subprocess.run(
        [
            sys.executable,
            "benchmarks/signin.py",
            "--repeat",
            "2",
            "--requests",
            "12",
            "--clients",
            "2",
            "--single",
            "2",
            "--argon2-seconds",
            "0.5",
            "--breakdown",
            "4",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-3000:]
    out = result.stdout
    assert out.count("12 complete, 0 failed") == 2, out
    for expected, written in re.findall(r"AuditEvent login.success\s+(\d+)\s+\(expected (\d+)\)", out):
        assert expected == written
    ratios = re.search(r"CPU ratio of each run\s+([0-9.]+), ([0-9.]+)", out)
    assert ratios, out
    median = (float(ratios.group(1)) + float(ratios.group(2))) / 2
    verdict = re.search(r"median of 2 runs ([0-9.]+): (met|NOT met)", out)
    assert verdict, out
    assert abs(float(verdict.group(1)) - median) < 0.006
    assert verdict.group(2) == ("met" if float(verdict.group(1)) >= 0.5 else "NOT met")
