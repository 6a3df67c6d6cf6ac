"""Who may open what: every admin URL × every role, in one table (issue 12).

The table below lists every named URL of the admin site (``admin.site.
get_urls()``: each model's list, add, change, delete, history, revert, import,
export and row actions, and the portal's own pages) with what each role gets
on a GET: the administrator, the manager of Population, an agent of
Population, the data protection officer (issue 23: the record of who looked
and nothing else), and an anonymous visitor. Object URLs are tried on a row of
Population, the role's own service; ``test_another_services_row_is_refused``
tries rows of another service.

A new admin page or action fails ``test_every_admin_url_is_in_the_matrix``
until its row is added here: decide what each role should get, then write it.

Answers: a status code, ``LOGIN`` (redirected to the login page) or ``HOME``
(redirected to the admin's index: Django's answer to "this object does not
exist for you").
"""

import os
from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task

from audit.models import AccessRecord
from booking.models import EarlierTimeRequest
from core.models import Commune
from core.roles import DATA_PROTECTION_OFFICER
from messaging.models import ChannelRule, MessageTemplate, MessagingSettings
from staffing.models import Membership
from tests.factories import (
    AppointmentFactory,
    AvailabilityExceptionFactory,
    CitizenFactory,
    ClosureFactory,
    MembershipFactory,
    MessageFactory,
    ServiceFactory,
    SiteFactory,
    TypicalWeekFactory,
    TypicalWeekRangeFactory,
    UserFactory,
    VisitReasonFactory,
    local,
)

LOGIN = "login"
HOME = "home"
ROLES = ("administrator", "manager", "agent", "dpo", "anonymous")
DAY = date(2030, 1, 8)  # a Tuesday: every row of the world is in the future

