"""Upgrade (issue 16, point 1): booking 0009 cuts a reason's buffer longer than
the new maximum (MAX_BUFFER_MINUTES) to it, on the release database, and
reverses (the cut stays: nothing to give back) and applies again."""

import sqlite3
from functools import partial

from booking.models import MAX_BUFFER_MINUTES

from .release import copy_release, read
from .release import migrate as migrate_database


def test_a_longer_buffer_is_cut_to_the_maximum(tmp_path):
    path = copy_release(tmp_path / "buffers.sqlite3")
    migrate = partial(migrate_database, path)

    def buffers() -> list[int]:
        rows = read(path, "SELECT buffer_minutes FROM booking_visitreason ORDER BY id")
        return [buffer for (buffer,) in rows]

    db = sqlite3.connect(path)
    with db:
        first = db.execute("SELECT MIN(id) FROM booking_visitreason").fetchone()[0]
        db.execute(
            "UPDATE booking_visitreason SET buffer_minutes = 300 WHERE id = ?",
            (first,),
        )
    db.close()
    before = buffers()
    assert 300 in before
    migrate()
    expected = [min(buffer, MAX_BUFFER_MINUTES) for buffer in before]
    assert buffers() == expected
    migrate("booking", "0008")
    assert buffers() == expected
    migrate()
    assert buffers() == expected
