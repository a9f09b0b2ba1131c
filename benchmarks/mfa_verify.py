"""Second-factor check cost: the pure TOTP engine and the full step-up service path.

Usage:  .venv/bin/python benchmarks/mfa_verify.py [--n 2000]
        DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python benchmarks/mfa_verify.py

Runs against a throw-away SQLite database in a temporary directory unless DATABASE_URL
is set (then use a scratch database: it migrates and creates one user).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def _report(name: str, samples: list[float]) -> None:
    ms = [s * 1000 for s in samples]
    print(
        f"{name:<44} n={len(ms):>5}  mean={statistics.mean(ms):7.3f} ms  "
        f"p50={_pct(ms, 0.5):7.3f}  p95={_pct(ms, 0.95):7.3f}  p99={_pct(ms, 0.99):7.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()

    if "DATABASE_URL" not in os.environ:
        os.environ["MADOGUCHI_VAR_DIR"] = tempfile.mkdtemp(prefix="mfa-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("MADOGUCHI_TESTING", "1")
    os.environ.setdefault("MADOGUCHI_SMS_ECHO_CONSOLE", "0")
    import logging

    import django

    django.setup()
    logging.disable(logging.CRITICAL)
    from django.conf import settings
    from django.core.management import call_command

    settings.MADOGUCHI_MFA_RATE_ACCOUNT = (10**9, 300)
    settings.MADOGUCHI_MFA_LOCK_AFTER_FAILURES = 10**9
    call_command("migrate", verbosity=0)

    import time_machine
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth import get_user_model

    from core.errors import ApplicationError
    from mfa import services
    from mfa.internal import totp

    secret = generate_totp_secret()  # fresh per run: burnt steps in Redis outlive the run
    key = totp.decode_secret(secret)
    now = time.time()

    # 1. the pure engine: 41 candidate steps (±20) for a wrong code, constant work
    samples = []
    for i in range(args.n):
        t0 = time.perf_counter()
        totp.verify(secret=secret, code=f"{i % 1000000:06d}", at=now)
        samples.append(time.perf_counter() - t0)
    _report("engine: verify (±1 accept, ±20 drift scan)", samples)

    user = get_user_model().objects.create_user(email=f"bench-{int(now)}@example.jp", password=None)
    TOTP.activate(user, secret)

    # 2. full service path, refused code (lock check, throttles, decrypt, scan, audit row)
    samples = []
    for _ in range(args.n):
        t0 = time.perf_counter()
        try:
            services.second_factor_verify(user=user, action="bench", code="000000")
        except ApplicationError:
            pass
        samples.append(time.perf_counter() - t0)
    _report("service: second_factor_verify, wrong code", samples)

    # 3. full service path, accepted code (+ atomic burn in the shared cache)
    samples = []
    start = int(now // 30) * 30 + 3600 * 24
    for i in range(args.n):
        at = start + i * 30
        code = totp.hotp(key, at // 30)
        with time_machine.travel(at, tick=False):
            t0 = time.perf_counter()
            services.second_factor_verify(user=user, action="bench", code=code)
            samples.append(time.perf_counter() - t0)
    _report("service: second_factor_verify, accepted code", samples)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"database={engine} cache={cache_backend}")


if __name__ == "__main__":
    main()
