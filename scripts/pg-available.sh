#!/usr/bin/env bash
# Exit 0 when PostgreSQL and Redis answer on the loopback (the second pass of make test needs both).
.venv/bin/python - <<'PY'
import socket, sys
for port in (5432, 6379):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        sys.exit(1)
PY
