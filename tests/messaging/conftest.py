"""Fixtures of the messaging tests: a bookable service, clean outboxes."""

from datetime import date, time

import pytest
import time_machine

from booking.services import appointment_book
from messaging.models import ChannelRule
from messaging.sms import LocmemBackend
from tests.factories import (
    CitizenFactory,
    ServiceFactory,
    VisitReasonFactory,
    local,
    open_agent,
)

TUESDAY = date(2027, 1, 5)
NOW = local(date(2027, 1, 4), 9)
INFORMATION = "Apportez votre ancienne carte d'identité et 25 €."


@pytest.fixture(autouse=True)
def clock():
    """Monday 4 January 2027, 09:00, ticking: the day before the bookable Tuesday.

    Services get ``now=NOW`` too, but links, reminders and templates read the
    clock themselves: every clock must agree.
    """
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def sms_outbox():
    """The SMS the locmem backend received during the test."""
    LocmemBackend.outbox.clear()
    yield LocmemBackend.outbox
    LocmemBackend.outbox.clear()


@pytest.fixture
def service(db):
    return ServiceFactory(
        name="Population",
        slug="population-msg",
        slot_minutes=15,
        min_notice_hours=2,
        phone="02 123 45 67",
        address="Place communale 1\n1000 Bruxelles",
    )


@pytest.fixture
def desk_agent(service):
    return open_agent(service, start=time(13), end=time(16))


@pytest.fixture
def reason(service):
    return VisitReasonFactory(
        service=service,
        name="Carte d'identité",
        duration_minutes=15,
        message_information=INFORMATION,
    )


@pytest.fixture
def citizen(db):
    return CitizenFactory(
        first_name="Anna",
        last_name="Peeters",
        email="anna@example.be",
        phone="+32470123456",
        language="nl",
    )


@pytest.fixture
def rules(db):
    """Set the channels of events: ``rules(booked="sms", ...)``."""

    def set_rules(**channels):
        for event, value in channels.items():
            ChannelRule.objects.filter(event=event).update(channels=value)

    return set_rules


@pytest.fixture
def book(service, reason, citizen, desk_agent, django_capture_on_commit_callbacks):
    """Book through booking's service, running what waits for the commit."""

    def book_one(start=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return appointment_book(
                service=service,
                reason=kwargs.pop("reason", reason),
                start=start or local(TUESDAY, 13),
                citizen=kwargs.pop("citizen", citizen),
                now=NOW,
                **kwargs,
            )

    return book_one


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a callable and then its on-commit callbacks (the sends)."""

    def run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return run
