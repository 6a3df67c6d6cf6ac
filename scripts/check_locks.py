"""Check the lock files: production gets no test tool, every version is exact.

Run by ``make check-locks`` (which ``make test`` and ``.ci/run`` call), with
the project's environment where both locks are installed:

1. every requirement of every ``requirements*.lock`` is ``name==version``
   (no range, no URL, no ``-r``), each name once;
2. the runtime lock (``requirements.lock``, what production installs) holds no
   test or development tool, and shares no package with the development lock
   (``requirements-dev.lock``);
3. pyproject.toml agrees: each of ``[project].dependencies`` is in the runtime
   lock, each of ``[project.optional-dependencies].dev`` in the development
   lock, at a version its range accepts;
4. from the installed packages' metadata: the runtime lock is exactly
   ``[project].dependencies`` with their dependencies (nothing missing, which
   pip would fetch unpinned in production; nothing more), and the development
   lock exactly what the ``dev`` extra adds to it; the installed versions are
   the locked ones.

Exits 1 with one line per problem.
"""

import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"

# Never in production, whatever pyproject.toml says (canonical names).
TEST_TOOLS = frozenset(
    {
        "factory-boy",
        "faker",
        "grimp",
        "hypothesis",
        "ics",
        "import-linter",
        "playwright",
        "pytest",
        "recurring-ical-events",
        "ruff",
        "schemathesis",
        "time-machine",
    }
)
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)$")


def read_lock(path: Path, problems: list[str]) -> dict[str, str]:
    """Canonical name -> pinned version of one lock; pin errors go to problems."""
    pins: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        match = _PIN.match(line)
        if match is None:
            problems.append(f"{path.name}:{number}: not pinned with ==: {line}")
            continue
        name = canonicalize_name(match[1])
        if name in pins:
            problems.append(f"{path.name}:{number}: {name} is pinned twice")
        pins[name] = match[2]
    return pins


def is_test_tool(name: str) -> bool:
    return name in TEST_TOOLS or name.startswith(("pytest-", "hypothesis-"))


def check_pyproject(
    runtime: dict[str, str], dev: dict[str, str], problems: list[str]
) -> tuple[list[Requirement], list[Requirement]]:
    """Ranges of pyproject.toml against the pins; return its two root lists."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    roots = [Requirement(text) for text in project["dependencies"]]
    dev_roots = [Requirement(text) for text in project["optional-dependencies"]["dev"]]
    for requirements, pins, lock in (
        (roots, runtime, RUNTIME_LOCK),
        (dev_roots, dev, DEV_LOCK),
    ):
        for requirement in requirements:
            name = canonicalize_name(requirement.name)
            if name not in pins:
                problems.append(f"pyproject.toml: {requirement} is not in {lock.name}")
            elif not requirement.specifier.contains(pins[name], prereleases=True):
                problems.append(
                    f"pyproject.toml: {requirement} refuses {name}=={pins[name]} "
                    f"of {lock.name}"
                )
    for requirement in roots:
        if is_test_tool(canonicalize_name(requirement.name)):
            problems.append(f"pyproject.toml: {requirement.name} is a test tool")
    return roots, dev_roots


def closure(roots: list[Requirement], problems: list[str]) -> dict[str, str]:
    """Canonical name -> installed version of ``roots`` and all they need."""
    found: dict[str, set[str]] = {}
    versions: dict[str, str] = {}
    pending = [(root, "pyproject.toml") for root in roots]
    while pending:
        requirement, needed_by = pending.pop()
        name = canonicalize_name(requirement.name)
        extras = set(requirement.extras)
        if name in found and extras <= found[name]:
            continue
        try:
            dist = distribution(requirement.name)
        except PackageNotFoundError:
            problems.append(f"{name} (needed by {needed_by}) is not installed")
            continue
        found[name] = found.get(name, set()) | extras
        versions[name] = dist.version
        for text in dist.requires or []:
            needed = Requirement(text)
            if needed.marker is None or any(
                needed.marker.evaluate({"extra": extra})
                for extra in ("", *sorted(found[name]))
            ):
                pending.append((needed, name))
    return versions


def check_installed(
    runtime: dict[str, str],
    dev: dict[str, str],
    roots: list[Requirement],
    dev_roots: list[Requirement],
    problems: list[str],
) -> None:
    """The locks are the dependency closures of pyproject.toml, as installed."""
    needed = closure(roots, problems)
    needed_in_dev = {
        name: version
        for name, version in closure(roots + dev_roots, problems).items()
        if name not in needed
    }
    for pins, wanted, lock in (
        (runtime, needed, RUNTIME_LOCK),
        (dev, needed_in_dev, DEV_LOCK),
    ):
        for name in sorted(wanted.keys() - pins.keys()):
            problems.append(f"{lock.name}: {name} is needed but not pinned")
        for name in sorted(pins.keys() - wanted.keys()):
            problems.append(f"{lock.name}: {name} is pinned but nothing needs it")
        for name in sorted(pins.keys() & wanted.keys()):
            if pins[name] != wanted[name]:
                problems.append(
                    f"{lock.name}: {name}=={pins[name]} but {wanted[name]} is installed"
                )


def main() -> int:
    problems: list[str] = []
    locks = {
        path: read_lock(path, problems) for path in ROOT.glob("requirements*.lock")
    }
    runtime, dev = locks[RUNTIME_LOCK], locks[DEV_LOCK]
    for name in sorted(runtime):
        if is_test_tool(name):
            problems.append(f"{RUNTIME_LOCK.name}: {name} is a test tool")
    for name in sorted(runtime.keys() & dev.keys()):
        problems.append(f"{name} is in both {RUNTIME_LOCK.name} and {DEV_LOCK.name}")
    roots, dev_roots = check_pyproject(runtime, dev, problems)
    if not problems:
        check_installed(runtime, dev, roots, dev_roots, problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(
        f"locks: {len(runtime)} runtime packages, {len(dev)} development ones, "
        "all pinned, no test tool in production"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
