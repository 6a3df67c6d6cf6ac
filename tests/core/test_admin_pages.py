"""Every admin page opens for the administrator (issue 2)."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task

from audit.models import AccessRecord
from booking.models import EarlierTimeRequest
from core.models import Commune
from messaging.schedules import install_schedules
from tests.factories import (
    AppointmentFactory,
    AvailabilityExceptionFactory,
    ClosureFactory,
    MembershipFactory,
    MessageFactory,
    SiteFactory,
    TypicalWeekRangeFactory,
)


@pytest.fixture
def one_of_each(db, administrator):
    """At least one row for every model that has an admin."""
    membership = MembershipFactory()
    TypicalWeekRangeFactory(
        typical_week__agent=membership.agent,
        typical_week__service=membership.service,
        typical_week__site=SiteFactory(),
    )
    AvailabilityExceptionFactory(agent=membership.agent)
    ClosureFactory()
    appointment = AppointmentFactory(agent=membership.agent, service=membership.service)
    MessageFactory(appointment=appointment)
    EarlierTimeRequest.objects.create(appointment=appointment)
    install_schedules()
    Commune.objects.get_solo()
    # The record of who looked (issue 23) holds a row once someone looked.
    AccessRecord.objects.create(user=administrator, action=AccessRecord.Action.VIEW)
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
    OrmQ.objects.create(key="rendezvous", payload="x", lock=now)
    AccessRecord.objects.create(username="clerk", action="view", what="citizen #1")


def admin_urls():
    """(name, url builder) for the changelist, add and change page of each model."""
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        yield f"{info[0]}.{info[1]}", model, model_admin


@pytest.mark.parametrize(("label", "model", "model_admin"), list(admin_urls()))
def test_every_admin_page_opens_for_the_administrator(
    client, administrator, one_of_each, label, model, model_admin
):
    client.force_login(administrator)
    app_label, model_name = model._meta.app_label, model._meta.model_name

    changelist = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert changelist.status_code == 200, label

    request = changelist.wsgi_request
    if model_admin.has_add_permission(request):
        # Some "add" pages hand over to the page that does it (appointments go
        # to phone booking): that page must open.
        add = client.get(reverse(f"admin:{app_label}_{model_name}_add"), follow=True)
        assert add.status_code == 200, label

    obj = model_admin.get_queryset(request).first()
    assert obj is not None, f"the fixture made no {label}"
    change = client.get(
        reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk])
    )
    assert change.status_code == 200, label
    if hasattr(model, "history"):
        history = client.get(
            reverse(f"admin:{app_label}_{model_name}_history", args=[obj.pk])
        )
        assert history.status_code == 200, label


def test_dashboard_and_statistics_open(client, administrator, one_of_each):
    client.force_login(administrator)
    assert client.get(reverse("admin:index")).status_code == 200
    response = client.get(reverse("admin:reports_statistics"))
    assert response.status_code == 200
    assert Schedule.objects.exists()
