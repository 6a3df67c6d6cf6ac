"""scripts/check_locks.py: production's lock holds no test tool, all is pinned."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = (
    "pyproject.toml",
    "requirements.lock",
    "requirements-dev.lock",
    "scripts/check_locks.py",
)


@pytest.fixture
def project(tmp_path):
    """A copy of the files the check reads, to spoil one at a time."""
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def check(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(project / "scripts" / "check_locks.py")],
        capture_output=True,
        text=True,
        check=False,
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_the_project_locks_pass(project):
    result = check(project)
    assert result.returncode == 0, result.stderr
    assert "no test tool in production" in result.stdout


def test_a_test_tool_in_the_runtime_lock_is_refused(project):
    dev, runtime = project / "requirements-dev.lock", project / "requirements.lock"
    edit(dev, "pytest==", "# pytest==")
    pin = next(line for line in dev.read_text().splitlines() if "pytest==" in line)
    runtime.write_text(runtime.read_text() + pin.removeprefix("# ") + "\n")
    result = check(project)
    assert result.returncode == 1
    assert "requirements.lock: pytest is a test tool" in result.stderr


def test_a_version_range_is_refused_in_any_lock(project):
    edit(project / "requirements-dev.lock", "ruff==", "ruff>=")
    result = check(project)
    assert result.returncode == 1
    assert "requirements-dev.lock" in result.stderr
    assert "not pinned with ==: ruff>=" in result.stderr


def test_a_runtime_dependency_left_to_the_development_lock_is_refused(project):
    """Production would install it unpinned, or not at all."""
    runtime, dev = project / "requirements.lock", project / "requirements-dev.lock"
    pin = next(line for line in runtime.read_text().splitlines() if "tzdata==" in line)
    edit(runtime, pin + "\n", "")
    dev.write_text(dev.read_text() + pin + "\n")
    result = check(project)
    assert result.returncode == 1
    assert "requirements.lock: tzdata is needed but not pinned" in result.stderr
    assert "requirements-dev.lock: tzdata is pinned but nothing needs it" in (
        result.stderr
    )


def test_pyproject_must_accept_the_pinned_version(project):
    edit(project / "pyproject.toml", '"icalendar>=7.3,<8"', '"icalendar>=8"')
    result = check(project)
    assert result.returncode == 1
    assert "icalendar>=8 refuses icalendar==" in result.stderr
