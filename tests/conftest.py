"""Fixtures shared by every test: users in each role, with their services.

Also the suite's clock option (``--clock`` / ``TEST_CLOCK``, see tests/clock.py)
and a fast password hasher: the real one costs 0.3 s per user created.
"""

import os

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import translation

from core.roles import ADMINISTRATOR, AGENT, SERVICE_MANAGER
from staffing.models import Membership

from .clock import parse_instant
from .factories import AgentFactory, MembershipFactory, ServiceFactory, UserFactory
from .two_factor import VerifiedClient


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        default=os.environ.get("TEST_CLOCK", ""),
        help="run with the clock moved to this ISO instant, Brussels time when "
        "naive (e.g. 2027-03-28T03:30); it keeps ticking from there",
    )


def pytest_configure(config):
    instant = config.getoption("--clock")
    if instant:
        traveller = time_machine.travel(parse_instant(instant), tick=True)
        traveller.start()
        config.stash[_CLOCK] = traveller


def pytest_unconfigure(config):
    traveller = config.stash.get(_CLOCK, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    instant = config.getoption("--clock")
    return f"clock moved to {parse_instant(instant).isoformat()}" if instant else None


_CLOCK = pytest.StashKey[time_machine.travel]()


@pytest.fixture
def client():
    """pytest-django's client, whose ``force_login`` also passes the second
    factor that administrators and managers need, and which says it shows
    pages in a tab of its own (tests/two_factor.py)."""
    return VerifiedClient()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _commune_language():
    """A request sent in another language (Accept-Language) leaves that language
    active in the thread: the next test starts in the commune's again."""
    yield
    translation.deactivate()


@pytest.fixture
def instant_visitor(settings):
    """A visitor of the public pages who confirms at once, under fresh rate limits.

    The confirm step refuses a form posted sooner than BOOKING_MIN_CONFIRM_SECONDS
    after it was shown (the anti-bot delay): tests post at once. The rate-limit
    counters live in the process-wide cache: the test starts, and leaves, them
    at zero.
    """
    settings.BOOKING_MIN_CONFIRM_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def administrator(db):
    user = UserFactory(username="administrator", is_superuser=True)
    user.groups.add(Group.objects.get(name=ADMINISTRATOR))
    return user


@pytest.fixture
def population(db):
    return ServiceFactory(name="Population", slug="population")


@pytest.fixture
def foreigners(db):
    return ServiceFactory(name="Étrangers", slug="etrangers")


@pytest.fixture
def agent(population):
    """An agent of the Population service."""
    agent = AgentFactory(user__username="agent-population", user__groups=[AGENT])
    MembershipFactory(agent=agent, service=population)
    return agent


@pytest.fixture
def manager(population):
    """The manager of the Population service."""
    agent = AgentFactory(
        user__username="manager-population", user__groups=[SERVICE_MANAGER]
    )
    MembershipFactory(agent=agent, service=population, role=Membership.Role.MANAGER)
    return agent
