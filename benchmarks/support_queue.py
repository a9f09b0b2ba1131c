"""Support desk at scale: staff queue page and customer list with 10k, 100k and 1M inquiries.

Usage (PostgreSQL; its own database, created if missing):

    .venv/bin/python benchmarks/support_queue.py                       # 10k, 100k, 1M
    .venv/bin/python benchmarks/support_queue.py --sizes 10000 100000  # quicker
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/madoguchi_bench_support ...

Inquiries are bulk-generated in SQL (INSERT ... SELECT generate_series) with a realistic mix:
8 % active (new/open/waiting), the rest resolved/closed, five queues, 20k customers (the
measured customer owns 60 inquiries at every size, so the list page always shows a full
page), every tenth active inquiry assigned to the agent. After each size the database is
ANALYZEd and the maintained per-queue counts are rebuilt, then each page is requested
through Django's test client (full view + template rendering, real session) and timed.

Printed per size and page: p50/p95 in ms over --runs requests and the number of SQL
queries per request (must not change with the size). Target: p95 <= 100 ms and flat
within 2x from 10k to 1M.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the stdlib ``queue`` module: keep its folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/madoguchi_bench_support"
CUSTOMERS = 20_000

SAMPLE_TEXTS = [
    "昨日振り込んだ日本円の入金がまだ反映されていません。",
    "ビットコインの出金が承認待ちのまま進みません。",
    "成行注文が想定より高い価格で約定しました。",
    "認証アプリのコードが正しくないと表示されます。",
    "SMSの認証コードが届きません。",
    "アプリでチャートを開くと通信エラーになります。",
    "取引報告書のダウンロード方法を教えてください。",
    "I cannot see my XRP deposit in the balance page.",
]


def _setup(url: str, *, fresh: bool = False) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)  # per-process cache is enough for timing pages
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("MADOGUCHI_TESTING", "1")
    _create_database(url, fresh=fresh)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _create_database(url: str, *, fresh: bool) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    if not name.startswith("madoguchi_bench"):
        raise SystemExit("refusing to use a database whose name does not start with madoguchi_bench")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _people() -> tuple[Any, list[int]]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts import roles

    User = get_user_model()
    agent = User.objects.filter(email="bench-agent@example.jp").first()
    if agent is None:
        agent = User.objects.create_user(email="bench-agent@example.jp", password="Bench-agent-2026", is_staff=True)
        for role in (roles.SUPPORT_AGENT, roles.SECURITY_AGENT):
            agent.groups.add(Group.objects.get_or_create(name=role)[0])
    have = User.objects.filter(email__startswith="bench-c").count()
    if have < CUSTOMERS:
        User.objects.bulk_create(
            [User(email=f"bench-c{i}@example.jp", password="!", language="ja") for i in range(have, CUSTOMERS)],
            batch_size=5000,
        )
    ids = list(User.objects.filter(email__startswith="bench-c").order_by("id").values_list("id", flat=True))
    return agent, ids


def _generate(target: int, agent_id: int, customer_ids: list[int]) -> None:
    """Insert inquiries until there are ``target`` (one INSERT ... SELECT generate_series)."""
    from django.db import connection

    from support.internal.search import index_tokens
    from support.models import Category, Inquiry

    current = Inquiry.objects.count()
    if current >= target:
        return
    cats = list(Category.objects.order_by("id").values_list("id", "queue_id"))
    grams = [index_tokens(t, "bench@example.jp") for t in SAMPLE_TEXTS]
    lo, hi = min(customer_ids), max(customer_ids)
    sql = """
    INSERT INTO support_inquiry (
        reference, customer_id, guest_email, language, category_id, subtopic_id, queue_id, priority, status,
        subject, fields, description, assignee_id, created_at, updated_at, first_response_due_at,
        first_responded_at, resolution_due_at, sla_paused_seconds_left, breached_at, resolved_at, closed_at,
        reopened_count, search_grams)
    SELECT
        'B' || lpad(g::text, 9, '0'),
        CASE WHEN g <= 60 THEN %(heavy)s ELSE %(lo)s + (hashint4(g) & 2147483647) %% (%(hi)s - %(lo)s + 1) END,
        '', 'ja',
        (%(cat_ids)s::int[])[1 + (g %% %(ncat)s)],
        NULL,
        (%(queue_ids)s::int[])[1 + (g %% %(ncat)s)],
        1 + (hashint4(g * 7) & 2147483647) %% 4,
        CASE WHEN r < 0.03 THEN 'new' WHEN r < 0.06 THEN 'open' WHEN r < 0.08 THEN 'waiting'
             WHEN r < 0.20 THEN 'resolved' ELSE 'closed' END,
        'Bench inquiry ' || g,
        '{}'::jsonb,
        (%(texts)s::text[])[1 + (g %% %(ntext)s)],
        CASE WHEN r < 0.08 AND g %% 10 = 0 THEN %(agent)s ELSE NULL END,
        ts, ts + interval '1 hour', ts + interval '8 hours',
        CASE WHEN r < 0.03 THEN NULL ELSE ts + interval '2 hours' END,
        ts + interval '3 days', NULL, NULL,
        CASE WHEN r >= 0.08 THEN ts + interval '1 day' END,
        CASE WHEN r >= 0.20 THEN ts + interval '15 days' END,
        0,
        (%(grams)s::text[])[1 + (g %% %(ntext)s)]
    FROM (
        SELECT g, (hashint4(g * 31) & 2147483647) / 2147483647.0 AS r,
               now() - ((%(target)s - g) * interval '90 seconds') AS ts
        FROM generate_series(%(start)s, %(target)s) AS g
    ) AS s
    """
    params = {
        "heavy": customer_ids[0],
        "lo": lo,
        "hi": hi,
        "cat_ids": [c[0] for c in cats],
        "queue_ids": [c[1] for c in cats],
        "ncat": len(cats),
        "texts": SAMPLE_TEXTS,
        "grams": grams,
        "ntext": len(SAMPLE_TEXTS),
        "agent": agent_id,
        "start": current + 1,
        "target": target,
    }
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute("ANALYZE support_inquiry")
    from support.services import queue_counts_rebuild

    queue_counts_rebuild()
    print(f"  generated {target - current:,} inquiries in {time.perf_counter() - started:.1f}s", flush=True)


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _time(client: Any, url: str, runs: int) -> tuple[float, float, int, float]:
    """(p50 ms, p95 ms, SQL queries per request, p95 ms spent in SQL) for one page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    samples: list[float] = []
    sql: list[float] = []
    counts: set[int] = set()
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
        counts.add(len(ctx.captured_queries))
        sql.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
    assert len(counts) == 1, f"query count varies between requests: {counts}"
    return statistics.median(samples), _p95(samples), counts.pop(), _p95(sql)


