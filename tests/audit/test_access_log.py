"""The record of who looked (issue 23, point 4): every staff view of a citizen,
search by national number and export of citizens' data is recorded, kept for
ACCESS_LOG_RETENTION_MONTHS, and read by the data protection officer, who
sees nothing else."""

import json
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessRecord
from booking.privacy import privacy_sweep
from core.roles import DATA_PROTECTION_OFFICER
from tests.factories import (
    AppointmentFactory,
    CitizenFactory,
    ServiceFactory,
    UserFactory,
)

NATIONAL_NUMBER = "85073003328"
Action = AccessRecord.Action


@pytest.fixture
def dpo(db):
    return UserFactory(username="dpo", groups=[DATA_PROTECTION_OFFICER])


@pytest.fixture
def citizen(db):
    service = ServiceFactory(name="Population", slug="population-nn")
    service.requires_national_number = True
    service.save()
    citizen = CitizenFactory(
        last_name="Dupont", first_name="Marie", national_number=NATIONAL_NUMBER
    )
    AppointmentFactory(service=service, citizen=citizen)
    return citizen


def test_a_national_number_search_appears_in_the_dpos_record(
    client, administrator, dpo, citizen
):
    client.force_login(administrator)
    listed = client.get(
        reverse("admin:booking_citizen_changelist"), {"q": "85.07.30-033.28"}
    )
    assert [row.pk for row in listed.context["cl"].result_list] == [citizen.pk]

    (record,) = AccessRecord.objects.all()
    assert (record.username, record.action, record.query) == (
        "administrator",
        Action.SEARCH,
        NATIONAL_NUMBER,
    )
    client.force_login(dpo)
    page = client.get(reverse("admin:audit_accessrecord_changelist"))
    assert page.status_code == 200
    assert [row.pk for row in page.context["cl"].result_list] == [record.pk]
    assert NATIONAL_NUMBER in page.content.decode()


def test_a_name_search_is_not_a_national_number_search(client, administrator, citizen):
    client.force_login(administrator)
    client.get(reverse("admin:booking_citizen_changelist"), {"q": "Dupont"})
    client.get(reverse("admin:booking_citizen_changelist"), {"q": "12345678901"})
    assert not AccessRecord.objects.exists()


def test_the_phone_search_by_national_number_is_recorded(client, administrator, db):
    client.force_login(administrator)
    client.get(reverse("admin:portal_phone_citizens"), {"q": NATIONAL_NUMBER})
    (record,) = AccessRecord.objects.all()
    assert record.action == Action.SEARCH and record.query == NATIONAL_NUMBER


def test_the_phone_pages_own_search_without_script_is_recorded(
    client, administrator, citizen
):
    """Without JavaScript the phone page searches itself (POST action=search)
    and lists what it found: recorded as the list's search is. Once a citizen
    is chosen the page hides the results: the next steps record nothing more."""
    client.force_login(administrator)
    page = client.post(
        reverse("admin:portal_phone"), {"action": "search", "q": "85.07.30-033.28"}
    )
    assert [match.citizen.pk for match in page.context["matches"]] == [citizen.pk]
    (record,) = AccessRecord.objects.all()
    assert (record.username, record.action, record.query) == (
        "administrator",
        Action.SEARCH,
        NATIONAL_NUMBER,
    )
    client.post(
        reverse("admin:portal_phone"),
        {"action": "slots", "q": NATIONAL_NUMBER, "citizen": str(citizen.pk)},
    )
    client.post(reverse("admin:portal_phone"), {"action": "search", "q": "Dupont"})
    assert AccessRecord.objects.count() == 1


def test_opening_a_citizens_page_or_history_is_recorded(client, administrator, citizen):
    client.force_login(administrator)
    client.get(reverse("admin:booking_citizen_change", args=[citizen.pk]))
    client.get(reverse("admin:booking_citizen_history", args=[citizen.pk]))
    records = AccessRecord.objects.order_by("pk")
    assert [(r.action, r.citizen_id, r.username) for r in records] == [
        (Action.VIEW, citizen.pk, "administrator"),
        (Action.VIEW, citizen.pk, "administrator"),
    ]
    assert records[0].path == reverse("admin:booking_citizen_change", args=[citizen.pk])


def test_opening_an_appointments_page_is_a_view_of_its_citizen(
    client, administrator, citizen
):
    appointment = citizen.appointments.get()
    client.force_login(administrator)
    client.get(reverse("admin:booking_appointment_change", args=[appointment.pk]))
    (record,) = AccessRecord.objects.all()
    assert (record.action, record.citizen_id) == (Action.VIEW, citizen.pk)
    assert record.what == f"appointment #{appointment.pk}"


