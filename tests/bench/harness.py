"""Start Django on a fresh temporary SQLite database, for the benchmarks."""

import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def django_on_temporary_database() -> Path:
    """Point Django at a new SQLite file, migrate it and return its path."""
    sys.path.insert(0, str(ROOT))
    folder = Path(tempfile.mkdtemp(prefix="rdv-bench-"))
    database = folder / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    # The pages measured are the signed-in staff's: no second factor first
    # (it is on by default; the statistics page would answer with a redirect).
    os.environ.setdefault("TWO_FACTOR_REQUIRED", "0")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return database


def machine() -> str:
    """One line naming the machine, to print beside the figures."""
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, SQLite (temporary file)"
    )
