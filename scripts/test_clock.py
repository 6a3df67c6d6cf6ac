"""Run the non-browser suite with the clock moved to each instant of tests/clock.py.

    python scripts/test_clock.py                     # every instant, one run each
    python scripts/test_clock.py --ci                # one, by the day of the year
    python scripts/test_clock.py -- -x tests/booking  # extra pytest arguments
    python scripts/test_clock.py --ci --first-on postgres://…/test

With --ci, the day of the year picks one instant, so that every instant is
covered within as many days of CI runs as there are instants (CI kept under
20 minutes: issue 25's tests made each run of the suite longer).
``--first-on DATABASE_URL`` runs the first chosen instant on that database
(CI's PostgreSQL run is also its moved clock: one run of the suite fewer).
Exits non-zero when any run fails, after all ran.
"""

import argparse
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.clock import instants  # noqa: E402


def main() -> int:
    """Run pytest once per chosen instant; return the number of failed runs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ci", action="store_true", help="one instant only")
    parser.add_argument(
        "--first-on", metavar="DATABASE_URL", help="the first instant on this database"
    )
    parser.add_argument("pytest_args", nargs="*", help="passed on to pytest")
    options = parser.parse_args()

    now = datetime.now(UTC)
    chosen = instants(now)
    if options.ci:
        day = now.timetuple().tm_yday % len(chosen)
        chosen = chosen[day : day + 1]

    failed = []
    for index, (label, instant) in enumerate(chosen):
        environment = dict(os.environ)
        if index == 0 and options.first_on:
            environment["DATABASE_URL"] = options.first_on
        database = environment.get("DATABASE_URL", "SQLite").partition(":")[0]
        print(f"== the suite at {instant} ({label}) on {database} ==", flush=True)
        command = [
            sys.executable, "-m", "pytest", "-q", "-n", "auto", "-m", "not e2e",
            f"--clock={instant}", "-p", "no:cacheprovider", *options.pytest_args,
        ]  # fmt: skip
        run = subprocess.run(command, cwd=ROOT, env=environment, check=False)  # noqa: S603
        if run.returncode:
            failed.append(f"{instant} ({label}) on {database}")
    if failed:
        print("failed at: " + ", ".join(failed))
    return len(failed)


if __name__ == "__main__":
    sys.exit(main())