# url name: (administrator, manager, agent, data protection officer, anonymous)
MATRIX: dict[str, tuple] = {
    # The admin site itself.
    "app_list": (200, 200, 200, 404, LOGIN),
    "autocomplete": (200, 200, 200, 403, LOGIN),
    "index": (200, 200, 200, 200, LOGIN),
    "jsi18n": (200, 200, 200, 200, LOGIN),
    "login": (HOME, HOME, HOME, HOME, 200),
    "logout": (405, 405, 405, 405, HOME),
    "password_change": (200, 200, 200, 200, LOGIN),
    "password_change_done": (200, 200, 200, 200, LOGIN),
    "view_on_site": (404, 404, 404, 404, LOGIN),
    # Staff without a session (issue 23): "forgot password", and the page an
    # e-mailed link opens (tried with a token that opens nothing: 410 Gone).
    "admin_password_reset": (200, 200, 200, 200, 200),
    "password_set": (410, 410, 410, 410, 410),
    # A pending request's page from the agent's e-mail (same token: 410 Gone).
    "messaging_answer": (410, 410, 410, 410, 410),
    # Two-factor sign-in (issue 23): the second step (a session past it goes
    # on to the admin), the set-up, and one's own settings.
    "two_factor": (HOME, HOME, HOME, HOME, LOGIN),
    "two_factor_setup": (200, 200, 200, 200, LOGIN),
    "two_factor_manage": (200, 200, 200, 200, LOGIN),
    # One's own language (issue 19, point 4): every signed-in login.
    "own_language": (200, 200, 200, 200, LOGIN),
    # Single sign-on (issue 23): not there while the OIDC_* settings are unset,
    # as here; the flow itself is tests/core/test_sso.py's.
    "sso_callback": (404, 404, 404, 404, 404),
    "sso_start": (404, 404, 404, 404, 404),
    # The portal's own pages (agendas, phone booking, availability, statistics…).
    "messaging_inbox": (200, 200, 200, 403, LOGIN),
    # SMS and budget (issue 24, point 5): the administrators' alone.
    "messaging_sms": (200, 403, 403, 403, LOGIN),
    "portal_agenda": (302, 200, 200, 403, LOGIN),
    "portal_agenda_events": (200, 200, 200, 403, LOGIN),
    "portal_availability": (200, 200, 200, 403, LOGIN),
    "portal_day_list": (200, 200, 200, 403, LOGIN),
    # The desk (issue 22): arrivals by booking reference, who is waiting; its
    # actions are POSTs on the same page (tests/booking/portal/test_arrivals.py).
    "portal_desk": (200, 200, 200, 403, LOGIN),
    "portal_desk_mark": (405, 405, 405, 405, LOGIN),
    "portal_feed": (200, 200, 200, 403, LOGIN),
    "portal_phone": (200, 200, 200, 403, LOGIN),
    "portal_phone_citizens": (200, 200, 200, 403, LOGIN),
    "portal_phone_slots": (200, 200, 200, 403, LOGIN),
    # Walk-ins (issue 22): the phone page's flow with the desk channel.
    "portal_walk_in": (200, 200, 200, 403, LOGIN),
    "portal_redistribution": (200, 200, 403, 403, LOGIN),
    "portal_unavailability": (200, 200, 200, 403, LOGIN),
    "reports_statistics": (200, 200, 200, 403, LOGIN),
    "reports_statistics_export": (200, 200, 200, 403, LOGIN),
    "search": (200, 200, 200, 200, LOGIN),
    # audit.accessrecord: the record of who looked (issue 23), read-only; the
    # data protection officer's (and the administrators', who have every right).
    "audit_accessrecord_add": (403, 403, 403, 403, LOGIN),
    "audit_accessrecord_change": (200, 403, 403, 200, LOGIN),
    "audit_accessrecord_changelist": (200, 403, 403, 200, LOGIN),
    "audit_accessrecord_delete": (403, 403, 403, 403, LOGIN),
    "audit_accessrecord_export": (200, 403, 403, 200, LOGIN),
    "audit_accessrecord_history": (200, 403, 403, 200, LOGIN),
    # auth.group
    "auth_group_add": (200, 403, 403, 403, LOGIN),
    "auth_group_change": (200, 403, 403, 403, LOGIN),
    "auth_group_changelist": (200, 403, 403, 403, LOGIN),
    "auth_group_delete": (200, 403, 403, 403, LOGIN),
    "auth_group_history": (200, 403, 403, 403, LOGIN),
    # auth.user
    "auth_user_add": (200, 403, 403, 403, LOGIN),
    "auth_user_change": (200, 403, 403, 403, LOGIN),
    "auth_user_changelist": (200, 403, 403, 403, LOGIN),
    "auth_user_delete": (200, 403, 403, 403, LOGIN),
    "auth_user_history": (200, 403, 403, 403, LOGIN),
    "auth_user_password_change": (200, 403, 403, 403, LOGIN),
    # booking.appointment
    "booking_appointment_add": (302, 302, 302, 403, LOGIN),
    "booking_appointment_cancel_appointment": (200, 200, 200, 403, LOGIN),
    "booking_appointment_change": (200, 200, 200, 403, LOGIN),
    "booking_appointment_changelist": (200, 200, 200, 403, LOGIN),
    "booking_appointment_delete": (403, 403, 403, 403, LOGIN),
    "booking_appointment_desk_arrived": (200, 200, 200, 403, LOGIN),
    "booking_appointment_desk_done": (200, 200, 200, 403, LOGIN),
    "booking_appointment_desk_no_show": (200, 200, 200, 403, LOGIN),
    "booking_appointment_history": (200, 200, 200, 404, LOGIN),
    "booking_appointment_move_appointment": (200, 200, 200, 403, LOGIN),
    "booking_appointment_reassign_appointment": (200, 200, 403, 403, LOGIN),
    # Issue 20: staff of the appointment's service revoke the citizen's link.
    "booking_appointment_revoke_link": (200, 200, 200, 403, LOGIN),
    "booking_appointment_simple_history": (200, 200, 200, 404, LOGIN),
    # booking.citizen
    "booking_citizen_add": (200, 302, 302, 403, LOGIN),
    "booking_citizen_change": (200, 200, 200, 403, LOGIN),
    "booking_citizen_changelist": (200, 200, 200, 403, LOGIN),
    "booking_citizen_delete": (200, 403, 403, 403, LOGIN),
    "booking_citizen_erase_data": (200, 403, 403, 403, LOGIN),
    "booking_citizen_export": (200, 200, 200, 403, LOGIN),
    "booking_citizen_export_data": (200, 200, 200, 403, LOGIN),
    "booking_citizen_history": (200, 200, 200, 404, LOGIN),
    "booking_citizen_import": (200, 403, 403, 403, LOGIN),
    "booking_citizen_process_import": (405, 405, 405, 405, LOGIN),
    "booking_citizen_simple_history": (200, 200, 200, 404, LOGIN),
    # booking.visitreason
    # Each service's earlier-time queue (issue 25, point 2): read-only; its
    # members see it, citizens join and leave from their personal link.
    "booking_earliertimerequest_add": (403, 403, 403, 403, LOGIN),
    "booking_earliertimerequest_change": (200, 200, 200, 403, LOGIN),
    "booking_earliertimerequest_changelist": (200, 200, 200, 403, LOGIN),
    "booking_earliertimerequest_delete": (403, 403, 403, 403, LOGIN),
    "booking_earliertimerequest_history": (200, 200, 200, HOME, LOGIN),
    "booking_visitreason_add": (200, 200, 403, 403, LOGIN),
    "booking_visitreason_change": (200, 200, 200, 403, LOGIN),
    "booking_visitreason_changelist": (200, 200, 200, 403, LOGIN),
    "booking_visitreason_delete": (200, 403, 403, 403, LOGIN),
    "booking_visitreason_export": (200, 200, 200, 403, LOGIN),
    "booking_visitreason_history": (200, 200, 200, 404, LOGIN),
    "booking_visitreason_import": (200, 403, 403, 403, LOGIN),
    "booking_visitreason_process_import": (405, 405, 405, 405, LOGIN),
    "booking_visitreason_simple_history": (200, 200, 200, 404, LOGIN),
    # core.commune
    "core_commune_add": (403, 403, 403, 403, LOGIN),
    "core_commune_change": (200, 403, 403, 403, LOGIN),
    "core_commune_changelist": (200, 403, 403, 403, LOGIN),
    "core_commune_delete": (403, 403, 403, 403, LOGIN),
    "core_commune_history": (200, 403, 403, 403, LOGIN),
    "core_commune_simple_history": (200, 403, 403, 403, LOGIN),
    # django_q.failure
    "django_q_failure_add": (403, 403, 403, 403, LOGIN),
    "django_q_failure_change": (200, 403, 403, 403, LOGIN),
    "django_q_failure_changelist": (200, 403, 403, 403, LOGIN),
    "django_q_failure_delete": (200, 403, 403, 403, LOGIN),
    "django_q_failure_history": (200, 403, 403, 403, LOGIN),
    # django_q.ormq
    "django_q_ormq_add": (403, 403, 403, 403, LOGIN),
    "django_q_ormq_change": (200, 403, 403, 403, LOGIN),
    "django_q_ormq_changelist": (200, 403, 403, 403, LOGIN),
    "django_q_ormq_delete": (200, 403, 403, 403, LOGIN),
    "django_q_ormq_history": (200, 403, 403, 403, LOGIN),
    # django_q.schedule
    "django_q_schedule_add": (200, 403, 403, 403, LOGIN),
    "django_q_schedule_change": (200, 403, 403, 403, LOGIN),
    "django_q_schedule_changelist": (200, 403, 403, 403, LOGIN),
    "django_q_schedule_delete": (200, 403, 403, 403, LOGIN),
    "django_q_schedule_history": (200, 403, 403, 403, LOGIN),
    # django_q.success
    "django_q_success_add": (403, 403, 403, 403, LOGIN),
    "django_q_success_change": (200, 403, 403, 403, LOGIN),
    "django_q_success_changelist": (200, 403, 403, 403, LOGIN),
    "django_q_success_delete": (200, 403, 403, 403, LOGIN),
    "django_q_success_history": (200, 403, 403, 403, LOGIN),
    # messaging.channelrule
    "messaging_channelrule_add": (403, 403, 403, 403, LOGIN),
    "messaging_channelrule_change": (200, 403, 403, 403, LOGIN),
    "messaging_channelrule_changelist": (200, 403, 403, 403, LOGIN),
    "messaging_channelrule_delete": (403, 403, 403, 403, LOGIN),
    "messaging_channelrule_history": (200, 403, 403, 403, LOGIN),
    "messaging_channelrule_simple_history": (200, 403, 403, 403, LOGIN),
    # messaging.message
    "messaging_message_add": (403, 403, 403, 403, LOGIN),
    "messaging_message_change": (200, 200, 403, 403, LOGIN),
    "messaging_message_changelist": (200, 200, 403, 403, LOGIN),
    "messaging_message_delete": (403, 403, 403, 403, LOGIN),
    "messaging_message_history": (200, 200, HOME, HOME, LOGIN),
    "messaging_message_resend_one": (200, 200, 403, 403, LOGIN),
    # messaging.messagetemplate
    "messaging_messagetemplate_add": (200, 403, 403, 403, LOGIN),
    "messaging_messagetemplate_change": (200, 403, 403, 403, LOGIN),
    "messaging_messagetemplate_changelist": (200, 403, 403, 403, LOGIN),
    "messaging_messagetemplate_delete": (200, 403, 403, 403, LOGIN),
    "messaging_messagetemplate_history": (200, 403, 403, 403, LOGIN),
    "messaging_messagetemplate_preview": (405, 403, 403, 403, LOGIN),
    "messaging_messagetemplate_simple_history": (200, 403, 403, 403, LOGIN),
    # messaging.messagingsettings
    "messaging_messagingsettings_add": (403, 403, 403, 403, LOGIN),
    "messaging_messagingsettings_change": (200, 403, 403, 403, LOGIN),
    "messaging_messagingsettings_changelist": (200, 403, 403, 403, LOGIN),
    "messaging_messagingsettings_delete": (403, 403, 403, 403, LOGIN),
    "messaging_messagingsettings_history": (200, 403, 403, 403, LOGIN),
    "messaging_messagingsettings_simple_history": (200, 403, 403, 403, LOGIN),
    # staffing.agent
    "staffing_agent_add": (200, 403, 403, 403, LOGIN),
    "staffing_agent_change": (200, 200, 200, 403, LOGIN),
    "staffing_agent_changelist": (200, 200, 200, 403, LOGIN),
    "staffing_agent_delete": (200, 403, 403, 403, LOGIN),
    "staffing_agent_export": (200, 200, 200, 403, LOGIN),
    "staffing_agent_history": (200, 200, 200, 403, LOGIN),
    "staffing_agent_import": (200, 403, 403, 403, LOGIN),
    "staffing_agent_process_import": (405, 405, 405, 405, LOGIN),
    "staffing_agent_simple_history": (200, 200, 200, 403, LOGIN),
    # staffing.availabilityexception
    "staffing_availabilityexception_add": (200, 200, 200, 403, LOGIN),
    "staffing_availabilityexception_change": (200, 200, 200, 403, LOGIN),
    "staffing_availabilityexception_changelist": (200, 200, 200, 403, LOGIN),
    "staffing_availabilityexception_delete": (200, 200, 200, 403, LOGIN),
    "staffing_availabilityexception_export": (200, 200, 200, 403, LOGIN),
    "staffing_availabilityexception_history": (200, 200, 200, 404, LOGIN),
    "staffing_availabilityexception_import": (200, 403, 403, 403, LOGIN),
    "staffing_availabilityexception_process_import": (405, 405, 405, 405, LOGIN),
    "staffing_availabilityexception_simple_history": (200, 200, 200, 404, LOGIN),
    # staffing.closure
    "staffing_closure_add": (200, 200, 403, 403, LOGIN),
    "staffing_closure_change": (200, 200, 200, 403, LOGIN),
    "staffing_closure_changelist": (200, 200, 200, 403, LOGIN),
    "staffing_closure_delete": (200, 200, 403, 403, LOGIN),
    "staffing_closure_history": (200, 200, 200, 404, LOGIN),
    "staffing_closure_simple_history": (200, 200, 200, 404, LOGIN),
    # The years ahead of a closure that repeats (issue 24, point 3): those who
    # may change it.
    "staffing_closure_years": (200, 200, 403, 403, LOGIN),
    # staffing.membership
    "staffing_membership_add": (200, 200, 403, 403, LOGIN),
    "staffing_membership_change": (200, 200, 200, 403, LOGIN),
    "staffing_membership_changelist": (200, 200, 200, 403, LOGIN),
    "staffing_membership_delete": (200, 200, 403, 403, LOGIN),
    "staffing_membership_export": (200, 200, 200, 403, LOGIN),
    "staffing_membership_history": (200, 200, 200, 404, LOGIN),
    "staffing_membership_import": (200, 403, 403, 403, LOGIN),
    "staffing_membership_process_import": (405, 405, 405, 405, LOGIN),
    "staffing_membership_simple_history": (200, 200, 200, 404, LOGIN),
    # staffing.service
    "staffing_service_add": (200, 403, 403, 403, LOGIN),
    "staffing_service_change": (200, 200, 200, 403, LOGIN),
    "staffing_service_changelist": (200, 200, 200, 403, LOGIN),
    "staffing_service_delete": (200, 403, 403, 403, LOGIN),
    "staffing_service_export": (200, 200, 200, 403, LOGIN),
    "staffing_service_history": (200, 200, 200, 404, LOGIN),
    "staffing_service_import": (200, 403, 403, 403, LOGIN),
    "staffing_service_process_import": (405, 405, 405, 405, LOGIN),
    "staffing_service_simple_history": (200, 200, 200, 404, LOGIN),
    # staffing.site (issue 25, point 4): the administrator writes the commune's
    # sites; managers and agents read them (a typical week names one).
    "staffing_site_add": (200, 403, 403, 403, LOGIN),
    "staffing_site_change": (200, 200, 200, 403, LOGIN),
    "staffing_site_changelist": (200, 200, 200, 403, LOGIN),
    "staffing_site_delete": (200, 403, 403, 403, LOGIN),
    "staffing_site_history": (200, 200, 200, 403, LOGIN),
    "staffing_site_simple_history": (200, 200, 200, 403, LOGIN),
    # staffing.typicalweek
    "staffing_typicalweek_add": (200, 200, 200, 403, LOGIN),
    "staffing_typicalweek_change": (200, 200, 200, 403, LOGIN),
    "staffing_typicalweek_changelist": (200, 200, 200, 403, LOGIN),
    "staffing_typicalweek_delete": (200, 200, 200, 403, LOGIN),
    "staffing_typicalweek_export": (200, 200, 200, 403, LOGIN),
    "staffing_typicalweek_history": (200, 200, 200, 404, LOGIN),
    "staffing_typicalweek_import": (200, 403, 403, 403, LOGIN),
    "staffing_typicalweek_process_import": (405, 405, 405, 405, LOGIN),
    "staffing_typicalweek_simple_history": (200, 200, 200, 404, LOGIN),
}


