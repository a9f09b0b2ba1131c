"""Cost of the staff gate (core.staff.StaffGateMiddleware) per request.

    MADOGUCHI_TESTING=1 .venv/bin/python benchmarks/staff_gate.py [--requests 100000]

Every request passes the gate, so a customer page must pay next to nothing (target: under
5 us); a staff page pays the decision (anonymous here: no database query).
"""

from __future__ import annotations

import argparse
import os
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    args = parser.parse_args()
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from core.staff import staff_gate

    factory = RequestFactory()
    for path in ("/", "/wallet/", "/security/", "/staff/support/", "/admin/"):
        request = factory.get(path)
        request.user = AnonymousUser()
        seconds = timeit.timeit(lambda request=request: staff_gate(request), number=args.requests)
        print(f"{path:18s} {seconds / args.requests * 1e6:7.2f} us per request")


if __name__ == "__main__":
    main()
