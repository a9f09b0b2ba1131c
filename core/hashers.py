from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id at the OWASP minimum: m=19 MiB, t=2, p=1.

    Django's defaults (m=102400 KiB, t=2, p=8) cost five times the memory per sign-in; the
    OWASP parameters keep a 2-core web host at its sign-in throughput. Hashes made with other
    parameters are upgraded on the next successful sign-in (must_update compares them).
    """

    time_cost = 2
    memory_cost = 19456
    parallelism = 1
