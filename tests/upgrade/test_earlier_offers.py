"""Upgrade (issue 25, point 2): on the release database, messaging 0010 ships
the "earlier time offered" texts (e-mail and SMS, four languages) and its
channel rule; back to 0009 they go, forward they come again. booking's
migration adds the waiting list's tables, empty."""

from functools import partial

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