def admin_url_patterns(patterns=None, prefix=""):
    """(name, route) of every named URL of the admin site, walked recursively."""
    for pattern in admin.site.get_urls() if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from admin_url_patterns(
                pattern.url_patterns, prefix + str(pattern.pattern)
            )
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern.name, prefix + str(pattern.pattern)


def model_of(url_name: str):
    """The registered model whose admin owns ``url_name``, or None (portal pages)."""
    owners = [
        model
        for model in admin.site._registry
        if url_name.startswith(f"{model._meta.app_label}_{model._meta.model_name}_")
    ]
    # "staffing_typicalweek_…" must not be taken for a shorter model name.
    return max(owners, key=lambda m: len(m._meta.model_name), default=None)


@pytest.fixture
def world(db, population, foreigners, agent, manager, administrator):
    """One row of every admin's model in Population, the roles' service."""
    MembershipFactory(agent=manager, service=foreigners)  # he only belongs there
    reason = VisitReasonFactory(service=population)
    citizen = CitizenFactory()
    start = local(DAY, 10)
    appointment = AppointmentFactory(
        service=population,
        agent=agent,
        reason=reason,
        citizen=citizen,
        start=start,
        end=start + timedelta(minutes=15),
        booked_for_service=True,  # a team appointment: the manager may reassign it
    )
    week = TypicalWeekFactory(agent=agent, service=population)
    TypicalWeekRangeFactory(typical_week=week, weekday=1)
    now = timezone.now()
    for success in (True, False):
        Task.objects.create(
            id=f"task-{success}",
            name=f"task {success}",
            func="messaging.tasks.purge_task_results",
            started=now - timedelta(seconds=1),
            stopped=now,
            success=success,
        )
    rows = {
        "auth.user": agent.user,
        "auth.group": agent.user.groups.get(),
        "core.commune": Commune.objects.get_solo(),
        "staffing.service": population,
        "staffing.site": SiteFactory(),
        "staffing.agent": agent,
        "staffing.membership": Membership.objects.get(agent=agent, service=population),
        "staffing.typicalweek": week,
        "staffing.availabilityexception": AvailabilityExceptionFactory(
            agent=agent, start=local(DAY, 14), end=local(DAY, 16)
        ),
        "staffing.closure": ClosureFactory(
            service=population, start_date=DAY, end_date=DAY
        ),
        "booking.visitreason": reason,
        "booking.citizen": citizen,
        "booking.appointment": appointment,
        "booking.earliertimerequest": EarlierTimeRequest.objects.create(
            appointment=appointment
        ),
        "messaging.message": MessageFactory(appointment=appointment),
        "messaging.messagetemplate": MessageTemplate.objects.first(),
        "messaging.channelrule": ChannelRule.objects.first(),
        "messaging.messagingsettings": MessagingSettings.objects.get_or_create()[0],
        "django_q.success": Task.objects.get(success=True),
        "django_q.failure": Task.objects.get(success=False),
        "django_q.ormq": OrmQ.objects.create(key="rendezvous", payload="x", lock=now),
        "django_q.schedule": Schedule.objects.create(
            name="matrix", func="messaging.tasks.purge_task_results"
        ),
        "audit.accessrecord": AccessRecord.objects.create(
            username="agent-population", action="view", what="citizen #1"
        ),
    }
    for row in rows.values():
        if hasattr(row, "history") and not row.history.exists():
            row.save()  # rows made by migrations have no history yet
    users = {
        "administrator": administrator,
        "manager": manager.user,
        "agent": agent.user,
        "dpo": UserFactory(username="dpo", groups=[DATA_PROTECTION_OFFICER]),
        "anonymous": None,
    }
    return rows, users