def test_a_refused_citizen_page_records_nothing(client, agent, citizen):
    client.force_login(agent.user)  # not in the citizen's service
    client.get(reverse("admin:booking_citizen_change", args=[citizen.pk]))
    assert not AccessRecord.objects.exists()


def test_exporting_a_citizens_data_asks_why_and_records_it(
    client, administrator, citizen
):
    client.force_login(administrator)
    url = reverse("admin:booking_citizen_export_data", args=[citizen.pk])
    form = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert form.status_code == 200
    assert 'name="reason"' in form.content.decode()
    assert not AccessRecord.objects.exists()

    assert client.post(url, {"reason": ""}).status_code == 400
    exported = client.post(url, {"reason": "Access request of 3 May (art. 15)"})

    assert exported["Content-Type"].startswith("application/json")
    assert json.loads(exported.content)["citizen"]["id"] == citizen.pk
    (record,) = AccessRecord.objects.all()
    assert (record.action, record.citizen_id, record.reason) == (
        Action.EXPORT,
        citizen.pk,
        "Access request of 3 May (art. 15)",
    )


def test_the_citizens_spreadsheet_export_asks_why_and_records_it(
    client, administrator, citizen
):
    client.force_login(administrator)
    url = reverse("admin:booking_citizen_export")
    page = client.get(url)
    assert 'name="reason"' in page.content.decode()
    missing = client.post(url, {"format": "0", "resource": "0"})
    assert missing.status_code == 200 and not AccessRecord.objects.exists()

    done = client.post(
        url, {"format": "0", "resource": "0", "reason": "Yearly check of the register"}
    )

    assert done.status_code == 200 and "attachment" in done["Content-Disposition"]
    (record,) = AccessRecord.objects.all()
    assert record.action == Action.EXPORT
    assert record.reason == "Yearly check of the register"
    assert "1 rows" in record.what


def test_the_dpo_sees_the_record_and_nothing_else(client, dpo, citizen):
    group = Group.objects.get(name=DATA_PROTECTION_OFFICER)
    assert {p.codename for p in group.permissions.all()} == {"view_accessrecord"}
    client.force_login(dpo)

    for model in admin.site._registry:
        url = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        )
        expected = 200 if model is AccessRecord else 403
        assert client.get(url).status_code == expected, url
    for name in (
        "portal_agenda",
        "portal_phone",
        "messaging_inbox",
        "reports_statistics",
    ):
        assert client.get(reverse(f"admin:{name}")).status_code == 403, name

    request = RequestFactory().get("/admin/")
    request.user = dpo
    links = [
        str(item["link"])
        for group in admin.site.get_sidebar_list(request)
        for item in group["items"]
        if item["has_permission"]
    ]
    assert links == ["/admin/", "/admin/audit/accessrecord/"]
    home = client.get(reverse("admin:index")).content.decode()
    assert "Dupont" not in home


def test_the_dpo_exports_the_record(client, dpo):
    AccessRecord.objects.create(
        username="clerk", action=Action.VIEW, what="citizen #7", citizen_id=7
    )
    client.force_login(dpo)
    csv = client.post(
        reverse("admin:audit_accessrecord_export"), {"format": "0", "resource": "0"}
    )
    assert csv.status_code == 200
    assert "clerk" in csv.content.decode() and "citizen #7" in csv.content.decode()


def test_nobody_writes_or_deletes_a_record(client, administrator):
    record = AccessRecord.objects.create(
        username="clerk", action=Action.VIEW, what="citizen #7"
    )
    client.force_login(administrator)
    assert client.get(reverse("admin:audit_accessrecord_add")).status_code == 403
    delete = reverse("admin:audit_accessrecord_delete", args=[record.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AccessRecord.objects.filter(pk=record.pk).exists()


def test_the_retention_sweep_deletes_old_records(db, settings):
    settings.ACCESS_LOG_RETENTION_MONTHS = 12
    now = timezone.now()
    old = AccessRecord.objects.create(
        username="clerk", action=Action.VIEW, what="x", at=now - timedelta(days=400)
    )
    recent = AccessRecord.objects.create(
        username="clerk", action=Action.VIEW, what="y", at=now - timedelta(days=300)
    )

    counts = privacy_sweep(now=now)

    assert counts["access_records_deleted"] == 1
    assert not AccessRecord.objects.filter(pk=old.pk).exists()
    assert AccessRecord.objects.filter(pk=recent.pk).exists()
