"""A short run of the multi-node drill (benchmarks/drill.py; the full one is `make drill`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.skipif(shutil.which("nginx") is None, reason="needs Debian nginx (scripts/system-deps.sh)")
def test_the_drill_loses_and_duplicates_nothing_under_faults(tmp_path):
    figures_path = tmp_path / "drill.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "MADOGUCHI_", "DJANGO_"))}

    run = subprocess.run(
        [sys.executable, "benchmarks/drill.py", "--smoke", "--json", str(figures_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert figures_path.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    figures = json.loads(figures_path.read_text())
    phases = {p["phase"]: p for p in figures["phases"]}
    assert set(phases) == {"worker-kill", "broker-stop", "cache-flush", "web-restart"}
    for name, phase in phases.items():
        assert phase["acknowledged"] > 0, (name, phase)
        assert phase["5xx"] == 0, (name, phase)
        assert phase["lost"] == 0, (name, phase)
        assert phase["duplicated"] == 0, (name, phase)
        assert phase["signed_out"] == 0, (name, phase)
        assert phase["emails_expected"] == phase["emails_delivered"] > 0, (name, phase)
        assert phase["sms_expected"] == phase["sms_delivered"] > 0, (name, phase)
    assert phases["worker-kill"]["readyz_while_dead"].startswith("503")
    # the worker reconnects by itself after every broker restart: the supervisor is not needed
    broker = phases["broker-stop"]
    assert broker["broker_restarts"] >= 3 and broker["worker_survived_broker_restarts"] == broker["broker_restarts"]
    assert all(phase["worker_restarted_by_supervisor"] == 0 for phase in phases.values()), figures
    # TOTP codes used before the cache flush are refused after it (last step kept in the database)
    assert phases["cache-flush"]["replays_tried"] > 0
    assert phases["cache-flush"]["replays_accepted"] == 0, phases["cache-flush"]
    assert run.returncode == 0, run.stdout[-3000:]
