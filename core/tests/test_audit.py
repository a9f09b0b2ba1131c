import pytest

from core.audit import audit_log
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_audit_log_is_append_only(user_factory):
    user = user_factory()
    row = audit_log(user=user, event="login.success")

    row.event = "something.else"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=row.pk).update(event="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=row.pk).event == "login.success"


def test_audit_log_refuses_secrets(user_factory):
    with pytest.raises(ValueError, match="secrets"):
        audit_log(user=user_factory(), event="mfa.failed", data={"code": "123456"})
