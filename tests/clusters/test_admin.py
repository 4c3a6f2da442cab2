"""The Django admin works for staff on every model, and publishing there dates the profile."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from ..factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "model",
    [m for m in apps.get_models() if m._meta.app_label in {"accounts", "clusters"}],
    ids=lambda m: m._meta.label,
)
def test_every_model_has_a_working_admin_list(admin_client, model):
    assert admin.site.is_registered(model), f"{model._meta.label} has no admin"
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.get(url, {"q": "x"}).status_code == 200


def test_publishing_in_the_admin_sets_published_at(admin_client):
    org = OrganisationFactory(status="draft")
    url = reverse("admin:clusters_organisation_change", args=[org.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        {
            "name": org.name,
            "slug": org.slug,
            "kind": "sme",
            "country": "DE",
            "status": "published",
            "roles-TOTAL_FORMS": 0,
            "roles-INITIAL_FORMS": 0,
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        }
    )
    data.pop("target_countries", None)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    org.refresh_from_db()
    assert org.status == "published" and org.published_at is not None