def url_for(name: str, route: str, rows: dict) -> str:
    """The URL ``name`` filled in with the row of its model."""
    model = model_of(name)
    row = rows.get(model._meta.label_lower) if model else None
    if name == "view_on_site":
        appointment = rows["booking.appointment"]
        content_type = ContentType.objects.get_for_model(appointment)
        return reverse(f"admin:{name}", args=[content_type.pk, appointment.pk])
    if name == "autocomplete":
        # The citizen field of the appointment form: whose citizens are offered.
        query = "app_label=booking&model_name=appointment&field_name=citizen"
        return f"{reverse('admin:autocomplete')}?{query}"
    if name == "portal_agenda_events":
        service = rows["staffing.service"]
        week = "start=2030-01-07T00:00:00&end=2030-01-14T00:00:00"
        return f"{reverse('admin:' + name)}?service={service.pk}&{week}"
    if name == "portal_phone_slots":
        reason = rows["booking.visitreason"]
        return f"{reverse('admin:' + name)}?reason={reason.pk}"
    if name == "password_set":
        return reverse(f"admin:{name}", kwargs={"token": "not-a-token"})
    if name == "messaging_answer":
        appointment = rows["booking.appointment"]
        return reverse(
            f"admin:{name}",
            kwargs={"appointment_id": appointment.pk, "token": "not-a-token"},
        )
    if name == "app_list":
        return reverse("admin:app_list", args=["booking"])
    if name == "reports_statistics_export":
        return reverse(f"admin:{name}", args=["csv"])
    if name.endswith("_simple_history"):
        record = row.history.order_by("history_id").first()
        return reverse(f"admin:{name}", args=[row.pk, record.history_id])
    if name == "auth_user_password_change":
        return reverse(f"admin:{name}", args=[row.pk])
    if "<path:object_id>" in route:
        return reverse(f"admin:{name}", args=[row.pk])
    return reverse(f"admin:{name}")


