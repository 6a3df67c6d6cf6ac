"""Run every benchmark (tests/bench/bench_*.py) in its own process: `make bench`.

Benchmarks print figures; they are not tests and CI does not run them. Each
one builds its own temporary SQLite database, so the development data is safe.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def main() -> int:
    """Run each benchmark script in turn; return non-zero if one failed."""
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {script.stem} ===", flush=True)
        result = subprocess.run(  # noqa: S603 - our own scripts
            [sys.executable, str(script)], cwd=ROOT, check=False
        )
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
