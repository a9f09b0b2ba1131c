from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in
        from allauth.usersessions import signals as usersessions_signals

        from . import headless_adapter, passwords, signals  # noqa: F401 - receivers

        # The app API keeps passwords as typed and runs the same validators as the pages.
        passwords.apply()

        # allauth purges all of a customer's stale session rows on every sign-in (two cache
        # round trips and a query per row: ~6 ms per sign-in, growing with the session
        # count). We record the new session at sign-in and purge on a schedule instead
        # (accounts.tasks:usersessions_purge); the sessions page still purges on view.
        user_logged_in.disconnect(receiver=usersessions_signals.on_user_logged_in)
        user_logged_in.connect(receiver=signals.record_user_session)

        # last_login: Django's receiver saves the user through the ORM's save machinery; ours
        # sends the same UPDATE and the same signals for less CPU (a sign-in's hot path).
        from django.contrib.auth import user_logged_in as django_user_logged_in
        from django.contrib.auth.models import update_last_login

        if django_user_logged_in.disconnect(receiver=update_last_login, dispatch_uid="update_last_login"):
            django_user_logged_in.connect(signals.record_last_login, dispatch_uid="update_last_login")