def answer(response) -> int | str:
    """A response as the matrix writes it."""
    if response.status_code == 302:
        if response.url.startswith(reverse("admin:login")):
            return LOGIN
        if response.url == reverse("admin:index"):
            return HOME
    return response.status_code


def observed(client, world, name, route, role):
    rows, users = world
    if users[role] is not None:
        client.force_login(users[role])
    return answer(client.get(url_for(name, route, rows)))


ALL_URLS = sorted(admin_url_patterns())


def test_every_admin_url_is_in_the_matrix():
    missing = sorted({name for name, _route in ALL_URLS} - set(MATRIX))
    stale = sorted(set(MATRIX) - {name for name, _route in ALL_URLS})
    assert not missing, f"add these admin URLs to the permission matrix: {missing}"
    assert not stale, f"these matrix rows name no admin URL any more: {stale}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_matrix_says(client, world, role):
    """One test per role, every URL in it: a failure lists every difference."""
    index = ROLES.index(role)
    differences = {}
    for name, route in ALL_URLS:
        if name not in MATRIX:
            continue
        client.logout()
        got = observed(client, world, name, route, role)
        if got != MATRIX[name][index]:
            differences[name] = (MATRIX[name][index], got)
    assert not differences, f"{role}: (expected, got) {differences}"


