"""Settings come from the environment and are safe in production (issue 2)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k8Jv2-production-like-secret-key-with-enough-entropy-9fQ3xLmN0pR",
    "ALLOWED_HOSTS": "rendez-vous.commune.example",
    "DATABASE_URL": "sqlite://:memory:",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.commune.example:587",
}


def manage(*args: str, **environment: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process with only the given variables set."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(ROOT))}
    env.update(environment)
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_nothing_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    environment = {**PRODUCTION, "SECRET_KEY": ""}
    result = manage("check", **environment)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_database_url_and_redis_url_configure_database_broker_and_cache():
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE']);"
        "print(s.Q_CLUSTER.get('redis'), s.Q_CLUSTER.get('orm'));"
        "print(s.CACHES['default']['BACKEND'])"
    )
    result = manage(
        "shell",
        "-c",
        code,
        **{
            **PRODUCTION,
            "DATABASE_URL": "postgres://rdv:pw@db.example:5432/rdv",
            "REDIS_URL": "redis://127.0.0.1:6379/1",
        },
    )
    assert result.returncode == 0, result.stderr
    assert "django.db.backends.postgresql" in result.stdout
    assert "redis://127.0.0.1:6379/1 None" in result.stdout
    assert "RedisCache" in result.stdout


def test_sqlite_uses_immediate_transactions_and_wal():
    from django.conf import settings as live_settings

    options = live_settings.DATABASES["default"].get("OPTIONS", {})
    if live_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        assert options["transaction_mode"] == "IMMEDIATE"
        assert "journal_mode=WAL" in options["init_command"]
    else:
        assert "transaction_mode" not in options
    assert live_settings.TIME_ZONE == "Europe/Brussels"
    assert [code for code, _name in live_settings.LANGUAGES] == ["fr", "nl", "de", "en"]


def test_the_settings_import_no_app_and_spell_out_the_email_url():
    """Settings are read before the apps load: they name the sidebar and the
    callbacks by dotted path instead of importing them (core/navigation.py)."""
    code = (
        "import sys, core.settings as s;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('booking', 'staffing', 'messaging', 'reports', 'unfold')"
        " or m in ('core.navigation', 'django.urls', 'django.db.models')));"
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)"
    )
    result = subprocess.run(  # noqa: S603 - our own settings
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    imported, email = result.stdout.splitlines()
    assert imported == "[]"
    assert (
        email
        == "django.core.mail.backends.smtp.EmailBackend smtp.commune.example 587 True"
    )
