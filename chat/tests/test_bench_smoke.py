"""`benchmarks/chat.py --smoke`: uvicorn + the Redis channel layer + PostgreSQL, ten
conversations, every message delivered once (latency figures: `make bench-chat`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
def test_chat_benchmark_smoke() -> None:
    database = os.environ["DATABASE_URL"].rstrip("/") + "_chatsmoke"
    env = {k: v for k, v in os.environ.items() if k not in {"MADOGUCHI_TESTING", "DJANGO_SETTINGS_MODULE"}}
    env.update(DATABASE_URL=database, REDIS_URL=os.environ["REDIS_URL"])
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "chat.py"), "--smoke"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "chat smoke ok" in result.stdout
