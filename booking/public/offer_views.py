"""The citizen's pages of earlier-time offers (issue 25, point 2).

- Joining the list is a form on pages that exist (the done page of the booking
  flow, the personal link's page), never a step of its own: the flow keeps
  its five screens. The form posts to ``manage_earlier``, which joins, changes
  the criteria or leaves, then goes back to the appointment's page.
- ``offer`` is the page of an offer's link (``/o/<token>``, short for SMS):
  the time offered beside the current one, Accept and Decline; a GET never
  changes anything (mail scanners open links), and a clear sentence when the
  offer expired, was answered or the time was taken.

Every write goes through ``booking/offers.py``.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from booking import offers
from booking.links import make_token
from booking.models import EarlierTimeOffer
from core.language_middleware import speak
from core.ratelimit import ratelimited

from . import forms
from .embed import public_page, public_reverse
from .views import (
    GET_POST,
    _appointment_or_404,
    _link_not_working,
    _private,
    _redirect,
    _render,
)


@GET_POST
@public_page
@never_cache
@ratelimited("manage")
def manage_earlier(request, token):
    """Join the list (or change the criteria), or leave it (POST); a GET goes
    to the appointment's page, which holds the form."""
    appointment, response = _appointment_or_404(request, token)
    if response:
        return response
    if request.method == "POST":
        if "leave" in request.POST:
            offers.earlier_request_leave(appointment=appointment)
            messages.success(
                request, _("You are no longer on the list for an earlier time.")
            )
        elif "join" not in request.POST:
            messages.info(
                request,
                _("Nothing changed: tick the box to be told of an earlier time."),
            )
        else:
            form = forms.EarlierTimeForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Choose days and times from the list."))
            else:
                try:
                    offers.earlier_request_join(
                        appointment=appointment,
                        weekdays=form.cleaned_data["weekdays"],
                        parts=form.cleaned_data["parts"],
                    )
                except offers.OfferError as error:
                    messages.error(request, error.message)
                else:
                    messages.success(
                        request,
                        _(
                            "You are on the list: we will write to you as soon "
                            "as an earlier time frees up."
                        ),
                    )
    return HttpResponseRedirect(
        public_reverse(request, "booking:manage", token=make_token(appointment))
        + "#earlier"
    )


def _state(offer: EarlierTimeOffer) -> str:
    """What the page tells: open, accepted, declined, expired or taken."""
    Status = EarlierTimeOffer.Status
    if offer.status == Status.SENT:
        return "open" if offer.expires_at > timezone.now() else "expired"
    if offer.status == Status.WITHDRAWN:
        return "taken"
    return offer.status


@GET_POST
@public_page
@never_cache
@ratelimited("manage")
def offer(request, token):
    """An earlier time offered: the two times, Accept or Decline (POST)."""
    found = offers.offer_for_token(token)
    if found is None:
        return _link_not_working(request)
    appointment = found.request.appointment
    speak(request, appointment.recipient_language)
    error = None
    if request.method == "POST" and _state(found) == "open":
        if "accept" in request.POST:
            try:
                moved = offers.offer_accept(offer=found)
            except offers.OfferError as problem:
                error = problem.message
            else:
                messages.success(
                    request,
                    _("Your appointment is moved. We have sent you a message."),
                )
                return _redirect(request, "booking:manage", token=make_token(moved))
        elif "decline" in request.POST:
            try:
                offers.offer_decline(offer=found)
            except offers.OfferError as problem:
                error = problem.message
        found.refresh_from_db()
        appointment.refresh_from_db()
    return _private(
        _render(
            request,
            "booking/offer.html",
            {
                "offer": found,
                "offer_end": found.start + appointment.reason.duration,
                "appointment": appointment,
                "service": appointment.service,
                "state": _state(found),
                "error": error,
                "offer_url": public_reverse(request, "booking:offer", token=token),
                "manage_url": public_reverse(
                    request, "booking:manage", token=make_token(appointment)
                ),
            },
        )
    )
