"""The admin sidebar (core/navigation.py): each role sees its links, no more."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils.module_loading import import_string

from core.navigation import NAVIGATION

pytestmark = pytest.mark.django_db

EVERYONE = [
    "/admin/",
    "/admin/agenda/",
    "/admin/phone/",
    # The desk (issue 22): arrivals and who is waiting, walk-ins.
    "/admin/desk/",
    "/admin/desk/walk-in/",
    "/admin/unavailability/",
    "/admin/availability/",
]
DAILY_WORK = [
    "/admin/booking/appointment/",
    "/admin/booking/citizen/",
    # Each service's earlier-time queue (issue 25, point 2).
    "/admin/booking/earliertimerequest/",
    "/admin/messaging/inbox/",
    "/admin/staffing/availabilityexception/",
    "/admin/staffing/service/",
    "/admin/booking/visitreason/",
    "/admin/staffing/agent/",
    "/admin/staffing/membership/",
    "/admin/staffing/typicalweek/",
    "/admin/staffing/closure/",
]
# What each role saw before the sidebar left the settings, in order.
VISIBLE = {
    "administrator": [
        *EVERYONE,
        "/admin/redistribution/",
        *DAILY_WORK,
        "/admin/core/commune/",
        "/admin/auth/user/",
        "/admin/auth/group/",
        "/admin/audit/accessrecord/",
        "/admin/messaging/message/",
        "/admin/messaging/messagetemplate/",
        "/admin/messaging/channelrule/",
        "/admin/messaging/messagingsettings/",
        "/admin/messaging/sms/",
        "/admin/django_q/schedule/",
        "/admin/django_q/failure/",
        "/admin/django_q/success/",
        "/admin/statistics/",
    ],
    "manager": [
        *EVERYONE,
        "/admin/redistribution/",
        "/admin/feed/",
        *DAILY_WORK,
        "/admin/messaging/message/",
        "/admin/statistics/",
    ],
    "agent": [
        *EVERYONE,
        "/admin/feed/",
        *DAILY_WORK,
        "/admin/statistics/",
    ],
}


def visible_links(user) -> list[str]:
    """The sidebar's links that unfold shows ``user``, as the admin builds them."""
    request = RequestFactory().get("/admin/")
    request.user = user
    return [
        str(item["link"])
        for group in admin.site.get_sidebar_list(request)
        for item in group["items"]
        if item["has_permission"]
    ]


def test_the_settings_name_the_sidebar_by_its_dotted_path(settings):
    assert settings.UNFOLD["SIDEBAR"]["navigation"] == "core.navigation.sidebar"


def test_every_link_resolves_and_every_permission_callback_imports():
    items = [item for group in NAVIGATION for item in group["items"]]
    assert len(items) == 33
    for item in items:
        assert str(item["link"]).startswith("/admin/")
        if "permission" in item:
            assert callable(import_string(item["permission"])), item["permission"]


@pytest.mark.parametrize("role", VISIBLE)
def test_each_role_sees_the_links_it_saw_before(role, administrator, manager, agent):
    user = {
        "administrator": administrator,
        "manager": manager.user,
        "agent": agent.user,
    }[role]

    assert visible_links(user) == VISIBLE[role]


def test_the_dashboard_link_is_the_admin_index():
    assert str(NAVIGATION[0]["items"][0]["link"]) == reverse("admin:index")
