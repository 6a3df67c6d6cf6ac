"""Invitations and password resets by one-time links (issue 23, point 1)."""

import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core import accounts
from tests.factories import AgentFactory, UserFactory

LINK = re.compile(r"https?://\S+/admin/password/set/(?P<token>[\w-]+)/")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match[0][match[0].index("/admin/") :]


def invite(client, administrator, *users, model="auth_user"):
    client.force_login(administrator)
    ids = [user.pk for user in users]
    return client.post(
        reverse(f"admin:{model}_changelist"),
        {"action": "invite", "_selected_action": ids},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )


@pytest.fixture
def newcomer(db):
    """An imported login: an address, no password yet."""
    user = UserFactory(username="m.dubois", email="marie.dubois@commune.example")
    user.set_unusable_password()
    user.save()
    return user


def test_an_invitation_mails_a_link_that_opens_choose_your_password(
    client, administrator, newcomer
):
    response = invite(client, administrator, newcomer)

    assert "Invitation sent to m.dubois" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == ["marie.dubois@commune.example"]
    assert "m.dubois" in message.body
    client.logout()
    page = client.get(link_in(message), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Choose your password" in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert page["Referrer-Policy"] == "same-origin"


def test_a_get_does_not_spend_the_link_the_post_that_sets_the_password_does(
    client, newcomer
):
    path = accounts.password_link(newcomer).split("127.0.0.1:8000", 1)[-1]
    # An e-mail scanner opens the link, twice: nothing changes.
    for _scan in range(2):
        assert client.get(path).status_code == 200
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()

    done = client.post(
        path, {"new_password1": "Tulipe-Rouge-42", "new_password2": "Tulipe-Rouge-42"}
    )

    assert done.status_code == 302 and done.url == reverse("admin:login")
    newcomer.refresh_from_db()
    assert newcomer.check_password("Tulipe-Rouge-42")
    assert client.get(path).status_code == 410
    again = client.post(
        path, {"new_password1": "Autre-Chose-77", "new_password2": "Autre-Chose-77"}
    )
    assert again.status_code == 410
    newcomer.refresh_from_db()
    assert newcomer.check_password("Tulipe-Rouge-42")
    # ... and the password works on the login page.
    login = client.post(
        reverse("admin:login"),
        {"username": "m.dubois", "password": "Tulipe-Rouge-42", "next": "/admin/"},
    )
    assert login.status_code == 302
    assert client.session["_auth_user_id"] == str(newcomer.pk)


def test_a_weak_password_is_refused_and_the_link_still_works(client, newcomer):
    path = reverse(
        "admin:password_set", kwargs={"token": accounts.password_token(newcomer)}
    )
    weak = client.post(
        path,
        {"new_password1": "123", "new_password2": "123"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert weak.status_code == 400
    assert "too short" in weak.content.decode()
    assert client.get(path).status_code == 200


def test_a_link_expires_after_a_day_at_most(client, newcomer, settings):
    settings.STAFF_LINK_HOURS = 48  # more than a day is read as a day
    path = reverse(
        "admin:password_set", kwargs={"token": accounts.password_token(newcomer)}
    )
    with time_machine.travel(timezone.now() + timedelta(hours=23), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        assert client.get(path).status_code == 410


def test_a_link_is_scoped_to_the_password_page(client, newcomer):
    from sesame.tokens import create_token

    other_scope = create_token(newcomer, "answer:1")
    unscoped = create_token(newcomer)
    for token in (other_scope, unscoped, "forged-token-123"):
        path = reverse("admin:password_set", kwargs={"token": token})
        assert client.get(path).status_code == 410


def test_a_disabled_login_link_no_longer_works(client, newcomer):
    path = reverse(
        "admin:password_set", kwargs={"token": accounts.password_token(newcomer)}
    )
    newcomer.is_active = False
    newcomer.save()
    assert client.get(path).status_code == 410


def test_logins_without_an_address_are_not_invited(client, administrator):
    nobody = UserFactory(username="no.mail", email="")
    response = invite(client, administrator, nobody)
    assert "No invitation for no.mail" in response.content.decode()
    assert mail.outbox == []


def test_agents_are_invited_from_their_list(client, administrator, newcomer):
    agent = AgentFactory(user=newcomer)
    invite(client, administrator, agent, model="staffing_agent")
    (message,) = mail.outbox
    assert message.to == [newcomer.email]


def test_only_administrators_may_invite(agent, newcomer):
    with pytest.raises(accounts.PermissionDenied):
        accounts.users_invite(users=[newcomer], actor=agent.user)


def test_after_an_agent_import_the_new_agents_are_offered_an_invitation(
    client, administrator
):
    client.force_login(administrator)
    csv_text = (
        "username,first_name,last_name,email\n"
        "m.dubois,Marie,Dubois,marie.dubois@commune.example\n"
    )
    upload = SimpleUploadedFile("agents.csv", csv_text.encode(), "text/csv")
    preview = client.post(
        reverse("admin:staffing_agent_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )
    done = client.post(
        reverse("admin:staffing_agent_process_import"),
        {
            key: value
            for key, value in preview.context["confirm_form"].initial.items()
            if key != "update_logins" or value
        },
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    page = done.content.decode()
    assert "1 agent has no password yet" in page
    assert "?password=none" in page
    waiting = client.get(reverse("admin:staffing_agent_changelist") + "?password=none")
    assert [agent.user.username for agent in waiting.context["cl"].result_list] == [
        "m.dubois"
    ]


# --- Forgot password ------------------------------------------------------------


def forgot(client, email, **extra):
    return client.post(
        reverse("admin:admin_password_reset"),
        {"email": email},
        HTTP_ACCEPT_LANGUAGE="en",
        **extra,
    )


def test_the_login_page_offers_forgot_password(client, db):
    page = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE="en")
    assert reverse("admin:admin_password_reset") in page.content.decode()


def test_forgot_password_answers_the_same_whether_the_address_exists(client, newcomer):
    known = forgot(client, "Marie.Dubois@commune.example")
    unknown = forgot(client, "nobody@commune.example")

    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", known.content.decode()) == strip.sub(
        "", unknown.content.decode()
    )
    # The link goes to the address the administrator set, not the one typed.
    (message,) = mail.outbox
    assert message.to == ["marie.dubois@commune.example"]
    assert "choose a new password" in message.subject


def test_forgot_password_sends_nothing_to_a_non_staff_or_disabled_login(client, db):
    UserFactory(username="citizen", email="c@example.be", is_staff=False)
    UserFactory(username="gone", email="g@example.be", is_active=False)
    forgot(client, "c@example.be")
    forgot(client, "g@example.be")
    assert mail.outbox == []


def test_forgot_password_is_rate_limited_per_client_address(client, newcomer, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password": (2, 900)}
    assert forgot(client, "a@example.be").status_code == 200
    assert forgot(client, "b@example.be").status_code == 200
    refused = forgot(client, "marie.dubois@commune.example")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "900"
    assert mail.outbox == []


# One request at each door of staff sign-in, and its rate-limit scope.
SIGN_IN_DOORS = {
    "password": lambda client, user: forgot(client, user.email),
    "login": lambda client, user: client.post(
        reverse("admin:login"), {"username": user.username, "password": "wrong"}
    ),
    "link": lambda client, user: client.get(
        reverse("admin:password_set", args=[accounts.password_token(user)])
    ),
}


@pytest.mark.parametrize("exhausted", SIGN_IN_DOORS)
def test_each_door_of_sign_in_has_its_own_rate_limit(
    client, newcomer, settings, exhausted
):
    """Exhausting "forgot password", the login or the e-mailed links leaves
    the two others open (core/ratelimit.py scopes)."""
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "password": (2, 900),
        "login": (2, 60),
        "link": (2, 60),
    }
    door = SIGN_IN_DOORS[exhausted]
    assert door(client, newcomer).status_code != 429
    assert door(client, newcomer).status_code != 429
    assert door(client, newcomer).status_code == 429
    for name, other in SIGN_IN_DOORS.items():
        if name != exhausted:
            assert other(client, newcomer).status_code in (200, 302), name


def test_the_second_factor_counts_with_the_login_not_the_forgotten_password(
    client, newcomer, settings
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password": (1, 900)}
    forgot(client, newcomer.email)
    assert forgot(client, newcomer.email).status_code == 429
    client.force_login(newcomer)
    assert client.post(reverse("admin:two_factor"), {"code": "1"}).status_code != 429


def test_one_login_gets_at_most_three_reset_links_an_hour(client, newcomer):
    for number in range(5):
        forgot(client, newcomer.email, REMOTE_ADDR=f"198.51.100.{number}")
    assert len(mail.outbox) == accounts.RESETS_PER_USER_PER_HOUR


def test_a_locked_out_login_gets_no_link_and_the_same_answer(
    client, newcomer, settings
):
    settings.AXES_FAILURE_LIMIT = 2
    for _attempt in range(2):
        client.post(
            reverse("admin:login"),
            {"username": "m.dubois", "password": "wrong", "next": "/admin/"},
        )
    assert AccessAttempt.objects.filter(username="m.dubois").exists()

    answer = forgot(client, newcomer.email)

    assert answer.status_code == 200
    assert "If this address belongs to a staff login" in answer.content.decode()
    assert mail.outbox == []


def test_choosing_a_password_lifts_the_lockout(client, newcomer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _attempt in range(2):
        client.post(
            reverse("admin:login"),
            {"username": "m.dubois", "password": "wrong", "next": "/admin/"},
        )
    path = reverse(
        "admin:password_set", kwargs={"token": accounts.password_token(newcomer)}
    )
    client.post(
        path, {"new_password1": "Tulipe-Rouge-42", "new_password2": "Tulipe-Rouge-42"}
    )
    assert not AccessAttempt.objects.filter(username="m.dubois").exists()
    assert User.objects.get(pk=newcomer.pk).check_password("Tulipe-Rouge-42")