@pytest.mark.skipif(
    not os.environ.get("PRINT_MATRIX"), reason="PRINT_MATRIX=1 prints today's answers"
)
def test_print_the_answers_of_today(client, world):
    """``PRINT_MATRIX=1 pytest -s -k print_the_answers`` writes the observed table.

    A starting point for a new row, never a replacement for deciding it.
    """
    for name, route in ALL_URLS:
        got = []
        for role in ROLES:
            client.logout()
            got.append(observed(client, world, name, route, role))
        cells = ", ".join(c if isinstance(c, int) else c.upper() for c in map(str, got))
        print(f'    "{name}": ({cells}),')


@pytest.fixture
def theirs(db):
    """One row of each service-bound model, in a service the roles are not in."""
    foreigners = ServiceFactory(name="Urbanisme", slug="urbanisme")
    colleague = MembershipFactory(service=foreigners).agent
    reason = VisitReasonFactory(service=foreigners)
    start = local(DAY, 11)
    appointment = AppointmentFactory(
        service=foreigners,
        agent=colleague,
        reason=reason,
        start=start,
        end=start + timedelta(minutes=15),
    )
    return {
        "staffing.service": foreigners,
        "staffing.agent": colleague,
        "staffing.membership": colleague.memberships.get(),
        "staffing.typicalweek": TypicalWeekFactory(agent=colleague, service=foreigners),
        "staffing.availabilityexception": AvailabilityExceptionFactory(
            agent=colleague, start=local(DAY, 14), end=local(DAY, 16)
        ),
        "staffing.closure": ClosureFactory(
            service=foreigners, start_date=DAY, end_date=DAY
        ),
        "booking.visitreason": reason,
        "booking.citizen": appointment.citizen,
        "booking.appointment": appointment,
        "booking.earliertimerequest": EarlierTimeRequest.objects.create(
            appointment=appointment
        ),
        "messaging.message": MessageFactory(appointment=appointment),
    }


