"""Test settings: the portal's own settings, with everything on disk kept apart.

With DATABASE_URL and CELERY_BROKER_URL set, the tests run on PostgreSQL and
Redis; otherwise on SQLite and the filesystem transport in a temporary folder.
Under CI both must be set: a missing service fails the run, it is not skipped.
"""

import os
import tempfile

if os.environ.get("CI"):
    missing = [name for name in ("DATABASE_URL", "CELERY_BROKER_URL") if not os.environ.get(name)]
    if missing:
        raise RuntimeError(f"CI is set but {', '.join(missing)} is not: the tests need the real services")

os.environ["PORTAL_VAR_DIR"] = tempfile.mkdtemp(prefix="portal-tests-")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789abcdefghijklmnop")

from portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SITE_URL = "http://testserver"
# Serve static files from the source folders, as runserver does (no collectstatic).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The test client and the live server speak plain HTTP; the production redirect
# and HSTS are tested on a real server in tests/portal/test_deploy.py.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
# Many tests share one address within a minute; tests of the limit set their own.
RATE_LIMIT_PER_MINUTE = 0

# On SQLite, test on a file as `make run` does, not in shared-cache memory: the
# threads of the race tests, the live server and the worker then wait for the
# write lock (busy timeout) instead of failing on shared-cache table locks.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
# The in-process test worker's thread must not keep database connections past a test: Celery
# closes them around each task, as without connection reuse.
CELERY_DB_REUSE_MAX = None
