import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]


def load_settings(tmp_path, **env: str) -> subprocess.CompletedProcess:
    """Import the production settings module in a fresh process with this environment."""
    ours = ("DATABASE_URL", "CELERY_BROKER_URL", "CI", "SECRET_KEY", "DEBUG", "EMAIL_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    clean.update({"PORTAL_VAR_DIR": str(tmp_path), **env})
    code = "import portal.settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_it_reads_booleans_strictly(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)


def test_it_reads_integers_strictly(monkeypatch):
    monkeypatch.setenv("X_NUMBER", "12")
    assert env_int("X_NUMBER", 1) == 12
    monkeypatch.setenv("X_NUMBER", "twelve")
    with pytest.raises(ImproperlyConfigured, match="X_NUMBER"):
        env_int("X_NUMBER", 1)
    monkeypatch.setenv("X_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("X_NUMBER", 5, minimum=1)


def test_it_splits_lists(monkeypatch):
    monkeypatch.setenv("X_HOSTS", "a.example, b.example,,")
    assert env_list("X_HOSTS") == ["a.example", "b.example"]


def test_it_runs_on_the_embedded_default(tmp_path):
    result = load_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://localhost//"]
    assert (tmp_path / "secret_key").exists()


def test_it_reads_production_services(tmp_path):
    result = load_settings(
        tmp_path,
        DATABASE_URL="postgres://u@db.example:5432/portal",
        CELERY_BROKER_URL="redis://cache.example:6379/0",
        SECRET_KEY="k" * 40,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "redis://cache.example:6379/0"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "postgres://u@db/portal"}, "SECRET_KEY must be set"),
        ({"DATABASE_URL": "nosuchdb://x", "SECRET_KEY": "k" * 40}, "DATABASE_URL"),
        ({"CELERY_BROKER_URL": "kafka://x"}, "CELERY_BROKER_URL"),
        ({"DEBUG": "perhaps"}, "DEBUG"),
        ({"SECRET_KEY": "short"}, "at least 32 characters"),
        ({"EMAIL_HOST": "smtp.example", "EMAIL_PORT": "smtp"}, "EMAIL_PORT"),
        ({"CACHE_URL": "memcached://cache:11211"}, "CACHE_URL"),
        ({"RATE_LIMIT_PER_MINUTE": "lots"}, "RATE_LIMIT_PER_MINUTE"),
        ({"HSTS_SECONDS": "a year"}, "HSTS_SECONDS"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
    ],
)
def test_it_fails_loudly_on_bad_values(tmp_path, env, message):
    result = load_settings(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_it_reads_strings_and_names_a_missing_one(monkeypatch):
    monkeypatch.setenv("X_NAME", "The clinic")
    assert env_str("X_NAME") == "The clinic"
    monkeypatch.delenv("X_NAME")
    assert env_str("X_NAME", "fallback") == "fallback"
    assert env_str("X_NAME", "") == ""
    with pytest.raises(ImproperlyConfigured, match="^X_NAME must be set$"):
        env_str("X_NAME")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[(raw, True) for raw in ("1", " TRUE ", "yes", "On")],
        *[(raw, False) for raw in ("0", "false", "NO", "off", "")],
    ],
)
def test_it_reads_every_spelling_of_a_boolean(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG", not expected) is expected


def test_it_uses_the_default_when_a_boolean_or_integer_is_unset(monkeypatch):
    monkeypatch.delenv("X_FLAG", raising=False)
    monkeypatch.delenv("X_NUMBER", raising=False)
    assert env_bool("X_FLAG", True) is True
    assert env_bool("X_FLAG", False) is False
    assert env_int("X_NUMBER", 7) == 7


def test_it_names_the_variable_and_the_value_it_cannot_use(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured) as caught:
        env_bool("X_FLAG", False)
    assert str(caught.value) == "X_FLAG must be a boolean (1/0, true/false), not 'maybe'"
    monkeypatch.setenv("X_NUMBER", "twelve")
    with pytest.raises(ImproperlyConfigured) as caught:
        env_int("X_NUMBER", 1)
    assert str(caught.value) == "X_NUMBER must be an integer, not 'twelve'"
    monkeypatch.setenv("X_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured) as caught:
        env_int("X_NUMBER", 5, minimum=1)
    assert str(caught.value) == "X_NUMBER must be at least 1, not 0"


def test_it_accepts_the_minimum_itself_and_zero_by_default(monkeypatch):
    monkeypatch.setenv("X_NUMBER", "1")
    assert env_int("X_NUMBER", 5, minimum=1) == 1
    monkeypatch.setenv("X_NUMBER", "0")
    assert env_int("X_NUMBER", 5) == 0
    monkeypatch.setenv("X_NUMBER", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("X_NUMBER", 5)


def test_it_splits_the_default_list_too(monkeypatch):
    monkeypatch.delenv("X_HOSTS", raising=False)
    assert env_list("X_HOSTS") == []
    assert env_list("X_HOSTS", "a.example,b.example") == ["a.example", "b.example"]
