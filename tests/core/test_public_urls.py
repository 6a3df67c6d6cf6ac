"""Every address someone may hold stays the same (issue 15, point 5).

Citizens keep the links of their e-mails (``/manage/<token>/…``), communes
their embed snippets (``/embed/…``) and programs the API (``/api/v1/…``);
agents subscribe to their feed (``/feeds/agent/<token>.ics``) and bookmark
the portal's pages. Moving code between modules must change none of them:
each path below is written out literally, with a sample for its parameters,
and must resolve to its view under the same URL name, and that name must
reverse to the same path.
"""

import pytest
from django.urls import Resolver404, get_resolver, resolve, reverse

TOKEN = "eyJhIjoxMjN9:1uXyZw:AbC-dEf_123"  # a signed token, sent before issue 20
CODE = "k7mp4qx2abcd"  # a lasting link's code (issue 20)
FEED_TOKEN = "Zm9vYmFyYmF6"
SERVICE = "population"

# (literal path, URL name, reverse() kwargs)
PUBLIC_PATHS = [
    ("/", "booking:home", {}),
    ("/privacy/", "booking:privacy", {}),
    ("/accessibility/", "booking:accessibility", {}),
    (f"/manage/{TOKEN}/", "booking:manage", {"token": TOKEN}),
    (f"/manage/{TOKEN}/cancel/", "booking:manage_cancel", {"token": TOKEN}),
    (f"/manage/{TOKEN}/move/", "booking:manage_move", {"token": TOKEN}),
    (f"/manage/{TOKEN}/appointment.ics", "booking:manage_ics", {"token": TOKEN}),
    # The short form of the personal link (issue 20), in SMS and calendar files.
    (f"/r/{CODE}", "booking:short_link", {"code": CODE}),
    # Earlier-time offers (issue 25, point 2): the list, and an offer's link.
    (f"/manage/{TOKEN}/earlier/", "booking:manage_earlier", {"token": TOKEN}),
    (f"/o/{CODE}", "booking:offer", {"token": CODE}),
    (f"/{SERVICE}/", "booking:service", {"service": SERVICE}),
    (f"/{SERVICE}/12/", "booking:reason_start", {"service": SERVICE, "reason": 12}),
    (f"/{SERVICE}/agent/", "booking:agent", {"service": SERVICE}),
    (f"/{SERVICE}/reason/", "booking:reason", {"service": SERVICE}),
    (f"/{SERVICE}/when/", "booking:criteria", {"service": SERVICE}),
    (f"/{SERVICE}/slots/", "booking:slots", {"service": SERVICE}),
    (f"/{SERVICE}/details/", "booking:details", {"service": SERVICE}),
    (f"/{SERVICE}/remarks/", "booking:remarks", {"service": SERVICE}),
    (f"/{SERVICE}/confirm/", "booking:confirm", {"service": SERVICE}),
    (f"/{SERVICE}/done/", "booking:done", {"service": SERVICE}),
    # The same pages framed by the commune's site.
    ("/embed/", "embed:home", {}),
    ("/embed/privacy/", "embed:privacy", {}),
    ("/embed/accessibility/", "embed:accessibility", {}),
    (f"/embed/manage/{TOKEN}/", "embed:manage", {"token": TOKEN}),
    (f"/embed/manage/{TOKEN}/cancel/", "embed:manage_cancel", {"token": TOKEN}),
    (f"/embed/manage/{TOKEN}/move/", "embed:manage_move", {"token": TOKEN}),
    (
        f"/embed/manage/{TOKEN}/appointment.ics",
        "embed:manage_ics",
        {"token": TOKEN},
    ),
    (f"/embed/r/{CODE}", "embed:short_link", {"code": CODE}),
    (f"/embed/manage/{TOKEN}/earlier/", "embed:manage_earlier", {"token": TOKEN}),
    (f"/embed/o/{CODE}", "embed:offer", {"token": CODE}),
    (f"/embed/{SERVICE}/", "embed:service", {"service": SERVICE}),
    (
        f"/embed/{SERVICE}/12/",
        "embed:reason_start",
        {"service": SERVICE, "reason": 12},
    ),
    (f"/embed/{SERVICE}/agent/", "embed:agent", {"service": SERVICE}),
    (f"/embed/{SERVICE}/reason/", "embed:reason", {"service": SERVICE}),
    (f"/embed/{SERVICE}/when/", "embed:criteria", {"service": SERVICE}),
    (f"/embed/{SERVICE}/slots/", "embed:slots", {"service": SERVICE}),
    (f"/embed/{SERVICE}/details/", "embed:details", {"service": SERVICE}),
    (f"/embed/{SERVICE}/remarks/", "embed:remarks", {"service": SERVICE}),
    (f"/embed/{SERVICE}/confirm/", "embed:confirm", {"service": SERVICE}),
    (f"/embed/{SERVICE}/done/", "embed:done", {"service": SERVICE}),
    ("/theme.css", "theme_css", {}),
    (f"/feeds/agent/{FEED_TOKEN}.ics", "agent_feed", {"token": FEED_TOKEN}),
    ("/i18n/setlang/", "set_language", {}),
    # The JSON API.
    ("/api/v1/", "api-v1:api-root", {}),
    ("/api/v1/openapi.json", "api-v1:openapi-json", {}),
    ("/api/v1/docs", "api-v1:openapi-view", {}),
    ("/api/v1/services", "api-v1:list_services", {}),
    (f"/api/v1/services/{SERVICE}/reasons", "api-v1:list_reasons", {"slug": SERVICE}),
    (f"/api/v1/services/{SERVICE}/agents", "api-v1:list_agents", {"slug": SERVICE}),
    ("/api/v1/slots", "api-v1:list_slots", {}),
    ("/api/v1/appointments", "api-v1:book_appointment", {}),
]

