"""A short run of benchmarks/abuse.py (make bench-abuse): the script works end to end."""

from __future__ import annotations

import os
import re
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
    # Every sign-in of the owner gets its code during the anonymous reset flood, which the
    # reset budget refuses; no sign-up SMS goes to numbers outside Japanese mobiles.
    flood = re.search(
        r"owner sign-ins (\d+), sign-in codes sent (\d+).*signed in with the code (\d+); "
        r"reset SMS sent (\d+), refused (\d+)",
        out,
    )
    assert flood, out
    sign_ins, codes, signed_in, reset_sent, reset_refused = map(int, flood.groups())
    assert sign_ins == codes == signed_in == 2
    assert reset_sent >= 1 and reset_refused >= 1
    pumping = re.search(
        r"(\d+) sign-ups with foreign.*?(\d+) refused at the form, (\d+) accounts made, "
        r"SMS triggered (\d+)",
        out,
    )
    assert pumping, out
    assert pumping.group(1) == pumping.group(2) != "0"
    assert pumping.group(3) == pumping.group(4) == "0"
    japan = re.search(r"from (\d+) new accounts: (\d+) SMS", out)
    assert japan and int(japan.group(2)) < int(japan.group(1)), out  # the per-number limit stops it
    assert "SMS met" in out
