"""Each staff login's own language: the admin's and its messages' (issue 19,
point 4). Chosen in the user admin or on one's own "Language" page."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from core.accounts import staff_language_set
from core.languages import chosen_staff_language, forget_main_language, staff_language
from core.models import Commune, StaffProfile


@pytest.fixture(autouse=True)
def _forget():
    forget_main_language()
    yield
    forget_main_language()


def _lang(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


def test_without_a_choice_messages_follow_the_communes_main_language(agent):
    assert chosen_staff_language(agent.user) == ""
    assert staff_language(agent.user) == "fr"
    commune = Commune.objects.get_solo()
    commune.main_language = "de"
    commune.save()
    assert staff_language(agent.user) == "de"


def test_the_admin_opens_in_the_users_language_whatever_the_browser(client, agent):
    staff_language_set(user=agent.user, language="nl", actor=agent.user)
    client.force_login(agent.user)

    for browser in ("fr", "en", "de"):
        response = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=browser)
        assert _lang(response) == "nl"
        assert response["Content-Language"] == "nl"


def test_without_a_choice_the_admin_follows_the_browser(client, agent):
    client.force_login(agent.user)

    response = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="de")

    assert _lang(response) == "de"


def test_the_public_pages_follow_the_citizen_not_the_staff_choice(client, agent):
    staff_language_set(user=agent.user, language="nl", actor=agent.user)
    client.force_login(agent.user)

    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr")

    assert _lang(response) == "fr"


def test_a_user_chooses_his_or_her_own_language(client, agent):
    client.force_login(agent.user)
    url = reverse("admin:own_language")

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert 'name="language"' in page.content.decode()

    response = client.post(url, {"language": "de"}, follow=True)

    assert StaffProfile.objects.get(user=agent.user).language == "de"
    assert _lang(response) == "de"
    # Back to the commune's main language: the browser's again in the admin.
    client.post(url, {"language": ""})
    assert StaffProfile.objects.get(user=agent.user).language == ""


def test_an_unknown_language_is_refused_and_nothing_changes(client, agent):
    client.force_login(agent.user)

    response = client.post(
        reverse("admin:own_language"), {"language": "xx"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not StaffProfile.objects.filter(user=agent.user).exists()


def test_the_user_menu_links_the_language_page(client, agent):
    client.force_login(agent.user)

    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")

    assert reverse("admin:own_language") in page.content.decode()


def test_only_the_user_or_an_administrator_sets_a_language(agent, manager):
    with pytest.raises(PermissionDenied):
        staff_language_set(user=agent.user, language="nl", actor=manager.user)
    assert chosen_staff_language(agent.user) == ""


def test_an_administrator_sets_a_logins_language_in_the_user_admin(
    client, administrator, agent
):
    client.force_login(administrator)
    url = reverse("admin:auth_user_change", args=[agent.user.pk])
    form = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="staff_language"' in form

    response = client.post(
        url,
        {
            "username": agent.user.username,
            "first_name": agent.user.first_name,
            "last_name": agent.user.last_name,
            "email": agent.user.email,
            "is_active": "on",
            "is_staff": "on",
            "groups": list(agent.user.groups.values_list("pk", flat=True)),
            "date_joined_0": "2026-01-05",
            "date_joined_1": "09:00:00",
            "staff_language": "nl",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert StaffProfile.objects.get(user=agent.user).language == "nl"
    assert StaffProfile.history.filter(user=agent.user).count() == 1


def test_the_agent_admin_offers_the_language_to_administrators_only(
    client, administrator, manager, agent
):
    url = reverse("admin:staffing_agent_change", args=[agent.pk])
    client.force_login(administrator)
    assert 'name="staff_language"' in client.get(url).content.decode()

    client.force_login(manager.user)
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="staff_language"' not in page.content.decode()
