"""Upgrade (issue 25, point 2): on the release database, messaging 0010 ships
the "earlier time offered" texts (e-mail and SMS, four languages) and its
channel rule; back to 0009 they go, forward they come again. booking's
migration adds the waiting list's tables, empty."""

import importlib
import sqlite3
from functools import partial

from messaging.defaults import DEFAULT_TEMPLATES

from .release import copy_release, read
from .release import migrate as migrate_database


def test_the_earlier_time_texts_are_shipped_and_reverse(tmp_path):
    path = copy_release(tmp_path / "earlier.sqlite3")
    migrate = partial(migrate_database, path)

    def shipped() -> set[tuple[str, str]]:
        return set(
            read(
                path,
                "SELECT channel, language FROM messaging_messagetemplate "
                "WHERE event = 'earlier_offered'",
            )
        )

    def rule() -> list[tuple[str]]:
        return read(
            path,
            "SELECT channels FROM messaging_channelrule "
            "WHERE event = 'earlier_offered'",
        )

    migrate()
    every = {
        (channel, language)
        for channel in ("email", "sms")
        for language in ("fr", "nl", "de", "en")
    }
    assert shipped() == every
    assert rule() == [("both",)]
    assert read(path, "SELECT COUNT(*) FROM booking_earliertimerequest") == [(0,)]
    assert read(path, "SELECT COUNT(*) FROM booking_earliertimeoffer") == [(0,)]
    migrate("messaging", "0009")
    assert shipped() == set()
    assert rule() == []
    migrate()
    assert shipped() == every


def test_the_offers_sms_shipped_first_becomes_one_segment_unless_edited(tmp_path):
    """messaging 0012: a database that ran 0011 before holds the offer's SMS
    that repeated the current date (two segments with a long commune name)."""
    offer_sms = importlib.import_module(
        "messaging.migrations.0012_where_and_how_many"
    ).OFFER_SMS
    path = copy_release(tmp_path / "offer-sms.sqlite3")
    migrate = partial(migrate_database, path)
    migrate("messaging", "0011")
    edited = offer_sms["nl"][0].replace("vroeger", "eerder")
    db = sqlite3.connect(path)
    try:
        with db:  # committed: the texts as 0011 first shipped them
            for language, (first, _now) in offer_sms.items():
                db.execute(
                    "UPDATE messaging_messagetemplate SET body = ? WHERE event ="
                    " 'earlier_offered' AND channel = 'sms' AND language = ?",
                    (edited if language == "nl" else first, language),
                )
    finally:
        db.close()

    def texts() -> dict[str, str]:
        return dict(
            read(
                path,
                "SELECT language, body FROM messaging_messagetemplate"
                " WHERE event = 'earlier_offered' AND channel = 'sms'",
            )
        )

    migrate()
    now = texts()
    for language in ("fr", "de", "en"):
        shipped = DEFAULT_TEMPLATES["earlier_offered", "sms", language]
        assert now[language] == shipped.body
        assert "appointment.short_date" not in now[language]
    assert now["nl"] == edited
    migrate("messaging", "0011")
    assert texts()["fr"] == offer_sms["fr"][0]
