"""Upgrade (issue 25, point 3): booking 0014 lets a reason take several
people in one visit and an appointment say how many come; messaging 0010
adds the number to the booked e-mail. On the release database every
appointment counts one person, every reason offers no choice, the booked
e-mails the commune never edited get the new text (an edited one keeps its
own words), and both migrations reverse and apply again."""

import importlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from .release import copy_release, migrate, read


@pytest.fixture(scope="module")
def release_copy(tmp_path_factory) -> Path:
    return copy_release(tmp_path_factory.mktemp("group-visits") / "release.sqlite3")


def _columns(path: Path, table: str) -> set[str]:
    return {row[1] for row in read(path, f"PRAGMA table_info({table})")}


def _booked_mails(path: Path) -> dict[str, str]:
    return dict(
        read(
            path,
            "SELECT language, body FROM messaging_messagetemplate "
            "WHERE event = 'booked' AND channel = 'email'",
        )
    )


def test_appointments_of_the_release_count_one_person(release_copy):
    [(total,)] = read(release_copy, "SELECT COUNT(*) FROM booking_appointment")
    assert total > 0
    migrate(release_copy)
    assert read(
        release_copy, "SELECT people, COUNT(*) FROM booking_appointment GROUP BY people"
    ) == [(1, total)]
    assert read(
        release_copy,
        "SELECT DISTINCT max_people, minutes_per_extra_person FROM booking_visitreason",
    ) == [(1, 0)]


def test_the_booked_mail_says_how_many_come_unless_edited(release_copy, tmp_path):
    group_visits = importlib.import_module("messaging.migrations.0010_group_visits")
    shipped_with_people = {
        language: bodies[1] for language, bodies in group_visits.BODIES.items()
    }
    path = shutil.copyfile(release_copy, tmp_path / "mails.sqlite3")
    migrate(path, "messaging", "0009")
    before = _booked_mails(path)
    assert "appointment.people" not in before["fr"]
    edited = before["nl"].replace("Beste", "Goedendag")
    db = sqlite3.connect(path)
    try:
        with db:  # committed
            db.execute(
                "UPDATE messaging_messagetemplate SET body = ? WHERE event = "
                "'booked' AND channel = 'email' AND language = 'nl'",
                (edited,),
            )
    finally:
        db.close()
    migrate(path, "messaging", "0010")
    after = _booked_mails(path)
    # The text this migration ships, frozen in it (the site's address came
    # after, with messaging 0012: tests/upgrade/test_sites.py).
    for language in ("fr", "de", "en"):
        assert after[language] == shipped_with_people[language]
    assert "{% if appointment.people > 1 %}  Personnes : " in after["fr"]
    assert after["nl"] == edited
    # Backwards, the text shipped before comes back.
    migrate(path, "messaging", "0009")
    assert _booked_mails(path)["fr"] == before["fr"]


def test_the_group_visits_migration_reverses_and_applies_again(release_copy):
    migrate(release_copy)
    assert "people" in _columns(release_copy, "booking_appointment")
    assert "max_people" in _columns(release_copy, "booking_visitreason")
    migrate(release_copy, "booking", "0011")
    assert "people" not in _columns(release_copy, "booking_appointment")
    assert "people" not in _columns(release_copy, "booking_historicalappointment")
    assert "minutes_per_extra_person" not in _columns(
        release_copy, "booking_visitreason"
    )
    migrate(release_copy)
    assert read(release_copy, "SELECT DISTINCT people FROM booking_appointment") == [
        (1,)
    ]
