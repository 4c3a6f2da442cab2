"""Sign-up, e-mail login, login throttling and password reset."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from clusterplatform.accounts.models import User
from clusterplatform.accounts.roles import GLOBAL_ROLES

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_global_role_groups_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= set(GLOBAL_ROLES)


def test_signup_logs_the_user_in(client):
    response = client.post(
        reverse("signup"),
        {
            "email": "New.Person@Example.org",
            "first_name": "New",
            "last_name": "Person",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "new.person@example.org"
    assert client.get(reverse("clusters:my-organisations")).status_code == 200


def test_signup_errors_name_the_fields(client):
    UserFactory(email="taken@example.org")
    response = client.post(
        reverse("signup"),
        {"email": "TAKEN@example.org", "password1": "short", "password2": "other"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "email" in form.errors and "password2" in form.errors
    assert User.objects.count() == 1


def test_login_with_email_any_case(client):
    user = UserFactory(email="case@example.org")
    response = client.post(reverse("login"), {"username": "CASE@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_login_is_throttled_after_repeated_failures(client, settings):
    user = UserFactory(email="victim@example.org")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": user.email, "password": "wrong"})
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    # Locked out: even the right password is refused for the cool-off period.
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_working_link(client):
    user = UserFactory(email="forgetful@example.org")
    response = client.post(reverse("password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    response = client.get(link.group(1), follow=True)
    assert response.status_code == 200
    new = "an-Even-stronger-pass-77"
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_logout_requires_post(client):
    client.force_login(UserFactory())
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session
