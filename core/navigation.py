"""The admin's sidebar: its groups, links and who sees each link.

``UNFOLD["SIDEBAR"]["navigation"]`` in the settings names :func:`sidebar`;
unfold calls it on each admin page, copies what it returns and drops the links
whose ``permission`` callback says no for this request. The callbacks are
dotted paths, imported by unfold when the sidebar is drawn, so that neither the
settings nor this module import the apps above ``core``. The links are
``reverse_lazy``: nothing is resolved until a page shows them.
"""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _


def _item(title: str, icon: str, url: str, permission: str | None = None) -> dict:
    """One link: its title, Material Symbols icon, admin URL name and the
    dotted path of the callback that decides who sees it (everyone if none)."""
    item = {"title": title, "icon": icon, "link": reverse_lazy(url)}
    if permission:
        item["permission"] = permission
    return item


NAVIGATION = [
    {
        "title": _("Agenda"),
        "separator": False,
        "items": [
            _item(_("Dashboard"), "dashboard", "admin:index"),
            # The staff portal's pages (booking's portal registers them).
            _item(
                _("Agendas"),
                "calendar_view_week",
                "admin:portal_agenda",
                "core.roles.can_view_appointments",
            ),
            _item(
                _("Book by phone"),
                "call",
                "admin:portal_phone",
                "booking.portal.may_book",
            ),
            _item(
                _("At the desk"),
                "how_to_reg",
                "admin:portal_desk",
                "booking.portal.may_use_desk",
            ),
            _item(
                _("Walk-in at the desk"),
                "directions_walk",
                "admin:portal_walk_in",
                "booking.portal.may_book",
            ),
            _item(
                _("Enter an unavailability"),
                "event_busy",
                "admin:portal_unavailability",
                "booking.portal.may_enter_unavailability",
            ),
            _item(
                _("Availability editor"),
                "edit_calendar",
                "admin:portal_availability",
                "booking.portal.may_enter_unavailability",
            ),
            _item(
                _("Redistribute appointments"),
                "swap_horiz",
                "admin:portal_redistribution",
                "booking.portal.may_redistribute",
            ),
            _item(
                _("My agenda feed"),
                "rss_feed",
                "admin:portal_feed",
                "booking.portal.has_agenda",
            ),
            _item(
                _("Appointments"),
                "calendar_month",
                "admin:booking_appointment_changelist",
                "core.roles.can_view_appointments",
            ),
            _item(
                _("Citizens"),
                "groups",
                "admin:booking_citizen_changelist",
                "core.roles.can_view_citizens",
            ),
            _item(
                _("Waiting lists for earlier times"),
                "update",
                "admin:booking_earliertimerequest_changelist",
                "core.roles.can_view_appointments",
            ),
            _item(
                _("Requests to answer"),
                "pending_actions",
                "admin:messaging_inbox",
                "core.roles.can_view_appointments",
            ),
            _item(
                _("Unavailability and extra openings"),
                "event_busy",
                "admin:staffing_availabilityexception_changelist",
                "core.roles.is_staff_member",
            ),
        ],
    },
    {
        "title": _("Configuration"),
        "separator": True,
        "items": [
            _item(
                _("Services"),
                "apartment",
                "admin:staffing_service_changelist",
                "core.roles.is_staff_member",
            ),
            _item(
                _("Visit reasons"),
                "list_alt",
                "admin:booking_visitreason_changelist",
                "core.roles.is_staff_member",
            ),
            _item(
                _("Agents"),
                "badge",
                "admin:staffing_agent_changelist",
                "core.roles.is_staff_member",
            ),
            _item(
                _("Memberships"),
                "group_work",
                "admin:staffing_membership_changelist",
                "core.roles.is_staff_member",
            ),
            _item(
                _("Typical weeks"),
                "view_week",
                "admin:staffing_typicalweek_changelist",
                "core.roles.is_staff_member",
            ),
            _item(
                _("Closures"),
                "block",
                "admin:staffing_closure_changelist",
                "core.roles.is_staff_member",
            ),
            _item(
                _("Commune and appearance"),
                "palette",
                "admin:core_commune_changelist",
                "core.roles.is_administrator_request",
            ),
            _item(
                _("Users"),
                "person",
                "admin:auth_user_changelist",
                "core.roles.is_administrator_request",
            ),
            _item(
                _("Roles"),
                "shield_person",
                "admin:auth_group_changelist",
                "core.roles.is_administrator_request",
            ),
        ],
    },
    {
        "title": _("Data protection"),
        "separator": True,
        "items": [
            _item(
                _("Record of who looked"),
                "policy",
                "admin:audit_accessrecord_changelist",
                "core.roles.can_view_access_records",
            ),
        ],
    },
    {
        "title": _("Messages"),
        "separator": True,
        "items": [
            _item(
                _("Sent and pending messages"),
                "mail",
                "admin:messaging_message_changelist",
                "messaging.admin.can_view_messages",
            ),
            _item(
                _("Message texts"),
                "edit_note",
                "admin:messaging_messagetemplate_changelist",
                "core.roles.is_administrator_request",
            ),
            _item(
                _("Channels per message"),
                "alt_route",
                "admin:messaging_channelrule_changelist",
                "core.roles.is_administrator_request",
            ),
            _item(
                _("Reminders"),
                "notifications",
                "admin:messaging_messagingsettings_changelist",
                "core.roles.is_administrator_request",
            ),
            _item(
                _("SMS and budget"),
                "sms",
                "admin:messaging_sms",
                "core.roles.is_administrator_request",
            ),
            _item(
                _("Scheduled jobs"),
                "schedule",
                "admin:django_q_schedule_changelist",
                "core.roles.is_administrator_request",
            ),
            _item(
                _("Failed tasks"),
                "error",
                "admin:django_q_failure_changelist",
                "core.roles.is_administrator_request",
            ),
            _item(
                _("Completed tasks"),
                "task_alt",
                "admin:django_q_success_changelist",
                "core.roles.is_administrator_request",
            ),
        ],
    },
    {
        "title": _("Statistics"),
        "separator": True,
        "items": [
            _item(
                _("Statistics"),
                "monitoring",
                "admin:reports_statistics",
                "core.roles.can_view_appointments",
            ),
        ],
    },
]


def sidebar(request) -> list[dict]:
    """The sidebar's groups (unfold filters the links by their permission)."""
    return NAVIGATION
