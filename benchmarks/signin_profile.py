#!/usr/bin/env python
"""CPU of complete sign-ins without the hash, in one Django process, called as gunicorn calls it.

``benchmarks/signin.py`` gives the CPU ratio through gunicorn; on a shared machine its figure
moves with the other load. This script measures what a change to the sign-in path saves, in
a form that moves much less with load: complete sign-ins (password request, then the TOTP
step, as ``signin.py`` makes them) are passed straight to ``config.wsgi.application`` with
a WSGI environ like gunicorn's (no test client, no HTTP parsing), with the Argon2id
verification stubbed out, and the process's CPU time plus the PostgreSQL backend's is
divided by the number of sign-ins. ``--rounds`` repeats the timed block and prints each
round and the minimum (the least disturbed round). ``--profile FILE`` writes cProfile
statistics of one more block; ``--valgrind`` prints how to count instructions instead.

    .venv/bin/python benchmarks/signin_profile.py setup --users 3000
    .venv/bin/python benchmarks/signin_profile.py run --count 200 --rounds 5

Uses the database ``MADOGUCHI_BENCH_DB`` (default ``madoguchi_bench_signin_profile``) and the
Redis of ``MADOGUCHI_BENCH_REDIS_URL`` (default db 9); ``setup`` creates both from scratch,
``drop`` removes the database. The stub is in this measuring process only.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MADOGUCHI_BENCH_DB", "madoguchi_bench_signin_profile")

from benchmarks import signin as bench  # noqa: E402

STATE = Path(os.environ.get("MADOGUCHI_BENCH_STATE", "/tmp")) / f"{bench.DB_NAME}.json"  # noqa: S108


def setup(users: int) -> None:
    import tempfile

    var_dir = Path(tempfile.mkdtemp(prefix="madoguchi-profile-"))
    env = bench.bench_env(var_dir)
    bench.reset_database(create=True)
    bench.flush_redis()
    bench.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
    created = json.loads(
        bench.run([sys.executable, str(ROOT / "benchmarks/signin.py"), "--internal", "create-users", str(users)], env)
    )
    STATE.write_text(json.dumps({"env": env, "users": created["users"], "next": 0}))
    print(f"{created['users']} customers in {bench.DB_NAME}; state in {STATE}")


def _environ(method: str, path: str, body: bytes | None, source: str, token: str | None) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": bench.HOST,
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": source,
        "REMOTE_PORT": "40000",
        "HTTP_HOST": f"{bench.HOST}:8000",
        "HTTP_USER_AGENT": bench.USER_AGENT,
        "HTTP_ACCEPT_LANGUAGE": "ja",
        "HTTP_ACCEPT": "application/json",
        "HTTP_CONNECTION": "close",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body or b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if body is not None:
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(body))
    if token:
        environ["HTTP_X_SESSION_TOKEN"] = token
    return environ


def run(count: int, rounds: int, profile: str | None, stub: bool, gate: str | None = None, trace: bool = False) -> None:
    state = json.loads(STATE.read_text())
    os.environ.update(state["env"])
    os.chdir(ROOT)
    from config.wsgi import application

    status_holder: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        status_holder.append(status)
        return lambda data: None

    def call(
        method: str, path: str, payload: dict[str, Any] | None, source: str, token: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        body = json.dumps(payload).encode() if payload is not None else None
        status_holder.clear()
        result = application(_environ(method, path, body, source, token), start_response)
        try:
            raw = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
        return int(status_holder[0].split()[0]), (json.loads(raw) if raw else {})

    total = count * rounds + (count if profile else 0) + (count if gate else 0) + 5
    first = state["next"]
    if first + total > state["users"]:
        raise SystemExit(f"only {state['users'] - first} unused customers left: run setup again")
    state["next"] = first + total
    STATE.write_text(json.dumps(state))

    def source_for(i: int) -> str:
        return f"127.0.{2 + (i // 250) % 200}.{2 + i % 250}"

    captchas = []
    for i in range(total):
        status, challenge = call("GET", "/api/v1/captcha", None, source_for(first + i))
        assert status == 200, challenge
        captchas.append(bench.solve(challenge))

    def sign_in(i: int) -> None:
        email = f"bench{i:05d}@bench.example"
        source = source_for(i)
        status, payload = call(
            "POST",
            "/_allauth/app/v1/auth/login",
            {"email": email, "password": bench.PASSWORD, "captcha": captchas[i - first]},
            source,
        )
        token = (payload.get("meta") or {}).get("session_token")
        assert status == 401 and token, (status, payload)
        status, payload = call(
            "POST", "/_allauth/app/v1/auth/2fa/authenticate", {"code": bench.totp_now(email)}, source, token
        )
        assert bench.signed_in(status, payload), (status, payload)

    if stub:
        import argon2._password_hasher as argon2_hasher

        argon2_hasher.PasswordHasher.verify = lambda self, hash, password: True  # type: ignore[assignment,method-assign,misc]
    index = first
    for _ in range(4):  # warm: imports, URLconf, connections
        sign_in(index)
        index += 1
    if trace:
        _trace(lambda: sign_in(index))
        return
    if gate:
        # Under valgrind --instr-atstart=no: `callgrind_control -i on` while this waits, so
        # that only the timed sign-ins are counted (see --valgrind).
        _wait_for(gate, "ready", "go")
        for _ in range(count):
            sign_in(index)
            index += 1
        _wait_for(gate, "done", "stop")
        return
    gc_spent = [0.0, 0, 0.0]
    if os.environ.get("SIGNIN_PROFILE_GC"):
        import gc

        def on_gc(phase: str, info: dict[str, Any]) -> None:
            if phase == "start":
                gc_spent[2] = time.process_time()
            else:
                gc_spent[0] += time.process_time() - gc_spent[2]
                gc_spent[1] += 1

        gc.callbacks.append(on_gc)
        if os.environ.get("SIGNIN_PROFILE_GC") == "freeze":
            gc.freeze()
    results = []
    for _ in range(rounds):
        tracker = bench.PgTracker()
        started = time.process_time()
        for _ in range(count):
            sign_in(index)
            index += 1
            if index % 50 == 0:
                tracker.poll()
        django_ms = 1000 * (time.process_time() - started) / count
        tracker.poll()
        pg_ms = 1000 * tracker.total() / count
        results.append((django_ms + pg_ms, django_ms, pg_ms))
        print(
            f"round: {django_ms + pg_ms:6.2f} ms per sign-in (Django {django_ms:.2f} + PostgreSQL {pg_ms:.2f})",
            flush=True,
        )
        if gc_spent[1]:
            print(
                f"  gc: {gc_spent[1] / count:.1f} collections, {1000 * gc_spent[0] / count:.2f} ms per sign-in",
                flush=True,
            )
            gc_spent[0], gc_spent[1] = 0.0, 0
    best = min(results)
    print(
        json.dumps(
            {
                "count": count,
                "rounds": rounds,
                "stubbed": stub,
                "min_total_ms": round(best[0], 2),
                "min_django_ms": round(min(r[1] for r in results), 2),
                "min_pg_ms": round(min(r[2] for r in results), 2),
                "median_total_ms": round(sorted(r[0] for r in results)[len(results) // 2], 2),
                "loadavg": os.getloadavg()[0],
            }
        )
    )
    if profile:
        samples = _sample(lambda: [sign_in(index + n) for n in range(count)])
        Path(profile).write_text(json.dumps(samples))
        print(f"CPU samples of {count} sign-ins ({sum(samples['stacks'].values())} samples of 1 ms): {profile}")


def _trace(work: Any) -> None:
    """Every SQL statement and Redis command of one sign-in, with the nearest project caller."""
    import traceback

    import redis.client
    from django.db import connection

    def caller() -> str:
        frames = [
            f
            for f in traceback.extract_stack()[:-2]
            if "site-packages" not in f.filename and "signin_profile" not in f.filename
        ]
        return f"{frames[-1].filename.replace(str(ROOT) + '/', '')}:{frames[-1].lineno}" if frames else "?"

    def allauth_caller() -> str:
        frames = [f for f in traceback.extract_stack()[:-2] if "allauth" in f.filename or "contrib" in f.filename]
        return (
            f"{frames[-1].filename.split('site-packages/')[-1]}:{frames[-1].lineno}:{frames[-1].name}" if frames else ""
        )

    def on_sql(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        print(f"SQL   {caller():40} {allauth_caller():60} {sql[:110]}")
        return execute(sql, params, many, context)

    original = redis.client.Redis.execute_command

    def on_redis(self: Any, *args: Any, **kwargs: Any) -> Any:
        print(f"REDIS {caller():40} {allauth_caller():60} {' '.join(str(a)[:40] for a in args[:3])}")
        return original(self, *args, **kwargs)

    redis.client.Redis.execute_command = on_redis  # type: ignore[method-assign]
    with connection.execute_wrapper(on_sql):
        work()
    redis.client.Redis.execute_command = original  # type: ignore[method-assign]


def _wait_for(gate: str, mine: str, theirs: str) -> None:
    Path(f"{gate}.{mine}").touch()
    while not Path(f"{gate}.{theirs}").exists():
        time.sleep(0.05)


def _sample(work: Any) -> dict[str, Any]:
    """A statistical profile: the Python stack every millisecond of this process's CPU time
    (SIGPROF), so that the figures carry no per-call overhead as cProfile's do."""
    import collections
    import signal

    stacks: collections.Counter[str] = collections.Counter()

    def on_tick(signum: int, frame: Any) -> None:
        names = []
        while frame is not None:
            code = frame.f_code
            names.append(f"{code.co_filename.replace(str(ROOT) + '/', '')}:{code.co_firstlineno}:{code.co_name}")
            frame = frame.f_back
        stacks[";".join(reversed(names))] += 1

    signal.signal(signal.SIGPROF, on_tick)
    signal.setitimer(signal.ITIMER_PROF, 0.001, 0.001)
    try:
        work()
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
    return {"stacks": dict(stacks)}


