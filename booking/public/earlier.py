"""The earlier-time list's form on the pages that show it (issue 25, point 2):
the done page of the booking flow and the personal link's page. Kept apart
from ``offer_views`` so that ``views`` may import it."""

from booking import offers
from booking.links import make_token
from booking.models import Appointment, EarlierTimeRequest

from . import forms
from .embed import public_reverse


def earlier_context(request, appointment: Appointment) -> dict:
    """What the done and manage pages need to show the list's form: the
    appointment's place in line (if any), the form, and whether it may join."""
    line = EarlierTimeRequest.objects.filter(appointment=appointment).first()
    in_line = line is not None and line.status in EarlierTimeRequest.IN_LINE
    initial = (
        {"weekdays": [str(day) for day in line.weekdays], "parts": line.parts}
        if in_line
        else {}
    )
    return {
        "earlier": {
            "request": line if in_line else None,
            "may_join": offers.may_join(appointment),
            "form": forms.EarlierTimeForm(initial=initial),
            "url": public_reverse(
                request, "booking:manage_earlier", token=make_token(appointment)
            ),
            "weekdays": [
                label
                for value, label in forms.WEEKDAYS
                if in_line and int(value) in line.weekdays
            ],
            "parts": [
                forms.PART_NAMES[part] for part in (line.parts if in_line else [])
            ],
        }
    }
