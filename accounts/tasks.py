from __future__ import annotations


def usersessions_purge() -> int:
    """Delete session rows whose Django session has ended (expired or signed out elsewhere)."""
    from allauth.usersessions.models import UserSession

    purged = 0
    for session in UserSession.objects.all().iterator(chunk_size=500):
        purged += int(session.purge())
    return purged
