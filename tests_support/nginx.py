"""nginx (Debian package) on loopback in front of a test server, for tests and drills.

    with Nginx(upstream_port=18751) as proxy:          # port picked from 18700-18749
        http.client.HTTPConnection("127.0.0.1", proxy.port, source_address=("127.0.0.21", 0))

The config is generated in a temporary directory (nothing under /etc is read or written);
nginx appends the peer address to ``X-Forwarded-For`` as a load balancer does
(``$proxy_add_x_forwarded_for``) and sets ``X-Real-IP`` and ``X-Forwarded-Proto``. It listens on
127.0.0.1 only, runs in the foreground as a child of the test, and is stopped on exit.
``upstreams`` takes several ports (round robin), for multi-node drills.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def available() -> bool:
    return Path(NGINX).exists()


def free_port(first: int, last: int) -> int:
    for port in range(first, last + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


def wait_for_port(port: int, *, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def config(*, port: int, upstreams: Iterable[int], directory: Path, extra_location: str = "") -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstreams)
    d = directory
    user = "user root root;" if os.geteuid() == 0 else ""
    return f"""
{user}
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    client_max_body_size 20m;
    upstream app {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://app;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            {extra_location}
        }}
    }}
}}
"""


class Nginx:
    def __init__(
        self,
        *,
        upstream_port: int | None = None,
        upstreams: Iterable[int] = (),
        port: int | None = None,
        port_range: tuple[int, int] = (18700, 18749),
        extra_location: str = "",
    ) -> None:
        self.upstreams = [upstream_port] if upstream_port else list(upstreams)
        if not self.upstreams:
            raise ValueError("nginx needs at least one upstream port")
        self.port = port or free_port(*port_range)
        self.extra_location = extra_location
        self.directory: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Nginx:
        self.directory = Path(tempfile.mkdtemp(prefix="mdg-nginx-"))
        conf = self.directory / "nginx.conf"
        conf.write_text(
            config(
                port=self.port, upstreams=self.upstreams, directory=self.directory, extra_location=self.extra_location
            )
        )
        check = subprocess.run(  # noqa: S603 - fixed binary, generated config
            [NGINX, "-t", "-q", "-p", str(self.directory), "-c", str(conf)], capture_output=True, text=True, check=False
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx config refused: {check.stderr}")
        self.process = subprocess.Popen(  # noqa: S603 - fixed binary, generated config
            [NGINX, "-p", str(self.directory), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wait_for_port(self.port, process=self.process)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # fast shutdown of master and workers
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def error_log(self) -> str:
        if self.directory is None:
            return ""
        path = self.directory / "error.log"
        return path.read_text() if path.exists() else ""

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
