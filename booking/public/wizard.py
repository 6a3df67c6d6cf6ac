"""The state of one citizen's booking, kept on the server between the steps.

In the flow's store (``booking/public/flow.py``), not Django's session: its key
travels with the pages, so that the flow works in a cross-site frame too.

One small dict per service (``booking:<slug>``): what the citizen chose and
typed so far, plus *drafts*, the raw text of a step left with "Back" before it
was valid, so nothing typed is lost when going back and forth. Nothing is
written to the database before the last step but the time held while the
details are typed (issue 25, point 1: ``hold_key``, ``held_until``).

The flow (issue 20, point 1): [agent], reason, time, details (with the
remarks), confirm. The search criteria are no step of their own: they filter
the times page, which shows the soonest times at once.
"""

import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from booking import citizen_rules
from booking.models import VisitReason
from booking.slots import SearchCriteria
from staffing.models import Agent, Service

from .flow import flow_of

ANY_AGENT = "any"


@dataclass(frozen=True)
class Step:
    key: str
    url_name: str


# The flow, in order; "agent" only when the service lets citizens choose.
STEPS = (
    Step("agent", "booking:agent"),
    Step("reason", "booking:reason"),
    Step("slot", "booking:slots"),
    Step("details", "booking:details"),
    Step("confirm", "booking:confirm"),
)


class Wizard:
    """Read and write one service's booking state in the flow's store."""

    def __init__(self, request, service: Service):
        self.session = flow_of(request)
        self.service = service
        self.key = f"booking:{service.slug}"
        self.data: dict = dict(self.session.get(self.key, {}))
        # The reason is read several times per page: once per request.
        self._reason: tuple[object, VisitReason | None] | None = None

    # --- storage ----------------------------------------------------------

    def save(self) -> None:
        self.session[self.key] = self.data

    def update(self, **values) -> None:
        self.data.update(values)
        self.save()

    def discard(self, *keys: str) -> None:
        for key in keys:
            self.data.pop(key, None)
        self.save()

    def reset(self, **values) -> None:
        """Forget everything (after a booking: a shared computer keeps nothing)."""
        self.data = dict(values)
        self._reason = None
        self.save()

    def start(self) -> None:
        """Note when this booking began, once: the anti-bot delay counts from
        the start of the flow, not from the confirm page (issue 20, point 4)."""
        if "started_at" not in self.data:
            self.update(started_at=time.time())

    def seconds_since_start(self) -> float:
        return time.time() - float(self.data.get("started_at") or 0)

    def draft(self, step: str) -> dict | None:
        return self.data.get("drafts", {}).get(step)

    def keep_draft(self, step: str, raw: dict) -> None:
        """Keep what was typed on ``step`` without validating it."""
        drafts = dict(self.data.get("drafts", {}))
        drafts[step] = raw
        self.update(drafts=drafts)

    def drop_draft(self, step: str) -> None:
        drafts = dict(self.data.get("drafts", {}))
        if drafts.pop(step, None) is not None:
            self.update(drafts=drafts)

    # --- the flow ---------------------------------------------------------

    def steps(self) -> list[Step]:
        return [
            step
            for step in STEPS
            if step.key != "agent" or self.service.citizens_choose_agent
        ]

    def is_done(self, key: str) -> bool:
        if key == "agent":
            return "agent" in self.data
        if key == "reason":
            return self.reason() is not None
        if key == "slot":
            return self.slot() is not None
        if key == "details":
            # A reason changed since may ask a detail not given yet.
            return "identity" in self.data and self._identity_complete()
        return False

    def missing_before(self, key: str) -> Step | None:
        """The first unfinished step before ``key``, where the citizen must go."""
        for step in self.steps():
            if step.key == key:
                return None
            if not self.is_done(step.key):
                return step
        return None

    def previous(self, key: str) -> Step | None:
        steps = self.steps()
        index = [step.key for step in steps].index(key)
        return steps[index - 1] if index else None

    def next(self, key: str) -> Step:
        steps = self.steps()
        index = [step.key for step in steps].index(key)
        return steps[index + 1]

    # --- typed values -----------------------------------------------------

    def agent(self) -> Agent | None:
        """The agent chosen, or None for "any agent" (or no choice offered)."""
        value = self.data.get("agent")
        if not self.service.citizens_choose_agent or value in (None, ANY_AGENT):
            return None
        return (
            Agent.objects.active()
            .in_service(self.service)
            .select_related("user")
            .filter(pk=value)
            .first()
        )

    def reason(self) -> VisitReason | None:
        value = self.data.get("reason")
        if value is None:
            return None
        # Read once per request and value: the details' rules ask it too.
        if self._reason is not None and self._reason[0] == value:
            return self._reason[1]
        reason = (
            VisitReason.objects.filter(
                service=self.service, is_active=True, online_bookable=True, pk=value
            )
            .select_related("service")
            .first()
        )
        self._reason = (value, reason)
        return reason

    def criteria(self) -> SearchCriteria:
        raw = self.data.get("criteria", {})
        agent = self.agent()
        return SearchCriteria(
            from_date=parse_date(raw["from_date"]) if raw.get("from_date") else None,
            weekdays=[int(day) for day in raw.get("weekdays", [])] or None,
            parts=list(raw.get("parts", [])) or None,
            agent_id=agent.pk if agent else None,
        )

    def slot(self) -> datetime | None:
        value = self.data.get("slot")
        return parse_datetime(value) if value else None

    def hold_key(self, *, create: bool = False) -> str | None:
        """The key of this flow's held time (issue 25, point 1): one per
        flow, so that a time picked replaces the one picked before."""
        if create and "hold" not in self.data:
            self.update(hold=f"flow:{uuid.uuid4().hex}")
        return self.data.get("hold")

    def held_until(self) -> datetime | None:
        """Until when the time chosen is held, while it still is."""
        value = self.data.get("held_until")
        until = parse_datetime(value) if value else None
        return until if until is not None and until > timezone.now() else None

    def identity(self) -> dict:
        """The details typed, less those the reason chosen does not ask
        (the citizen may have changed the reason since)."""
        identity = dict(self.data.get("identity", {}))
        if identity.get("birth_date"):
            identity["birth_date"] = date.fromisoformat(identity["birth_date"])
        asked = citizen_rules.details_asked(self.service, self.reason())
        for name in citizen_rules.DETAILS:
            if not asked.asks(name):
                identity.pop(name, None)
        if not asked.offers_no_national_number:
            identity.pop("no_national_number", None)
        return identity

    def _identity_complete(self) -> bool:
        identity = self.identity()
        try:
            citizen_rules.check_details(
                citizen_rules.details_asked(self.service, self.reason()),
                national_number=identity.get("national_number", ""),
                birth_date=identity.get("birth_date"),
                address=identity.get("address", ""),
                no_national_number=bool(identity.get("no_national_number")),
            )
        except ValidationError:
            return False
        return True