# The staff's pages in the admin, bookmarked and linked from messages.
STAFF_PATHS = [
    ("/admin/", "admin:index", {}),
    ("/admin/agenda/", "admin:portal_agenda", {}),
    ("/admin/agenda/events.json", "admin:portal_agenda_events", {}),
    ("/admin/agenda/day/", "admin:portal_day_list", {}),
    ("/admin/feed/", "admin:portal_feed", {}),
    ("/admin/desk/mark/", "admin:portal_desk_mark", {}),
    ("/admin/phone/", "admin:portal_phone", {}),
    ("/admin/phone/citizens.json", "admin:portal_phone_citizens", {}),
    ("/admin/phone/slots.json", "admin:portal_phone_slots", {}),
    ("/admin/unavailability/", "admin:portal_unavailability", {}),
    ("/admin/redistribution/", "admin:portal_redistribution", {}),
    ("/admin/availability/", "admin:portal_availability", {}),
    (
        "/admin/booking/appointment/42/change/",
        "admin:booking_appointment_change",
        {"object_id": "42"},
    ),
    (
        "/admin/booking/citizen/42/change/",
        "admin:booking_citizen_change",
        {"object_id": "42"},
    ),
]

ALL_PATHS = PUBLIC_PATHS + STAFF_PATHS


@pytest.mark.parametrize(("path", "name", "kwargs"), ALL_PATHS)
def test_each_path_resolves_to_its_view(path, name, kwargs):
    match = resolve(path)
    assert match.view_name == name
    assert callable(match.func)
    assert match.kwargs == kwargs


@pytest.mark.parametrize(("path", "name", "kwargs"), ALL_PATHS)
def test_each_name_reverses_to_the_same_path(path, name, kwargs):
    assert reverse(name, kwargs=kwargs or None) == path


def test_the_list_covers_every_public_url_name():
    """A new public URL joins the list above (and keeps its path after)."""
    listed = {name for _path, name, _kwargs in PUBLIC_PATHS}
    served = set()
    for namespace in ("booking", "embed", "api-v1"):
        _prefix, resolver = get_resolver().namespace_dict[namespace]
        served |= {
            f"{namespace}:{name}"
            for name in resolver.reverse_dict
            if isinstance(name, str)
        }
    assert len(served) == 48  # 20 pages, the same under /embed/, 8 of the API
    assert served <= listed


@pytest.mark.parametrize(
    "path", ["/privacy-policy/", "/manage/", "/feeds/agent/x", "/api/v2/services"]
)
def test_other_paths_are_not_views(path):
    """Neighbours of the paths above are not quietly served by another view."""
    try:
        match = resolve(path)
    except Resolver404:
        return
    # A slug takes a single segment: the service's first page, nothing else.
    assert match.view_name == "booking:service"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/embed/", "/privacy/", "/theme.css", "/api/v1/services"]
)
def test_the_pages_without_parameters_answer(client, path):
    assert client.get(path).status_code == 200
