"""Upgrade (issue 20, point 3): booking 0011 lets each visit reason say which
of the citizen's details it asks. On the release database every reason asks
exactly what its service asked before (the release's Étrangers requires the
national register number: so do its reasons), no appointment is marked as
missing a number, and the migration reverses and applies again."""

from pathlib import Path

import pytest

from .release import copy_release, migrate, read

DETAILS = ("national_number", "birth_date", "address")


@pytest.fixture(scope="module")
def release_copy(tmp_path_factory) -> Path:
    return copy_release(tmp_path_factory.mktemp("reason-details") / "release.sqlite3")


def _columns(path: Path, table: str) -> set[str]:
    return {row[1] for row in read(path, f"PRAGMA table_info({table})")}


def test_every_reason_asks_what_its_service_asked(release_copy):
    """What the release asked, per reason (from its services' settings), is
    what this code asks after the migration, through the one rule."""
    before = {
        reason: dict(zip(DETAILS, flags, strict=True))
        for reason, *flags in read(
            release_copy,
            "SELECT r.id, s.requires_national_number, s.requires_birth_date, "
            "s.requires_address FROM booking_visitreason r "
            "JOIN staffing_service s ON s.id = r.service_id",
        )
    }
    assert any(flags["national_number"] for flags in before.values())
    migrate(release_copy)

    from booking import citizen_rules

    rows = read(
        release_copy,
        "SELECT r.id, r.national_number_rule, r.birth_date_rule, r.address_rule, "
        "r.no_national_number_allowed, s.requires_national_number, "
        "s.requires_birth_date, s.requires_address FROM booking_visitreason r "
        "JOIN staffing_service s ON s.id = r.service_id",
    )
    assert {row[0] for row in rows} == set(before)
    for pk, nn_rule, birth_rule, address_rule, allowed, *flags in rows:
        service = type("Service", (), dict(zip(
            [f"requires_{name}" for name in DETAILS], map(bool, flags), strict=True
        )))  # fmt: skip
        reason = type("Reason", (), {
            "national_number_rule": nn_rule,
            "birth_date_rule": birth_rule,
            "address_rule": address_rule,
            "no_national_number_allowed": bool(allowed),
        })  # fmt: skip
        asked = citizen_rules.details_asked(service, reason)
        assert {name: asked.requires(name) for name in DETAILS} == {
            name: bool(flag) for name, flag in before[pk].items()
        }, pk
        assert asked.asked == asked.required  # nothing optional before
        assert not asked.offers_no_national_number
    assert read(
        release_copy,
        "SELECT COUNT(*) FROM booking_appointment WHERE no_national_number",
    ) == [(0,)]


def test_the_reason_details_migration_reverses_and_applies_again(release_copy):
    migrate(release_copy)
    assert "national_number_rule" in _columns(release_copy, "booking_visitreason")
    assert "no_national_number" in _columns(release_copy, "booking_appointment")
    migrate(release_copy, "booking", "0009")
    assert "national_number_rule" not in _columns(release_copy, "booking_visitreason")
    assert "no_national_number" not in _columns(release_copy, "booking_appointment")
    assert "national_number_rule" not in _columns(
        release_copy, "booking_historicalvisitreason"
    )
    migrate(release_copy)
    assert {
        row[0]
        for row in read(
            release_copy, "SELECT national_number_rule FROM booking_visitreason"
        )
    } == {""}