def instructions(count: int) -> None:
    """Instructions of the Django process per complete sign-in (callgrind, hash stubbed): the
    same work gives the same count whatever else runs on the machine."""
    import re
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="madoguchi-callgrind-"))
    gate, out = str(work / "gate"), work / "callgrind.out"
    proc = subprocess.Popen(
        [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "run",
            "--count",
            str(count),
            "--rounds",
            "0",
            "--gate",
            gate,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    for mine, theirs, switch in (("ready", "go", "on"), ("done", "stop", "off")):
        while not Path(f"{gate}.{mine}").exists():
            if proc.poll() is not None:
                raise SystemExit(proc.stderr.read()[-3000:] if proc.stderr else "valgrind exited")
            time.sleep(0.2)
        subprocess.run(["callgrind_control", "-i", switch, str(proc.pid)], check=True, capture_output=True)
        Path(f"{gate}.{theirs}").touch()
    _, err = proc.communicate(timeout=600)
    match = re.search(r"Collected : (\d+)", err)
    if not match:
        raise SystemExit(err[-3000:])
    total = int(match.group(1))
    print(json.dumps({"count": count, "instructions_per_signin": total // count, "total": total}))


def worker_instructions(count: int, tree: str) -> None:
    """Instructions of one gunicorn worker (production command) per complete sign-in with the
    real hash, under callgrind: the HTTP server's share included. ``tree``: the checkout to
    serve (to compare two commits on the same database)."""
    import re
    import signal
    import tempfile

    state = json.loads(STATE.read_text())
    first = state["next"]
    if first + count + 2 > state["users"]:
        raise SystemExit("not enough unused customers: run setup again")
    state["next"] = first + count + 2
    STATE.write_text(json.dumps(state))
    work = Path(tempfile.mkdtemp(prefix="madoguchi-callgrind-"))
    port = bench.free_port()
    env = {**state["env"], "GUNICORN_BIND": f"{bench.HOST}:{port}", "GUNICORN_WORKERS": "1"}
    server = subprocess.Popen(
        [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            "--trace-children=yes",
            f"--callgrind-out-file={work}/callgrind.%p",
            sys.executable,
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "-c",
            "config/gunicorn.py",
            "--timeout",
            "900",
        ],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(work / "valgrind.log").open("w"),
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if bench.request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(1)
        workers = bench.children_of(server.pid)
        assert len(workers) == 1, workers
        emails = [f"bench{i:05d}@bench.example" for i in range(first, first + count + 2)]
        sources = [f"127.0.{3 + (first // 200) % 50}.{2 + i}" for i in range(len(emails))]
        for email, source in zip(emails[:2], sources, strict=False):
            bench.sign_in_once(port, email, source)
        bodies = []
        for email, source in zip(emails[2:], sources[2:], strict=True):
            status, challenge = bench.request(port, "GET", "/api/v1/captcha", source=source)
            body = {"email": email, "password": bench.PASSWORD, "captcha": bench.solve(challenge)}
            bodies.append((body, source))
        subprocess.run(["callgrind_control", "-i", "on", str(workers[0])], check=True, capture_output=True)
        for body, source in bodies:
            status, payload = bench.request(port, "POST", "/_allauth/app/v1/auth/login", body, source)
            status, payload = bench.second_step(port, body["email"], status, payload, source)
            assert bench.signed_in(status, payload), (status, payload)
        subprocess.run(["callgrind_control", "-i", "off", str(workers[0])], check=True, capture_output=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=300)
    log = (work / "valgrind.log").read_text()
    totals = [int(n) for n in re.findall(r"==(?:\d+)== Collected : (\d+)", log)]
    total = max(totals)
    print(json.dumps({"count": count, "worker_instructions_per_signin": total // count, "tree": tree}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_setup = sub.add_parser("setup")
    p_setup.add_argument("--users", type=int, default=3000)
    p_run = sub.add_parser("run")
    p_run.add_argument("--count", type=int, default=200)
    p_run.add_argument("--rounds", type=int, default=5)
    p_run.add_argument("--profile", default=None)
    p_run.add_argument("--no-stub", action="store_true", help="keep the real Argon2id verification")
    p_run.add_argument("--gate", default=None, help=argparse.SUPPRESS)
    p_run.add_argument(
        "--trace", action="store_true", help="print every SQL statement and Redis command of one sign-in"
    )
    p_count = sub.add_parser("instructions", help="instructions per sign-in under callgrind (hash stubbed)")
    p_count.add_argument("--count", type=int, default=20)
    p_worker = sub.add_parser("worker-instructions", help="one gunicorn worker's instructions per sign-in (real hash)")
    p_worker.add_argument("--count", type=int, default=20)
    p_worker.add_argument("--tree", default=str(ROOT), help="the checkout to serve (default: this one)")
    sub.add_parser("drop")
    args = parser.parse_args()
    if args.command == "setup":
        setup(args.users)
    elif args.command == "run":
        run(args.count, args.rounds, args.profile, stub=not args.no_stub, gate=args.gate, trace=args.trace)
    elif args.command == "instructions":
        instructions(args.count)
    elif args.command == "worker-instructions":
        worker_instructions(args.count, args.tree)
    elif args.command == "drop":
        bench.reset_database(create=False)
        STATE.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
