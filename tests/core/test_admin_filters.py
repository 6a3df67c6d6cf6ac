"""The admin's date range filters: Belgian dates, whole local days, clear errors.

Each list gets four rows around one day: the day before at 23:59, the day at
00:00 and at 23:59, and the day after at 00:00 (Brussels time). Filtering on
that one day must show exactly the two rows of the day, in every language.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from messaging.models import Message
from tests.factories import AppointmentFactory, CitizenFactory, local
from tests.i18n import translated

THURSDAY = date(2026, 12, 3)
SPRING_FORWARD = date(2027, 3, 28)  # the last Sunday of March: a 23-hour day
FALL_BACK = date(2027, 10, 31)  # the last Sunday of October: a 25-hour day

# (language, the day as its speakers type it)
TYPED = {
    "fr": "{d:%d/%m/%Y}",
    "nl": "{d:%d-%m-%Y}",
    "de": "{d:%d.%m.%Y}",
    "en": "{d:%d/%m/%Y}",
}


def around(day: date) -> dict[str, datetime]:
    """Four instants named by where they fall, in the commune's time zone."""
    return {
        "Zzbefore": local(day - timedelta(days=1), 23, 59),
        "Zzmidnight": local(day, 0, 0),
        "Zzevening": local(day, 23, 59),
        "Zzafter": local(day + timedelta(days=1), 0, 0),
    }


@pytest.fixture
def appointments_around(population, agent):
    def make(day: date):
        for name, start in around(day).items():
            AppointmentFactory(
                service=population,
                agent=agent,
                start=start,
                # One minute each: one agent, and PostgreSQL forbids overlaps.
                end=start + timedelta(minutes=1),
                citizen=CitizenFactory(last_name=name),
            )

    return make


@pytest.fixture
def messages_around(population):
    def make(day: date):
        appointment = AppointmentFactory(service=population)
        for name, moment in around(day).items():
            message = Message.objects.create(
                appointment=appointment,
                event="booked",
                channel="email",
                recipient=f"{name.lower()}@example.be",
                language="fr",
                subject="RDV",
                body="Bonjour",
            )
            Message.objects.filter(pk=message.pk).update(created_at=moment)

    return make


def listed(client, url_name, field, first, last, *, language="fr"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(reverse(url_name), {f"{field}_from": first, f"{field}_to": last})


def shown(response) -> set[str]:
    page = response.content.decode().lower()
    return {
        name
        for name in ("zzbefore", "zzmidnight", "zzevening", "zzafter")
        if name in page
    }


@pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
@pytest.mark.parametrize("day", [THURSDAY, SPRING_FORWARD, FALL_BACK])
def test_the_appointment_list_shows_the_whole_typed_day_and_only_it(
    client, administrator, appointments_around, language, day
):
    appointments_around(day)
    client.force_login(administrator)
    typed = TYPED[language].format(d=day)

    response = listed(
        client, "admin:booking_appointment_changelist", "start", typed, typed,
        language=language,
    )  # fmt: skip

    assert response.status_code == 200
    assert shown(response) == {"zzmidnight", "zzevening"}


@pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
@pytest.mark.parametrize("day", [THURSDAY, SPRING_FORWARD])
def test_the_message_list_shows_the_whole_typed_day_and_only_it(
    client, administrator, messages_around, language, day
):
    messages_around(day)
    client.force_login(administrator)
    typed = TYPED[language].format(d=day)

    response = listed(
        client, "admin:messaging_message_changelist", "created_at", typed, typed,
        language=language,
    )  # fmt: skip

    assert response.status_code == 200
    assert shown(response) == {"zzmidnight", "zzevening"}


def test_the_twelfth_of_december_is_not_read_as_the_third_of_december(
    client, administrator, appointments_around
):
    """03/12 is 3 December, not 12 March: the first days of a month were misread."""
    appointments_around(date(2026, 3, 12))
    client.force_login(administrator)

    response = listed(
        client, "admin:booking_appointment_changelist", "start",
        "03/12/2026", "03/12/2026",
    )  # fmt: skip

    assert shown(response) == set()


@pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
def test_an_iso_date_is_accepted_in_every_language(
    client, administrator, appointments_around, language
):
    appointments_around(THURSDAY)
    client.force_login(administrator)

    response = listed(
        client, "admin:booking_appointment_changelist", "start",
        "2026-12-03", "2026-12-03", language=language,
    )  # fmt: skip

    assert shown(response) == {"zzmidnight", "zzevening"}


def test_an_open_ended_range_keeps_everything_from_its_first_day(
    client, administrator, appointments_around
):
    appointments_around(THURSDAY)
    client.force_login(administrator)

    response = listed(
        client, "admin:booking_appointment_changelist", "start", "03/12/2026", ""
    )

    assert shown(response) == {"zzmidnight", "zzevening", "zzafter"}


@pytest.mark.parametrize("language", ["fr", "nl", "de", "en"])
@pytest.mark.parametrize(
    "url_name, field",
    [
        ("admin:booking_appointment_changelist", "start"),
        ("admin:messaging_message_changelist", "created_at"),
    ],
)
def test_an_unreadable_date_shows_an_error_and_no_rows(
    client, administrator, appointments_around, messages_around, language,
    url_name, field,
):  # fmt: skip
    appointments_around(THURSDAY)
    messages_around(THURSDAY)
    client.force_login(administrator)

    response = listed(
        client, url_name, field, "31/31/2026", "03/12/2026", language=language
    )

    assert response.status_code == 200
    page = response.content.decode()
    error = translated("Enter a valid date.", language=language)
    assert error.replace("'", "&#x27;") in page
    assert shown(response) == set()


def test_a_reversed_range_shows_an_error_and_no_rows(
    client, administrator, appointments_around
):
    appointments_around(THURSDAY)
    client.force_login(administrator)

    response = listed(
        client, "admin:booking_appointment_changelist", "start",
        "04/12/2026", "02/12/2026",
    )  # fmt: skip

    assert translated("The end date is before the start date.") in (
        response.content.decode()
    )
    assert shown(response) == set()


@pytest.mark.parametrize(
    "url_name, field, typed, kept",
    [
        ("admin:staffing_typicalweek_changelist", "valid_from", "05/01/2026", 1),
        ("admin:staffing_closure_changelist", "start_date", "14/09/2026", 1),
    ],
)
def test_date_fields_are_filtered_on_the_typed_days_included(
    client, administrator, url_name, field, typed, kept
):
    from tests.factories import ClosureFactory, TypicalWeekFactory

    TypicalWeekFactory(valid_from=date(2026, 1, 5), label="Semaine gardée")
    TypicalWeekFactory(valid_from=date(2026, 1, 6), label="Semaine écartée")
    ClosureFactory(start_date=date(2026, 9, 14), end_date=date(2026, 9, 14))
    ClosureFactory(
        label="Autre fermeture",
        start_date=date(2026, 9, 15),
        end_date=date(2026, 9, 15),
    )
    client.force_login(administrator)

    response = listed(client, url_name, field, typed, typed)

    assert response.status_code == 200
    assert response.context["cl"].result_count == kept


def test_local_midnight_is_the_start_of_a_23_hour_day():
    from core.admin_filters import local_midnight

    start = local_midnight(SPRING_FORWARD)
    end = local_midnight(SPRING_FORWARD + timedelta(days=1))

    assert start.time() == time(0)
    # Aware datetimes of one zone subtract as wall clocks: compare in UTC.
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)
