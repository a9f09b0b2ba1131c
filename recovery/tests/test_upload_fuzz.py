"""Hostile uploads through the real endpoints: each gets a clear error and nothing is stored."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from recovery.models import IdentityCase, IdentityDocument
from recovery.tests.conftest import stored_files
from recovery.tests.hostile import hostile_files

pytestmark = pytest.mark.django_db

HOSTILE = hostile_files()
PRECHECK_CODE = {
    "empty_file": "not_an_image",
    "not_an_image": "not_an_image",
    "unsupported_type": "not_an_image",
    "corrupt_file": "not_an_image",
    "too_large": "too_large",
    "too_small": "too_small",
}


def test_corpus_is_big_enough():
    assert len(HOSTILE) >= 20


@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda h: h.name)
def test_hostile_file_is_refused_by_case_submission_and_nothing_is_stored(
    client, user_factory, private_storage, hostile
):
    user = user_factory(email="fuzz@example.jp", phone="+819012345678")
    client.force_login(user)
    upload = SimpleUploadedFile(hostile.name, hostile.content, content_type=hostile.content_type)
    response = client.post(
        "/api/v1/recovery/identity-cases",
        {
            "purpose": "two_factor_reset",
            "full_name": "山田 花子",
            "address": "東京都千代田区丸の内1-2-3",
            "date_of_birth": "1990-04-01",
            "registered_phone": "090-1234-5678",
            "emails": user.email,
            "image": upload,
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == hostile.expected
    assert len(error["message"]) > 20
    assert not IdentityCase.objects.exists() and not IdentityDocument.objects.exists()
    assert stored_files(private_storage) == []


@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda h: h.name)
def test_hostile_file_gets_a_fatal_precheck_problem(client, hostile, private_storage):
    upload = SimpleUploadedFile(hostile.name, hostile.content, content_type=hostile.content_type)
    response = client.post("/api/v1/recovery/id-selfie-check", {"image": upload})
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False and body["problems"] == [PRECHECK_CODE[hostile.expected]]
    assert stored_files(private_storage) == []
