from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.db import LowerIExact, RowLoader, iexact_loader

from .normalize import normalize_email


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        # What self.get(email__iexact=…) returns, with its SQL compiled once (core.db): the
        # password sign-in's lookup of the customer.
        return _BY_EMAIL.get(normalize_email(username or ""))


class User(AbstractBaseUser, PermissionsMixin):
    LANGUAGES: ClassVar = [("ja", "日本語"), ("en", "English")]

    email = models.EmailField(_("email address"), max_length=254)
    phone = models.CharField(_("phone number"), max_length=20, null=True, blank=True, unique=True)
    # A number typed at sign-up (or at sign-in by an account without one) that has not been
    # proved with an SMS code yet; it becomes ``phone`` when the code is entered.
    phone_pending = models.CharField(_("phone number awaiting confirmation"), max_length=20, blank=True, default="")
    language = models.CharField(_("language"), max_length=5, choices=LANGUAGES, default="ja")
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    full_name_kana = models.CharField(_("full name (kana)"), max_length=150, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    anti_phishing_code = models.CharField(_("anti-phishing code"), max_length=20, blank=True)
    show_total_in_header = models.BooleanField(default=True)
    frozen_at = models.DateTimeField(null=True, blank=True)
    frozen_reason = models.CharField(max_length=200, blank=True)
    withdrawal_hold_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


# Sign-in, sign-up, password reset and freeze links find the customer by email, case
# insensitively: on PostgreSQL as LOWER(email), which the unique index serves.
User._meta.get_field("email").register_lookup(LowerIExact)
_BY_EMAIL: RowLoader[User] = iexact_loader(User, "email", stand_in="stand-in@example.invalid")
