from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from .captcha import create_challenge

router = Router(tags=["captcha"])


class ChallengeOut(Schema):
    algorithm: str
    challenge: str
    salt: str
    maxnumber: int
    signature: str


@router.get("/captcha", response=ChallengeOut, summary="A proof-of-work captcha challenge (ALTCHA)")
def captcha_challenge(request: HttpRequest) -> dict[str, object]:
    return create_challenge()
