"""Database connections are kept between a web process's requests, and checked before reuse.

The worker's own reuse is measured by `manage.py bench_drain` with real worker processes."""

from django.conf import settings


def test_it_keeps_connections_for_a_while_and_checks_them_before_reuse():
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 60
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
