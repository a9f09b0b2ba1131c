import pytest

from support import demo
from support.models import Inquiry, Status

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_covers_states(settings):
    from accounts import demo as accounts_demo

    accounts_demo.load()
    demo.load()
    demo.load()
    hanako = Inquiry.objects.filter(customer__email="hanako@example.jp")
    assert {i.status for i in hanako} == {Status.WAITING, Status.RESOLVED, Status.NEW, Status.CLOSED}
    assert Inquiry.objects.filter(queue__slug="security", priority=1).exists()
    assert Inquiry.objects.filter(customer__isnull=True, guest_email="guest.demo@example.com").exists()
    assert Inquiry.objects.count() == 7
