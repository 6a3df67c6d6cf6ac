"""Closures that repeat every year (issue 24, point 3).

The administrator adds a closure from a preset (the French Community's day,
27 September), repeating every year; each following year is written ahead of
time by the daily job, through the closure consequences: the appointments it
hits are cancelled (or handed over) and the citizens told, as the closure's
page of years ahead showed beforehand.

The clock starts on Monday 4 January 2027, 09:00; the years are 27 September
2027 (a Monday), 2028 (a Wednesday) and 2029 (a Thursday), when the agents of
Population receive from 9:00 to 12:00.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from booking.closure_repeats import closures_repeat, upcoming_years
from booking.models import Appointment
from booking.portal.staffing_admin import PREFIX
from messaging.models import Event, Message
from staffing.closures import PRESETS, occurrence_days, preset, same_day_in_year
from staffing.models import Closure
from staffing.services import closure_occurrences_write
from tests.factories import ClosureFactory, appointment_at, open_agent
from tests.i18n import translated

BRUSSELS = ZoneInfo("Europe/Brussels")
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=BRUSSELS)  # a Monday
WEEKDAYS = (0, 1, 2, 3, 4)
FIRST = date(2027, 9, 27)
TWO_YEARS_AHEAD = date(2029, 9, 27)
PREVIEW = "admin/booking/availability_consequences.html"
Status = Appointment.Status


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def team(agent, population):
    """Two agents of Population, open every weekday 9:00–12:00."""
    open_agent(population, agent, weekdays=WEEKDAYS)
    return open_agent(population, weekdays=WEEKDAYS)


def add_form_data(page) -> dict:
    """What the browser posts back from the add form as the preset filled it."""
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value in (None, False):
            continue
        data[name] = "on" if value is True else str(value)
    return data


def yearly_closure(service=None, **kwargs) -> Closure:
    kwargs.setdefault("label_fr", "Fête de la Fédération Wallonie-Bruxelles")
    kwargs.setdefault("label_nl", "Feest van de Franse Gemeenschap")
    return ClosureFactory(
        service=service,
        start_date=FIRST,
        end_date=FIRST,
        repeats_yearly=True,
        **kwargs,
    )


def test_the_add_form_offers_the_communities_days_and_a_preset_fills_it(
    client, administrator
):
    client.force_login(administrator)
    url = reverse("admin:staffing_closure_add")

    page = client.get(url)
    offered = [item["key"] for item in page.context["closure_presets"]]
    assert offered == [item.key for item in PRESETS]
    html = page.content.decode()
    for label in (
        "Fête de la Communauté flamande",
        "Fête de la Fédération Wallonie-Bruxelles",
        "Fête de la Communauté germanophone",
        "Jour des Morts",
        "Lendemain de Noël",
        "Fête locale",
    ):
        assert label in html

    chosen = client.get(url, {"preset": "french_community"})
    initial = chosen.context["adminform"].form.initial
    assert initial["start_date"] == initial["end_date"] == FIRST
    assert initial["repeats_yearly"] is True
    assert initial["label_fr"] == "Fête de la Fédération Wallonie-Bruxelles"
    assert initial["label_nl"] == "Feest van de Franse Gemeenschap"
    assert initial["label_de"] == "Festtag der Französischen Gemeinschaft"


def test_the_presets_come_back_every_year_on_their_day():
    flemish = preset("flemish_community")
    assert flemish.next_day(date(2027, 7, 11)) == date(2027, 7, 11)
    assert flemish.next_day(date(2027, 7, 12)) == date(2028, 7, 11)
    assert preset("german_speaking_community").next_day(NOW.date()) == date(
        2027, 11, 15
    )
    assert preset("all_souls").next_day(NOW.date()) == date(2027, 11, 2)
    assert preset("boxing_day").next_day(NOW.date()) == date(2027, 12, 26)
    assert preset("local_day").next_day(NOW.date()) is None
    assert preset("nothing") is None


def test_a_year_is_the_same_days_and_29_february_is_the_28th_elsewhere():
    assert same_day_in_year(date(2028, 2, 29), 2029) == date(2029, 2, 28)
    assert same_day_in_year(date(2028, 2, 29), 2032) == date(2032, 2, 29)
    # A closure over the new year ends in the year after.
    assert occurrence_days(date(2027, 12, 24), date(2028, 1, 2), 2029) == (
        date(2029, 12, 24),
        date(2030, 1, 2),
    )


def test_a_yearly_closure_two_years_ahead_previews_then_cancels_and_tells_the_citizen(
    client, administrator, agent, population, team, clock
):
    """The whole story: the preset saved, the appointment two years ahead in
    its preview, each year written by the job in time, the citizen told."""
    client.force_login(administrator)
    url = reverse("admin:staffing_closure_add")
    filled = client.get(url, {"preset": "french_community"})

    saved = client.post(url, add_form_data(filled))

    assert saved.status_code == 302
    series = Closure.objects.get()
    assert (series.start_date, series.repeats_yearly, series.service) == (
        FIRST,
        True,
        None,
    )
    # 2028 starts more than CLOSURE_REPEAT_DAYS_AHEAD (400) days from now.
    assert series.occurrences.count() == 0

    # Staff booked two years ahead (citizens cannot: their horizon is shorter).
    hit = appointment_at(team, population, TWO_YEARS_AHEAD, 10)
    spared = appointment_at(agent, population, date(2029, 9, 28), 10)

    page = client.get(reverse("admin:staffing_closure_years", args=[series.pk]))

    assert page.status_code == 200
    years = page.context["years"]
    assert [year.year for year in years] == [2028, 2029, 2030]
    assert [year.first_day for year in years] == [
        date(2028, 9, 27),
        TWO_YEARS_AHEAD,
        date(2030, 9, 27),
    ]
    assert years[0].plan.changes == [] and years[2].plan.changes == []
    preview = years[1].plan
    assert [change.appointment for change in preview.changes] == [hit]
    # The whole commune is closed: nobody can take it.
    assert [change.appointment for change in preview.cancelled] == [hit]
    assert years[1].written_on == date(2028, 8, 23)
    html = page.content.decode()
    assert str(hit.citizen) in html
    # The preview wrote nothing.
    assert Closure.objects.count() == 1
    assert Appointment.objects.get(pk=hit.pk).status == Status.CONFIRMED

    # The day 2028 comes within 400 days, the job writes it; nothing is hit.
    clock.move_to(datetime(2027, 8, 24, 17, 0, tzinfo=BRUSSELS))
    assert closures_repeat() == {"closures": 1, "reassigned": 0, "cancelled": 0}
    year_2028 = series.occurrences.get()
    assert (year_2028.start_date, year_2028.end_date) == (date(2028, 9, 27),) * 2
    assert year_2028.label_nl == "Feest van de Franse Gemeenschap"
    assert closures_repeat()["closures"] == 0  # once

    # The day 2029 comes within 400 days: written, the appointment cancelled.
    clock.move_to(datetime(2028, 8, 22, 17, 0, tzinfo=BRUSSELS))
    assert closures_repeat()["closures"] == 0  # not yet
    clock.move_to(datetime(2028, 8, 23, 17, 0, tzinfo=BRUSSELS))
    assert closures_repeat() == {"closures": 1, "reassigned": 0, "cancelled": 1}

    assert series.occurrences.filter(start_date=TWO_YEARS_AHEAD).exists()
    hit.refresh_from_db()
    assert hit.status == Status.CANCELLED
    assert hit.cancellation_reason == "Fête de la Fédération Wallonie-Bruxelles"
    assert Appointment.objects.get(pk=spared.pk).status == Status.CONFIRMED
    told = Message.objects.filter(
        appointment=hit, event=Event.CANCELLED_BY_COMMUNE, agent__isnull=True
    )
    assert told.exists()
    assert "Fête de la Fédération Wallonie-Bruxelles" in told.first().body
    assert closures_repeat()["closures"] == 0  # once


def test_writing_the_next_year_now_shows_the_same_preview_first(
    client, administrator, agent, population, team, django_capture_on_commit_callbacks
):
    series = yearly_closure(population)
    hit = appointment_at(agent, population, date(2028, 9, 27), 9)
    client.force_login(administrator)
    url = reverse("admin:staffing_closure_years", args=[series.pk])

    preview = client.post(url, {"write": "2028"})

    assert preview.status_code == 200
    assert preview.templates[0].name == PREVIEW
    assert [change.appointment for change in preview.context["plan"].changes] == [hit]
    assert not series.occurrences.exists()

    form = preview.context["form"]
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url,
            {
                "write": "2028",
                f"{PREFIX}-confirm": "1",
                f"{PREFIX}-ids": form["ids"].value(),
                f"{PREFIX}-note": form["note"].value(),
                f"{PREFIX}-choice": "settle",
            },
        )

    assert done.status_code == 302
    assert series.occurrences.get().start_date == date(2028, 9, 27)
    hit.refresh_from_db()
    assert hit.status == Status.CANCELLED
    assert Message.objects.filter(
        appointment=hit, event=Event.CANCELLED_BY_COMMUNE
    ).exists()
    # The page now begins with 2029.
    series.refresh_from_db()
    assert [year.year for year in upcoming_years(series)] == [2029, 2030, 2031]


def test_saving_a_yearly_closure_writes_the_years_already_due_with_their_preview(
    client, administrator, agent, population, team, clock
):
    """26 December, added on 1 December 2027: 2027 and 2028 are both within
    400 days, so the save writes both, and previews what both hit."""
    clock.move_to(datetime(2027, 12, 1, 9, 0, tzinfo=BRUSSELS))
    hit = appointment_at(agent, population, date(2028, 12, 26), 9)
    client.force_login(administrator)
    url = reverse("admin:staffing_closure_add")
    filled = client.get(url, {"preset": "boxing_day"})

    preview = client.post(url, add_form_data(filled))

    assert preview.templates[0].name == PREVIEW
    assert [change.appointment for change in preview.context["plan"].changes] == [hit]
    assert not Closure.objects.exists()

    done = client.post(
        url,
        {
            **add_form_data(filled),
            f"{PREFIX}-confirm": "1",
            f"{PREFIX}-ids": str(hit.pk),
            f"{PREFIX}-note": "Lendemain de Noël",
            f"{PREFIX}-choice": "settle",
        },
    )

    assert done.status_code == 302
    series = Closure.objects.get(repeat_of__isnull=True)
    assert [row.start_date for row in series.occurrences.all()] == [date(2028, 12, 26)]
    assert Appointment.objects.get(pk=hit.pk).status == Status.CANCELLED


def test_a_year_deleted_stays_deleted_and_no_past_year_is_written(population):
    series = ClosureFactory(
        label_fr="Kermesse",
        start_date=date(2024, 6, 10),
        end_date=date(2024, 6, 11),
        repeats_yearly=True,
    )

    written = closure_occurrences_write(
        series=series, today=NOW.date(), until=date(2028, 2, 1), actor=None
    )

    # 2025 and 2026 are over: only 2027 is written.
    assert [(row.start_date, row.end_date) for row in written] == [
        (date(2027, 6, 10), date(2027, 6, 11))
    ]
    written[0].delete()  # the commune opens that year
    assert (
        closure_occurrences_write(
            series=series, today=NOW.date(), until=date(2028, 2, 1), actor=None
        )
        == []
    )


def test_a_year_of_a_closure_says_which_and_does_not_repeat_itself(
    client, administrator
):
    series = yearly_closure()
    year = ClosureFactory(
        label_fr="Fête de la Fédération Wallonie-Bruxelles",
        start_date=date(2028, 9, 27),
        end_date=date(2028, 9, 27),
        repeat_of=series,
    )
    client.force_login(administrator)

    page = client.get(reverse("admin:staffing_closure_change", args=[year.pk]))

    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "repeats_yearly" not in form.fields
    assert "repeat_of" in page.context["adminform"].readonly_fields
    listed = client.get(reverse("admin:staffing_closure_changelist"))
    assert listed.status_code == 200
    html = listed.content.decode()
    assert translated("every year") in html
    assert (
        translated("a year of %(closure)s")
        % {"closure": "Fête de la Fédération Wallonie-Bruxelles"}
        in html
    )


def test_only_those_who_may_change_the_closure_see_its_years_ahead(
    client, agent, manager, population
):
    series = yearly_closure(population)
    url = reverse("admin:staffing_closure_years", args=[series.pk])

    client.force_login(agent.user)
    assert client.get(url).status_code == 403
    client.force_login(manager.user)
    assert client.get(url).status_code == 200
    commune_wide = yearly_closure()
    refused = client.get(
        reverse("admin:staffing_closure_years", args=[commune_wide.pk])
    )
    assert refused.status_code == 403


def test_a_closure_that_repeats_lasts_less_than_a_year_and_a_year_does_not_repeat(db):
    too_long = Closure(
        label_fr="Travaux",
        start_date=date(2027, 1, 10),
        end_date=date(2028, 1, 10),
        repeats_yearly=True,
    )
    with pytest.raises(ValidationError) as refused:
        too_long.full_clean()
    assert "end_date" in refused.value.message_dict

    series = yearly_closure()
    year = Closure(
        label_fr="Fête",
        start_date=date(2028, 9, 27),
        end_date=date(2028, 9, 27),
        repeat_of=series,
        repeats_yearly=True,
    )
    with pytest.raises(ValidationError) as refused:
        year.full_clean()
    assert "repeats_yearly" in refused.value.message_dict