# Rows of another service that a role may still *see* (never change): the
# agents' list is the commune's staff directory.
VISIBLE_ELSEWHERE = {"staffing.agent"}


@pytest.mark.parametrize("role", ["manager", "agent"])
@pytest.mark.parametrize(
    "label",
    [
        "staffing.service",
        "staffing.agent",
        "staffing.membership",
        "staffing.typicalweek",
        "staffing.availabilityexception",
        "staffing.closure",
        "booking.visitreason",
        "booking.citizen",
        "booking.appointment",
        "booking.earliertimerequest",
        "messaging.message",
    ],
)
def test_another_services_row_is_refused(client, world, theirs, role, label):
    """Another service's row: not listed, not opened, not changed, no history."""
    _rows, users = world
    row = theirs[label]
    app_label, model_name = label.split(".")
    client.force_login(users[role])
    prefix = f"admin:{app_label}_{model_name}"

    listed = client.get(reverse(f"{prefix}_changelist"))
    change = client.get(reverse(f"{prefix}_change", args=[row.pk]))
    posted = client.post(reverse(f"{prefix}_change", args=[row.pk]), {})
    delete = client.post(reverse(f"{prefix}_delete", args=[row.pk]), {"post": "yes"})

    assert type(row).objects.filter(pk=row.pk).exists(), "a refused delete"
    assert delete.status_code in (302, 403, 404)
    assert answer(delete) != 302 or answer(delete) == HOME
    if label in VISIBLE_ELSEWHERE:
        assert change.status_code == 200
        assert 'name="_save"' not in change.content.decode()
        assert posted.status_code == 403
        return
    if listed.status_code == 200:
        assert row.pk not in {obj.pk for obj in listed.context["cl"].result_list}
    assert answer(change) in (HOME, 403, 404)
    assert answer(posted) in (HOME, 403, 404)
    if hasattr(row, "history"):
        history = client.get(reverse(f"{prefix}_history", args=[row.pk]))
        assert answer(history) in (HOME, 403, 404)


