"""The Django admin cannot change security state beside the product's writers."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialToken
from django.contrib import admin

pytestmark = pytest.mark.django_db


def _operator(staff_factory):
    return staff_factory(roles=["operator"], is_superuser=True, email="ops@example.jp")


def test_an_operator_cannot_change_or_delete_email_addresses_or_authenticators(client, staff_factory, user_factory):
    customer = user_factory(email="customer@example.jp")
    client.force_login(_operator(staff_factory))
    email = EmailAddress.objects.get(user=customer)
    authenticator = Authenticator.objects.create(user=customer, type=Authenticator.Type.TOTP, data={"secret": "x"})

    # a POST to the change and delete views changes nothing
    client.post(f"/admin/account/emailaddress/{email.pk}/change/", {"email": "thief@example.jp", "user": customer.pk})
    client.post(f"/admin/mfa/authenticator/{authenticator.pk}/delete/", {"post": "yes"})
    assert EmailAddress.objects.get(pk=email.pk).email == "customer@example.jp"
    assert Authenticator.objects.filter(pk=authenticator.pk).exists()
    # and no add form is offered
    assert client.get("/admin/account/emailaddress/add/").status_code == 403
    # the authenticator page never shows its secret data
    page = client.get(f"/admin/mfa/authenticator/{authenticator.pk}/change/").content.decode()
    assert "secret" not in page


def test_oauth_tokens_are_not_in_the_admin():
    assert not admin.site.is_registered(SocialToken)
