"""What the upgrade tests share: a copy of the previous release's database,
``manage.py migrate`` run on it in a subprocess as a deployment would, and
plain reads of it (no Django connection: the schema is the file's own)."""

import gzip
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from .make_release_db import DATABASE, environment

BASE_DIR = Path(settings.BASE_DIR)


def copy_release(path: Path) -> Path:
    """The release database (gzipped in the repository), written at ``path``."""
    with gzip.open(DATABASE, "rb") as source, path.open("wb") as target:
        shutil.copyfileobj(source, target)
    return path


def migrate(path: Path, *target: str) -> None:
    """``manage.py migrate [app migration]`` on the database at ``path``."""
    result = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "manage.py", "migrate", "--no-input", *target],
        cwd=BASE_DIR,
        env={**os.environ, **environment(f"sqlite:///{path}")},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def read(path: Path, query: str, parameters: tuple = ()) -> list[tuple]:
    """The rows of ``query`` on the database at ``path``."""
    db = sqlite3.connect(path)
    try:
        return db.execute(query, parameters).fetchall()
    finally:
        db.close()