# The change lists' "Action" menus (bulk actions post to the list itself, so
# they add no URL above): model -> action -> who is offered it, as
# (administrator, manager, agent). Anonymous visitors get the login page. An
# action offered is still checked again on the selected rows by its service
# (booking.services.may_merge_citizens, the desk actions' scope…).
LIST_ACTIONS: dict[str, dict[str, tuple[bool, bool, bool]]] = {
    "auth.group": {"delete_selected": (True, False, False)},
    "auth.user": {
        "delete_selected": (True, False, False),
        "invite": (True, False, False),
        "reset_two_factor": (True, False, False),
    },
    "booking.appointment": {
        "mark_arrived": (True, True, True),
        "mark_done": (True, True, True),
        "mark_no_show": (True, True, True),
        "redistribute": (True, True, True),
    },
    "booking.citizen": {
        "delete_selected": (True, False, False),
        # Issue 14: managers merge citizens whose appointments are all theirs.
        "merge_citizens": (True, True, False),
    },
    "booking.visitreason": {"delete_selected": (True, False, False)},
    # Offered to everyone, but only administrators open these lists (above).
    "django_q.failure": {
        "delete_selected": (True, False, False),
        "resubmit_task": (True, True, True),
    },
    "django_q.ormq": {"delete_selected": (True, False, False)},
    "django_q.schedule": {"delete_selected": (True, False, False)},
    "django_q.success": {
        "delete_selected": (True, False, False),
        "resubmit_task": (True, True, True),
    },
    "messaging.message": {"resend": (True, True, False)},
    "messaging.messagetemplate": {"delete_selected": (True, False, False)},
    "staffing.agent": {
        "delete_selected": (True, False, False),
        "invite": (True, False, False),
    },
    "staffing.availabilityexception": {"delete_selected": (True, True, True)},
    "staffing.closure": {"delete_selected": (True, True, False)},
    "staffing.membership": {"delete_selected": (True, True, False)},
    "staffing.service": {"delete_selected": (True, False, False)},
    "staffing.site": {"delete_selected": (True, False, False)},
    "staffing.typicalweek": {"delete_selected": (True, True, True)},
}


@pytest.mark.parametrize("role", ROLES[:3])
def test_each_role_is_offered_the_list_actions_the_matrix_says(rf, world, role):
    """A new list action fails here until its row says who is offered it."""
    _rows, users = world
    index = ROLES.index(role)
    request = rf.get("/")
    request.user = users[role]
    offered = {
        model._meta.label_lower: set(model_admin.get_actions(request))
        for model, model_admin in admin.site._registry.items()
    }
    expected = {
        label: {name for name, roles in actions.items() if roles[index]}
        for label, actions in LIST_ACTIONS.items()
    }
    differences = {
        label: (expected.get(label, set()), names)
        for label, names in offered.items()
        if names != expected.get(label, set())
    }
    assert not differences, f"(matrix, offered) for {role}: {differences}"
