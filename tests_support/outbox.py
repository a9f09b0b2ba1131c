"""Read what the embedded default wrote to var/outbox/ (one file per email or SMS)."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Mail:
    path: Path
    kind: str
    to: str
    subject: str
    body: str


@dataclass
class Sms:
    path: Path
    kind: str
    to: str
    body: str


class Outbox:
    def __init__(self, directory: Path, before_read: Callable[[], None] | None = None) -> None:
        self.directory = directory
        self.before_read = before_read

    def _files(self, suffix: str) -> list[Path]:
        if self.before_read is not None:
            self.before_read()
        if not self.directory.exists():
            return []
        return sorted(p for p in self.directory.iterdir() if p.name.endswith(suffix))

    def emails(self, *, to: str | None = None, kind: str | None = None) -> list[Mail]:
        result = []
        for path in self._files(".eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            part = message.get_body(preferencelist=("plain",))
            body = part.get_content() if part is not None else ""
            mail = Mail(
                path=path,
                kind=str(message.get("X-Madoguchi-Kind", "")),
                to=str(message["To"]),
                subject=str(message["Subject"]),
                body=body,
            )
            if (to is None or mail.to == to) and (kind is None or mail.kind == kind):
                result.append(mail)
        return result

    def sms(self, *, to: str | None = None) -> list[Sms]:
        result = []
        for path in self._files(".sms.txt"):
            text = path.read_text(encoding="utf-8")
            header, _, body = text.partition("\n\n")
            fields = dict(line.split(": ", 1) for line in header.splitlines() if ": " in line)
            item = Sms(path=path, kind=fields.get("Kind", ""), to=fields.get("To", ""), body=body.strip())
            if to is None or item.to == to:
                result.append(item)
        return result

    def last_sms_code(self, to: str) -> str:
        messages = self.sms(to=to)
        assert messages, f"no SMS to {to}"
        match = re.search(r"\b(\d{6})\b", messages[-1].body)
        assert match, messages[-1].body
        return match.group(1)

    def last_email_code(self, to: str) -> str:
        mails = self.emails(to=to)
        assert mails, f"no email to {to}"
        match = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4}|\d{6})\s*$", mails[-1].body, re.MULTILINE)
        assert match, mails[-1].body
        return match.group(1)

    def clear(self) -> None:
        for path in self._files(""):
            path.unlink()
