"""Solve the self-hosted captcha the way any client does (the ALTCHA protocol in api.md)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any


def solve_challenge(challenge: dict[str, Any]) -> str:
    for number in range(int(challenge["maxnumber"]) + 1):
        if hashlib.sha256(f"{challenge['salt']}{number}".encode()).hexdigest() == challenge["challenge"]:
            payload = {
                "algorithm": challenge["algorithm"],
                "challenge": challenge["challenge"],
                "number": number,
                "salt": challenge["salt"],
                "signature": challenge["signature"],
            }
            return base64.b64encode(json.dumps(payload).encode()).decode()
    raise AssertionError("captcha challenge has no solution")


def solve(client: Any) -> str:
    response = client.get("/api/v1/captcha")
    assert response.status_code == 200, response.content
    return solve_challenge(response.json())
