"""Upgrade (issue 16, point 1): booking 0009 cuts a reason's buffer longer than
the new maximum (MAX_BUFFER_MINUTES) to it, on the release database, and
reverses (the cut stays: nothing to give back) and applies again."""

import gzip
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from booking.models import MAX_BUFFER_MINUTES

from .make_release_db import DATABASE, environment

BASE_DIR = Path(settings.BASE_DIR)


def test_a_longer_buffer_is_cut_to_the_maximum(tmp_path):
    path = tmp_path / "buffers.sqlite3"
    with gzip.open(DATABASE, "rb") as source, path.open("wb") as target:
        shutil.copyfileobj(source, target)
    env = {**os.environ, **environment(f"sqlite:///{path}")}

    def migrate(*target):
        result = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
            [sys.executable, "manage.py", "migrate", "--no-input", *target],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def buffers() -> list[int]:
        db = sqlite3.connect(path)
        try:
            rows = db.execute(
                "SELECT buffer_minutes FROM booking_visitreason ORDER BY id"
            ).fetchall()
        finally:
            db.close()
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
