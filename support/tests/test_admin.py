import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(staff_factory):
    admin = staff_factory(roles=[], is_superuser=True)  # with an authenticator: core.staff
    c = Client()
    c.force_login(admin)
    return c


def test_operator_can_open_catalogue_pages(admin_client_, settings):
    from support.models import Category

    prefix = getattr(settings, "MADOGUCHI_ADMIN_PATH", "admin")
    funds = Category.objects.get(slug="funds")
    for url in (
        "support/category/",
        f"support/category/{funds.pk}/change/",
        "support/cannedreply/",
        "support/inquiry/",
    ):
        assert admin_client_.get(f"/{prefix}/{url}").status_code == 200, url


def test_canned_reply_form_refuses_unknown_placeholders():
    from support.admin import CannedReplyForm

    form = CannedReplyForm(
        data={
            "slug": "x",
            "title_ja": "x",
            "title_en": "x",
            "body_ja": "{user.password}",
            "body_en": "ok",
            "position": 0,
        }
    )
    assert not form.is_valid()
    assert "body_ja" in form.errors


def test_periodic_command_runs(capsys):
    from django.core.management import call_command

    call_command("support_periodic", "--recount")
    assert "sla breaches flagged: 0" in capsys.readouterr().out
