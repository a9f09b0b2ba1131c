#!/usr/bin/env python
"""Live chat: message latency and how many concurrent conversations the machine sustains.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/madoguchi_chat_bench \
    REDIS_URL=redis://127.0.0.1:6379/8 \
    .venv/bin/python benchmarks/chat.py [--levels 100,250,500,750,1000] [--interval 5] [--duration 20]

What it does:
1. prepares the database (migrate), the largest level's customers and agents, one open
   conversation per customer accepted by an agent (through chat.services), and a session
   cookie for each (agents' sessions carry the staff second factor);
2. starts uvicorn (``config.asgi``, ``--workers 2``, DEBUG off, the Redis channel layer, the
   production session store) on a free loopback port;
3. for each level N: opens 2 × N WebSockets (the customer's and the agent's page of each
   conversation), then for ``--duration`` seconds each side of every conversation sends a
   message every ``--interval`` seconds (random phase); the latency of a message is from
   the sender's ``send`` to the frame arriving on the other side's socket (stored in
   PostgreSQL, fanned out through Redis, delivered by whichever worker holds the socket);
4. prints p50/p95/p99 per level, the number of messages, errors, and the largest N whose
   p95 ≤ 300 ms (the goal: ≥ 500 concurrent conversations).

The load generator (one asyncio process) runs on the same two cores as the server and the
databases: the figures include its share. Rendering in a browser is not included (the
browser test shows the same frames rendered; a DOM append is well under a millisecond).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 300.0

BENCH_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "benchmark-only-" + "x" * 48,
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "false",
    "MADOGUCHI_TASKS": "celery",
    "MADOGUCHI_MFA_ENCRYPTION_KEYS": "benchmark-only-key-" + "k" * 32,
    "MADOGUCHI_TRUSTED_PROXY_COUNT": "0",
    "MADOGUCHI_JSON_LOGS": "true",
    "MADOGUCHI_CHAT_ALWAYS_OPEN": "1",
    "MADOGUCHI_CHAT_MAX_PER_AGENT": "20",
    "MADOGUCHI_CHAT_START_LIMIT_PER_HOUR": "100",
    # every simulated client shares 127.0.0.1: the per-address limit would see one client
    "MADOGUCHI_CHAT_ADDRESS_RATE_LIMIT": "100000/60",
}


def raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def ensure_database(url: str) -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(conversations: int, per_agent: int) -> list[tuple[int, str, str]]:
    """(conversation id, customer cookie, agent cookie) for ``conversations`` open chats."""
    ensure_database(os.environ["DATABASE_URL"])
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.test import Client

    from chat import services
    from chat.models import OPEN_STATUSES, Conversation
    from core import staff

    call_command("migrate", verbosity=0, interactive=False)
    Conversation.objects.filter(status__in=[s.value for s in OPEN_STATUSES]).update(status="closed")
    users = get_user_model()
    group = Group.objects.get_or_create(name="support_agent")[0]
    name = settings.SESSION_COOKIE_NAME

    def cookie(user, staff_member: bool = False) -> str:
        client = Client()
        client.force_login(user)
        if staff_member:
            session = client.session
            session[staff.SESSION_VERIFIED_KEY] = {"user": str(user.pk), "at": time.time() + 3600}
            session.save()
        return f"{name}={client.cookies[name].value}"

    agents = []
    for i in range(math.ceil(conversations / per_agent)):
        agent, _ = users.objects.get_or_create(email=f"bench-agent-{i}@example.invalid", defaults={"is_staff": True})
        agent.groups.add(group)
        if not Authenticator.objects.filter(user=agent, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(agent, "JBSWY3DPEHPK3PXP")
        agents.append((agent, cookie(agent, staff_member=True)))
    rows = []
    for i in range(conversations):
        customer, _ = users.objects.get_or_create(email=f"bench-chat-{i}@example.invalid")
        conversation = services.conversation_start(category_slug="funds", body=f"bench {i}", customer=customer)
        agent, agent_cookie = agents[i // per_agent]
        services.conversation_accept(agent=agent, conversation=conversation)
        rows.append((conversation.pk, cookie(customer), agent_cookie))
    return rows


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    cmd = [
        str(ROOT / ".venv/bin/uvicorn"),
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--ws",
        "websockets-sansio",
        "--lifespan",
        "off",
        "--log-level",
        "warning",
        "--no-access-log",
        "--backlog",
        "4096",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=dict(os.environ))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                if b" 200 " in s.recv(100):
                    return proc
        except OSError:
            pass
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("uvicorn did not start")


async def run_level(port: int, rows: list[tuple[int, str, str]], interval: float, duration: float) -> dict:
    from websockets.asyncio.client import connect

    base = f"ws://127.0.0.1:{port}"
    origin = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    errors = {"connect": 0, "error_frames": 0, "lost": 0}
    sent_at: dict[str, tuple[float, bool]] = {}
    measuring = {"on": False}
    stop = asyncio.Event()

    async def open_socket(cid: int, cookie: str):
        for attempt in range(5):
            try:
                return await connect(
                    f"{base}/ws/chat/{cid}/",
                    additional_headers={"Cookie": cookie, "Origin": origin},
                    open_timeout=60,
                    ping_interval=None,
                    max_queue=None,
                )
            except Exception:
                await asyncio.sleep(0.5 * (attempt + 1))
        errors["connect"] += 1
        return None

    async def reader(ws) -> None:
        try:
            async for raw in ws:
                data = json.loads(raw)
                kind = data.get("type")
                if kind == "message":
                    key = data["message"].get("key") or ""
                    sent = sent_at.get(key)
                    # the frame on the *other* side's socket (the sender's own echo is ignored);
                    # a message counts when it was sent inside the measured window, however late it lands
                    if sent is not None and key.startswith(("c-", "a-")) and ws.bench_role != key[0]:
                        sent_at.pop(key, None)
                        if sent[1]:
                            latencies.append((time.perf_counter() - sent[0]) * 1000)
                elif kind == "error":
                    errors["error_frames"] += 1
        except Exception:  # the socket closed at the end of the level
            return

    async def writer(ws, role: str, cid: int) -> None:
        await asyncio.sleep(random.uniform(0, interval))
        n = 0
        while not stop.is_set():
            n += 1
            key = f"{role}-{cid}-{n}-{random.randrange(1 << 30)}"
            sent_at[key] = (time.perf_counter(), measuring["on"])
            try:
                await ws.send(json.dumps({"type": "message", "body": f"bench message {n}", "key": key}))
            except Exception:
                errors["lost"] += 1
                return
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass

    sockets = []
    # open gradually (a page load per second per conversation is not the load under test)
    batch = 50
    for i in range(0, len(rows), batch):
        chunk = rows[i : i + batch]
        opened = await asyncio.gather(
            *[open_socket(cid, c) for cid, c, _ in chunk], *[open_socket(cid, a) for cid, _, a in chunk]
        )
        half = len(chunk)
        for (cid, _, _), customer_ws, agent_ws in zip(chunk, opened[:half], opened[half:], strict=True):
            if customer_ws is None or agent_ws is None:
                continue
            customer_ws.bench_role = "c"
            agent_ws.bench_role = "a"
            sockets.append((cid, customer_ws, agent_ws))
    tasks = []
    for _cid, customer_ws, agent_ws in sockets:
        tasks += [asyncio.create_task(reader(customer_ws)), asyncio.create_task(reader(agent_ws))]
    writers = []
    for cid, customer_ws, agent_ws in sockets:
        writers += [asyncio.create_task(writer(customer_ws, "c", cid)), asyncio.create_task(writer(agent_ws, "a", cid))]
    await asyncio.sleep(min(5.0, interval))  # warm-up: every writer has sent once
    measuring["on"] = True
    started = time.perf_counter()
    await asyncio.sleep(duration)
    measuring["on"] = False
    elapsed = time.perf_counter() - started
    stop.set()
    await asyncio.gather(*writers, return_exceptions=True)
    drain_until = time.perf_counter() + 30.0  # every message must arrive, late or not
    while sent_at and time.perf_counter() < drain_until:
        await asyncio.sleep(0.2)
    unanswered = len(sent_at)
    for _cid, customer_ws, agent_ws in sockets:
        await customer_ws.close()
        await agent_ws.close()
    for t in tasks:
        t.cancel()
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] if latencies else float("nan")

    return {
        "conversations": len(sockets),
        "messages": len(latencies),
        "rate": len(latencies) / elapsed if elapsed else 0.0,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "mean": statistics.fmean(latencies) if latencies else float("nan"),
        "unanswered": unanswered,
        **errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="100,250,500,750,1000")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between messages per side")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per level")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--smoke", action="store_true", help="one small level (the suite's smoke)")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")] if not args.smoke else [10]
    if args.smoke:
        args.duration, args.interval = 4.0, 2.5
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/madoguchi_chat_bench")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/8")
    for key, value in BENCH_ENV.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("CACHE_KEY_PREFIX", f"chatbench-{int(time.time())}")
    raise_fd_limit()
    print(f"preparing {max(levels)} conversations …", flush=True)
    rows = prepare(max(levels), per_agent=20)
    port = free_port()
    server = start_server(port, args.workers)
    results = []
    try:
        for level in levels:
            result = asyncio.run(run_level(port, rows[:level], args.interval, args.duration))
            results.append(result)
            print(
                f"{result['conversations']:>5} conversations  {result['rate']:7.1f} msg/s  "
                f"p50 {result['p50']:6.1f} ms  p95 {result['p95']:6.1f} ms  p99 {result['p99']:6.1f} ms  "
                f"messages {result['messages']}  unanswered {result['unanswered']}  "
                f"connect errors {result['connect']}  error frames {result['error_frames']}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(10)
    sustained = [r["conversations"] for r in results if r["p95"] <= TARGET_P95_MS and r["unanswered"] == 0]
    best = max(sustained) if sustained else 0
    print(
        f"\nsustained with p95 ≤ {TARGET_P95_MS:.0f} ms: {best} concurrent conversations "
        f"({'meets' if best >= 500 else 'below'} the goal of 500; interval {args.interval:g} s per side)"
    )
    if args.smoke:
        # the smoke checks that every message arrived once, not the latency (a loaded CI box)
        r = results[0]
        if r["messages"] == 0 or r["unanswered"] or r["error_frames"] or r["connect"]:
            raise SystemExit("chat smoke failed")
        print("chat smoke ok")


if __name__ == "__main__":
    main()
