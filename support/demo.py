"""Demo data for the embedded default (called by `manage.py load_demo`)."""


def load() -> None:
    return None
