"""Confirm or refuse a request from the agent's e-mail (R10, issue 23 point 2).

The agent's "new appointment" message for a pending request carries
``answer_url``: a django-sesame token of the agent's login, scoped to that one
appointment (``answer_scope``), in the path of a page that shows the request
with Confirm and Refuse (with a reason) buttons. The agent need not be logged
in: the link is the key, and it opens nothing else.

- A GET only shows the page: an e-mail scanner that follows the link changes
  nothing.
- The POST calls ``booking.services.appointment_confirm`` or
  ``appointment_refuse``, as the inbox does, with the agent as actor.
- Once the request is answered (by this page, the inbox or a colleague), the
  link stops working: the page then says so and offers nothing.
- It works for ``REQUEST_LINK_HOURS`` at most, and only while the login is
  active and may answer the request (``pending_requests_for``: the agent's
  services, as in the inbox).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from sesame.tokens import create_token, parse_token
from unfold.widgets import UnfoldAdminTextareaWidget

from booking.models import Appointment
from booking.services import BookingError, appointment_confirm, appointment_refuse
from core.inputs import parse_id
from core.ratelimit import ratelimited

from .forms import RefuseForm
from .selectors import pending_requests_for

logger = logging.getLogger(__name__)


def answer_scope(appointment_id: int) -> str:
    """The token's scope: this appointment's answer page, nothing else."""
    return f"messaging.answer:{appointment_id}"


def link_max_age() -> timedelta:
    return timedelta(hours=settings.REQUEST_LINK_HOURS)


def answer_path(user, appointment: Appointment) -> str:
    token = create_token(user, answer_scope(appointment.pk))
    return reverse(
        "admin:messaging_answer",
        kwargs={"appointment_id": appointment.pk, "token": token},
    )


def answer_url(user, appointment: Appointment) -> str:
    """The absolute link put in the agent's e-mail ("" while unrouted)."""
    try:
        return settings.SITE_URL.rstrip("/") + answer_path(user, appointment)
    except NoReverseMatch:
        logger.warning("admin:messaging_answer is not routed: message without it")
        return ""


def _staff_user(pk):
    return get_user_model().objects.filter(pk=pk, is_active=True, is_staff=True).first()


def user_for_token(appointment_id: int, token: str):
    """The login the link was made for, or None (forged, expired, another
    appointment's, the login disabled or its password changed since)."""
    try:
        return parse_token(
            token,
            _staff_user,
            scope=answer_scope(appointment_id),
            max_age=link_max_age(),
        )
    except Exception:  # a malformed token is no token
        logger.debug("unreadable answer token", exc_info=True)
        return None


class AnswerRefuseForm(RefuseForm):
    """The inbox's refusal, with the admin's textarea."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].widget = UnfoldAdminTextareaWidget(attrs={"rows": 3})


def _page(request, context: dict, status: int = 200):
    context = {**admin.site.each_context(request), **context}
    return TemplateResponse(request, "messaging/answer.html", context, status=status)


@never_cache
@csrf_protect
@ratelimited("link")
def answer_request(request, appointment_id: str, token: str):
    """Show one pending request (GET) and confirm or refuse it (POST)."""
    pk = parse_id(str(appointment_id))
    user = user_for_token(pk, token) if pk is not None else None
    appointment = (
        pending_requests_for(user).filter(pk=pk).first() if user is not None else None
    )
    if appointment is None:
        answered = (
            Appointment.objects.filter(pk=pk).first()
            if user is not None and pk is not None
            else None
        )
        return _page(
            request,
            {
                "title": _("This link no longer works"),
                "answered": answered,
                "inbox_url": reverse("admin:messaging_inbox"),
            },
            status=410,
        )
    form = AnswerRefuseForm()
    if request.method == "POST":
        answer = request.POST.get("answer")
        try:
            if answer == "confirm":
                appointment = appointment_confirm(appointment=appointment, actor=user)
                return _page(
                    request,
                    {
                        "title": _("Request confirmed"),
                        "appointment": appointment,
                        "done": "confirmed",
                    },
                )
            if answer == "refuse":
                form = AnswerRefuseForm(request.POST)
                if form.is_valid():
                    appointment = appointment_refuse(
                        appointment=appointment,
                        actor=user,
                        reason=form.cleaned_data["reason"],
                    )
                    return _page(
                        request,
                        {
                            "title": _("Request refused"),
                            "appointment": appointment,
                            "done": "refused",
                        },
                    )
        except BookingError as error:
            return _page(
                request,
                {
                    "title": _("This request cannot be answered"),
                    "error": error.message,
                    "inbox_url": reverse("admin:messaging_inbox"),
                },
                status=409,
            )
    return _page(
        request,
        {
            "title": _("A request awaits your answer"),
            "appointment": appointment,
            "agent_user": user,
            "form": form,
        },
        status=400 if form.errors else 200,
    )
