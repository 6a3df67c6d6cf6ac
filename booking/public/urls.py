"""The public module's URLs.

``core/urls.py`` includes them twice: under ``/`` (instance ``booking``) and under
``/embed/`` (instance ``embed``). Within an embedded page
``{% url 'booking:…' %}`` resolves to the ``/embed/`` URLs, so the flow stays
embedded without any query string.
"""

from django.urls import path

from . import accessibility_views, offer_views, privacy_views, views

app_name = "booking"

urlpatterns = [
    path("", views.home, name="home"),
    # Before the services' slugs, which would otherwise take it.
    path("privacy/", privacy_views.privacy_notice, name="privacy"),
    path(
        "accessibility/",
        accessibility_views.accessibility_statement,
        name="accessibility",
    ),
    # The personal link's short form (issue 20): SMS and calendar files.
    path("r/<str:code>", views.short_link, name="short_link"),
    path("r/<str:code>/", views.short_link),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/cancel/", views.manage_cancel, name="manage_cancel"),
    path("manage/<str:token>/move/", views.manage_move, name="manage_move"),
    path("manage/<str:token>/appointment.ics", views.manage_ics, name="manage_ics"),
    # Earlier-time offers (issue 25, point 2): join or leave the list; the
    # offer's short link, in its e-mail and SMS.
    path(
        "manage/<str:token>/earlier/",
        offer_views.manage_earlier,
        name="manage_earlier",
    ),
    path("o/<str:token>", offer_views.offer, name="offer"),
    path("<slug:service>/", views.service_start, name="service"),
    path("<slug:service>/<int:reason>/", views.reason_start, name="reason_start"),
    path("<slug:service>/agent/", views.agent_step, name="agent"),
    path("<slug:service>/reason/", views.reason_step, name="reason"),
    path("<slug:service>/slots/", views.slots_step, name="slots"),
    path("<slug:service>/details/", views.details_step, name="details"),
    # The criteria and remarks steps until issue 20, which communes' sites may
    # link to: they lead to the times and the details pages.
    path("<slug:service>/when/", views.old_criteria_step, name="criteria"),
    path("<slug:service>/remarks/", views.old_remarks_step, name="remarks"),
    path("<slug:service>/confirm/", views.confirm_step, name="confirm"),
    path("<slug:service>/done/", views.done, name="done"),
]
