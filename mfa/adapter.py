from allauth.mfa.adapter import DefaultMFAAdapter


class MFAAdapter(DefaultMFAAdapter):
    """Extension point for allauth.mfa (secret encryption, notifications)."""