def _explain(client: Any, url: str) -> list[str]:
    """EXPLAIN ANALYZE of the page's inquiry queries: plan summary and server execution time."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    lines = []
    for query in ctx.captured_queries:
        sql = query["sql"]
        if 'FROM "support_inquiry"' not in sql or not sql.startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, TIMING OFF) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
        scans = sorted(
            {
                m.group(0)
                for row in plan
                for m in [re.search(r"(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)[^(]*", row)]
                if m
            }
        )
        exec_ms = next((row.split(":")[1].strip() for row in plan if row.startswith("Execution Time")), "?")
        lines.append(f"      {exec_ms:>12}  {'; '.join(s.strip() for s in scans)}")
    return lines


def _pages(agent: Any, customer_ids: list[int]) -> list[tuple[str, Any, str]]:
    from django.test import Client

    from support import selectors

    staff = Client()
    staff.force_login(agent)
    # a deep keyset page: follow the cursor five pages into the funds queue
    cursor = None
    for _ in range(5):
        page = selectors.queue_page_for_staff(user=agent, queue="funds", cursor=cursor)
        cursor = page.next_cursor
    from django.contrib.auth import get_user_model

    # the first customer owns the first 60 inquiries: a full first page at every size
    customer = get_user_model().objects.get(pk=customer_ids[0])
    portal = Client()
    portal.force_login(customer)
    from urllib.parse import quote

    return [
        ("staff queue: all visible queues", staff, "/staff/support/"),
        ("staff queue: funds", staff, "/staff/support/?queue=funds"),
        ("staff queue: funds, page 6 (keyset)", staff, f"/staff/support/?queue=funds&cursor={quote(cursor or '')}"),
        ("staff queue: assigned to me", staff, "/staff/support/?view=mine"),
        ("staff queue: closed archive", staff, "/staff/support/?queue=trading&view=closed"),
        ("staff search: 反映, common (Japanese)", staff, "/staff/support/?q=%E5%8F%8D%E6%98%A0&view=closed"),
        ("staff search: rare word", staff, "/staff/support/?q=zzzzqx&view=closed"),
        ("customer list (web)", portal, "/support/"),
        ("customer list (API)", portal, "/api/v1/inquiries"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each page's inquiry queries")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the benchmark database first")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    _setup(args.database_url, fresh=args.fresh)
    from support.models import Inquiry

    agent, customer_ids = _people()
    results: dict[str, dict[int, tuple[float, float, int, float]]] = {}
    for size in sorted(args.sizes):
        print(f"size {size:,}", flush=True)
        if Inquiry.objects.count() > size:
            print("  database already holds more inquiries; drop it to measure smaller sizes", flush=True)
            continue
        _generate(size, agent.pk, customer_ids)
        for label, client, url in _pages(agent, customer_ids):
            results.setdefault(label, {})[size] = _time(client, url, args.runs)
            p50, p95, queries, sql95 = results[label][size]
            explained = _explain(client, url) if args.explain else []
            print(
                f"  {label:<40} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  SQL p95 {sql95:6.1f} ms  queries {queries}",
                flush=True,
            )
            for line in explained:
                print(line, flush=True)

    sizes = sorted({s for per in results.values() for s in per})
    print("\nSummary: page p95 ms / SQL p95 ms (queries per request)")
    print(f"{'page':<40}" + "".join(f"{s:>20,}" for s in sizes) + f"{'max/min':>10}")
    for label, per in results.items():
        cells = "".join(
            f"{per[s][1]:>9.1f}/{per[s][3]:<5.1f}({per[s][2]:>2})" if s in per else f"{'-':>20}" for s in sizes
        )
        p95s = [per[s][1] for s in sizes if s in per]
        ratio = max(p95s) / min(p95s) if p95s and min(p95s) > 0 else 0.0
        print(f"{label:<40}{cells}{ratio:>10.2f}")


if __name__ == "__main__":
    main()
