"""Upgrade (issue 25, point 4): staffing 0009 gives each service of the
release database one site, named after it, at its address, its main site and
the site of each of its typical weeks; booking 0015 puts every appointment at
its service's site. Both reverse (the sites go) and apply again. messaging
0012 makes the e-mails give the site's address instead of the service's and
say how many people come, in the texts the commune kept and around the words
it wrote."""

import sqlite3
from functools import partial

from messaging.defaults import DEFAULT_TEMPLATES

from .release import copy_release, read
from .release import migrate as migrate_database

CITIZEN_MAILS = ("booked", "pending", "confirmed", "moved", "reassigned", "reminder")
AGENT_MAILS = ("agent_new", "agent_cancelled", "agent_request_late")


def test_each_service_gets_one_site_and_its_weeks_and_appointments_are_there(
    tmp_path,
):
    path = copy_release(tmp_path / "sites.sqlite3")
    migrate = partial(migrate_database, path)
    services = read(path, "SELECT id, name, address FROM staffing_service ORDER BY id")
    assert services
    weeks = read(path, "SELECT COUNT(*) FROM staffing_typicalweek")[0][0]
    appointments = read(path, "SELECT COUNT(*) FROM booking_appointment")[0][0]
    assert weeks and appointments

    def check() -> None:
        sites = read(
            path,
            "SELECT s.id, s.name, s.address, s.name_fr, v.id"
            " FROM staffing_site s JOIN staffing_service v ON v.main_site_id = s.id"
            " ORDER BY v.id",
        )
        assert [(name, address) for _id, name, address, _fr, _service in sites] == [
            (name, address) for _id, name, address in services
        ]
        assert read(path, "SELECT COUNT(*) FROM staffing_site")[0][0] == len(services)
        assert all(name_fr for _id, _name, _address, name_fr, _service in sites)
        # Every week and every appointment at its service's site.
        assert read(
            path,
            "SELECT COUNT(*) FROM staffing_typicalweek w"
            " JOIN staffing_service v ON v.id = w.service_id"
            " WHERE w.site_id = v.main_site_id",
        ) == [(weeks,)]
        assert read(
            path,
            "SELECT COUNT(*) FROM booking_appointment a"
            " JOIN staffing_service v ON v.id = a.service_id"
            " WHERE a.site_id = v.main_site_id",
        ) == [(appointments,)]

    migrate()
    check()

    migrate("booking", "0011")
    migrate("staffing", "0008")
    columns = {row[1] for row in read(path, "PRAGMA table_info(staffing_typicalweek)")}
    assert "site_id" not in columns
    assert not read(path, "SELECT name FROM sqlite_master WHERE name = 'staffing_site'")

    migrate()
    check()


def _mails(path) -> dict[tuple[str, str], str]:
    """The e-mails that give the appointment's details, by (event, language)."""
    rows = read(
        path,
        "SELECT event, language, body FROM messaging_messagetemplate"
        " WHERE channel = 'email'",
    )
    return {
        (event, language): body
        for event, language, body in rows
        if event in CITIZEN_MAILS + AGENT_MAILS
    }


def _write(path, event: str, language: str, body: str) -> None:
    db = sqlite3.connect(path)
    try:
        with db:  # committed
            db.execute(
                "UPDATE messaging_messagetemplate SET body = ? WHERE event = ?"
                " AND channel = 'email' AND language = ?",
                (body, event, language),
            )
    finally:
        db.close()


def test_the_mails_say_where_and_how_many_around_the_communes_words(tmp_path):
    path = copy_release(tmp_path / "mails.sqlite3")
    migrate = partial(migrate_database, path)
    migrate("messaging", "0011")
    before = _mails(path)
    assert len(before) == len(CITIZEN_MAILS + AGENT_MAILS) * 4
    # (The unanswered request's e-mail came after the release: messaging 0006
    # wrote it with the texts shipped now.)
    assert not any(
        "{{ site." in body
        for (event, _language), body in before.items()
        if event != "agent_request_late"
    )
    assert all(
        "{{ service.address }}" in body
        for (event, _language), body in before.items()
        if event in CITIZEN_MAILS
    )
    assert "appointment.people" not in before["reminder", "de"]
    # The commune wrote its own greeting in one, its own address line in another.
    greeting = before["confirmed", "fr"].replace("Bonjour", "Chère, cher")
    _write(path, "confirmed", "fr", greeting)
    own_line = before["booked", "nl"].replace(
        "Adres: {{ service.address }}", "Adres: Markt 1, ingang B"
    )
    assert own_line != before["booked", "nl"]
    _write(path, "booked", "nl", own_line)

    migrate()
    after = _mails(path)
    # The texts kept as shipped are now the ones a new database gets.
    for (event, language), body in after.items():
        if (event, language) not in {("confirmed", "fr"), ("booked", "nl")}:
            assert body == DEFAULT_TEMPLATES[event, "email", language].body
    assert after["confirmed", "fr"].startswith("Chère, cher")
    assert "{{ site.address }}" in after["confirmed", "fr"]
    assert "{{ service.address }}" not in after["confirmed", "fr"]
    assert after["booked", "nl"] == own_line
    assert "  Personen: {{ appointment.people }}\n" in after["reminder", "de"]
    assert "{{ site.address }}" in after["agent_new", "en"]

    # Back: the service's line again, the lines added gone, the commune's
    # words still there (the unanswered request's e-mail, written with the
    # texts shipped now, loses its added lines too).
    migrate("messaging", "0011")
    back = _mails(path)
    assert "{{ site." not in back["agent_request_late", "fr"]
    assert {key: body for key, body in back.items() if key[0] in CITIZEN_MAILS} == {
        **{key: body for key, body in before.items() if key[0] in CITIZEN_MAILS},
        ("confirmed", "fr"): greeting,
        ("booked", "nl"): own_line,
    }
    assert back["agent_new", "nl"] == before["agent_new", "nl"]
