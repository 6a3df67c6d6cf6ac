"""Fixtures shared by every test: users in each role, with their services."""

import pytest
from django.contrib.auth.models import Group

from core.roles import ADMINISTRATOR, AGENT, SERVICE_MANAGER
from staffing.models import Membership

from .factories import AgentFactory, MembershipFactory, ServiceFactory, UserFactory


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
