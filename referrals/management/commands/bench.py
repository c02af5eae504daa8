"""bench: the portal's speed, each measure beside its baseline in the same run, one line per measure.

    engine: <routes/s> routes/s; JSON floor <n>/s; ratio <engine time / floor time>
    intake POST: <req/s> req/s; bare view <n> req/s; ratio <portal / bare>
    admin list: p95 <ms> ms at <N> cases; p95 <ms> ms at <n> cases; ratio <N / n>

A script reads these lines: their wording is fixed. Anything else goes to stderr.

- Engine: `parse_intake` + `suggest_route` on a seeded mix of intakes, against
  the floor of the `suggest_route` command's own work (loading and dumping
  each intake's JSON), best of a few rounds in this process (see bench_routes).
- Intake POST: the review page's POST, which saves the case through the same
  view (the intake wizard's revalidation of every step, then intake_submit)
  as a patient's does. Each simulated patient first walks the intake over
  HTTP with a session of its own (screen, every step the portal asks for, the
  review page); only the review POSTs are timed, because that is the request
  that writes, and walking the other pages in the timing would measure page
  rendering, not the intake path. The baseline is a bare Django view doing one
  INSERT (portal.bench_bare), behind the same middleware, on the same database
  and the same gunicorn settings (2 sync workers, 20 connections in flight).
  The rate limit stays on (set so high it never refuses), as it counts in production.
- Admin list: the triage queue's first page (the default order, no filter),
  loaded by a signed-in clinician over 20 connections, p95 of the page's
  latency at the small size, then at the large one; the cases are added in
  bulk with the same rows an intake makes (cases_build).

It runs against a database of its own, made and migrated at the start and
dropped at the end (next to DATABASE_URL's, on the same server; SQLite under
a temporary folder when DATABASE_URL is unset), starts and stops its own
gunicorn on free loopback ports, and sends Celery messages to a queue of its
own on CELERY_BROKER_URL, deleted at the end. No worker runs: the reminder
rows are written, and nothing is emailed.
"""

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group, User
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, connections, transaction
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from intake.models import Case, Reminder
from intake.reminders import reminders_for_new_case
from intake.roles import CLINICIAN
from portal import loadgen
from portal.bench_bare import TABLE_SQL
from referrals.engine import suggest_route
from referrals.intakes import parse_intake
from referrals.management.commands.bench_routes import best_time, mixed_intakes
from referrals.models import Referral, Route, RouteStep, route_referral_rows, route_row, route_step_rows
from referrals.rulebook import get_rulebook

CONCURRENCY = 20
WORKERS = 2
CHUNK = 2000
QUEUE_PATH = "/admin/intake/case/"
MEASURES = ("engine", "intake", "admin")


def cases_build(count: int, *, seed: int, now: datetime, first: int = 0) -> None:
    """Add `count` cases in bulk, each with the rows intake_submit writes for it.

    The case (as intake_submit fills it), its route and steps and suggested
    referrals (the rows referrals.models.route_record stores) and its reminders
    (from intake.reminders); only the audit log's creation entries are left out.
    """
    book = get_rulebook()
    intakes = mixed_intakes(count, seed)
    for start in range(0, count, CHUNK):
        pairs = []
        for number, data in enumerate(intakes[start : start + CHUNK], start=first + start):
            intake = parse_intake(data)
            route = suggest_route(intake, book)
            case = Case(
                name=f"Bench Patient {number}",
                email=f"patient.{number}@bench.example",
                phone="",
                consented_at=now,
                answers=intake.as_dict(),
                urgency=route["urgency"],
            )
            pairs.append((case, route))
        with transaction.atomic():
            Case.objects.bulk_create([case for case, _route in pairs])
            routes = Route.objects.bulk_create(route_row(case=case, route=route) for case, route in pairs)
            RouteStep.objects.bulk_create(
                row
                for stored, (_case, route) in zip(routes, pairs, strict=True)
                for row in route_step_rows(stored=stored, route=route)
            )
            Referral.objects.bulk_create(
                row for case, route in pairs for row in route_referral_rows(case=case, route=route)
            )
            Reminder.objects.bulk_create(
                reminder for case, _route in pairs for reminder in reminders_for_new_case(case, now=now)
            )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(config: dict[str, Any]) -> str:
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    user = quote(config.get("USER") or "", safe="")
    password = quote(config.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"postgres://{auth}{config.get('HOST') or ''}{port}/{config['NAME']}"


@contextlib.contextmanager
def bench_database(folder: Path) -> Iterator[str]:
    """A fresh, migrated database of the run's own, dropped at the end; yields its URL."""
    old_name = connection.settings_dict["NAME"]
    test = connection.settings_dict.setdefault("TEST", {})
    saved_test_name = test.get("NAME")
    own_name = f"{old_name}_bench_{os.getpid()}"
    test["NAME"] = str(folder / "bench.sqlite3") if connection.vendor == "sqlite" else own_name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with connection.cursor() as cursor:
            cursor.execute(TABLE_SQL[connection.vendor])
        yield database_url(connection.settings_dict)
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        test["NAME"] = saved_test_name


def server_env(url: str, folder: Path, queue: str, **extra: str) -> dict[str, str]:
    """The environment of the servers under test: production settings, on loopback, over plain HTTP."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.bench_settings",
        "DATABASE_URL": url,
        "SECRET_KEY": settings.SECRET_KEY,
        "PORTAL_VAR_DIR": str(folder / "var"),
        "STATIC_ROOT": str(folder / "static"),
        "BENCH_QUEUE": queue,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


@contextlib.contextmanager
def gunicorn(env: dict[str, str], folder: Path, *, workers: int = WORKERS) -> Iterator[int]:
    """The portal's gunicorn (its production config) with sync workers on a free loopback port."""
    port = free_port()
    log = open(folder / f"gunicorn-{port}.log", "wb")  # noqa: SIM115 (closed below, after the server)
    command = [
        sys.executable, "-m", "gunicorn", "-c", "portal/gunicorn.conf.py",
        "--workers", str(workers), "--worker-class", "sync", "--bind", f"127.0.0.1:{port}",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {log.name}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start within a minute")
            time.sleep(0.2)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def collect_static(env: dict[str, str]) -> None:
    """The static files as production serves them (hashed names, a manifest), into the run's folder."""
    command = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
    subprocess.run(command, cwd=settings.BASE_DIR, env=env, check=True)


def queue_delete(queue: str) -> None:
    """Drop the run's Celery queue (Redis), with what it holds; the filesystem one goes with the folder."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    if url.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(url)
        # The queue's list and kombu's binding sets, all named after the queue.
        names = [queue, *client.scan_iter(match=f"_kombu.binding*.{queue}")]
        client.delete(*names)
        client.close()


def staff_cookies(count: int) -> list[dict[str, str]]:
    """Signed-in sessions (password and second factor done) of one clinician, one per connection."""
    user = User.objects.create_user("bench-clinician", "bench@clinic.example", is_staff=True)
    user.groups.add(Group.objects.get(name=CLINICIAN))
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    backend = next(b for b in settings.AUTHENTICATION_BACKENDS if b.endswith("ModelBackend"))
    cookies = []
    for _ in range(count):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.create()
        cookies.append({settings.SESSION_COOKIE_NAME: session.session_key})
    return cookies


def analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would gather them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


class Command(BaseCommand):
    help = "Measure the engine, the intake POST and the triage queue, each against its baseline."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--engine-count", type=int, default=5000, help="intakes in the engine's mix")
        parser.add_argument("--rounds", type=int, default=5, help="engine: best of this many rounds")
        parser.add_argument("--intakes", type=int, default=300, help="timed review POSTs")
        parser.add_argument("--bare", type=int, default=1500, help="timed requests to the bare view")
        parser.add_argument("--cases", type=int, default=100_000, help="cases for the large queue")
        parser.add_argument("--small", type=int, default=1000, help="cases for the small queue")
        parser.add_argument("--pages", type=int, default=200, help="timed page loads at each size")
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument(
            "--only",
            choices=MEASURES,
            action="append",
            help="measure only this (repeat for more); all three by default",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Stopped from outside, it still stops its servers and drops its database.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        only = set(options["only"] or MEASURES)
        if "engine" in only:
            self.stdout.write(self.engine_line(options["engine_count"], options["rounds"], options["seed"]))
        if not only & {"intake", "admin"}:
            return
        folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
        queue = f"bench-{os.getpid()}"
        try:
            with bench_database(folder) as url:
                env = server_env(url, folder, queue, RATE_LIMIT_PER_MINUTE="100000000")
                collect_static(env)
                if "intake" in only:
                    self.stdout.write(self.intake_line(env, folder, options))
                if "admin" in only:
                    self.stdout.write(self.admin_line(env, folder, options))
        finally:
            queue_delete(queue)
            shutil.rmtree(folder, ignore_errors=True)

    def note(self, text: str) -> None:
        self.stderr.write(text)

    def engine_line(self, count: int, rounds: int, seed: int) -> str:
        book = get_rulebook()
        import json

        texts = [json.dumps(intake) for intake in mixed_intakes(count, seed)]
        loaded = [json.loads(text) for text in texts]

        def floor() -> None:
            for text in texts:
                json.dumps(json.loads(text))

        def engine() -> None:
            for data in loaded:
                suggest_route(parse_intake(data), book)

        engine()
        floor_seconds, engine_seconds = best_time(floor, rounds), best_time(engine, rounds)
        return (
            f"engine: {count / engine_seconds:.0f} routes/s; JSON floor {count / floor_seconds:.0f}/s; "
            f"ratio {engine_seconds / floor_seconds:.2f}"
        )

    def intake_line(self, env: dict[str, str], folder: Path, options: dict[str, Any]) -> str:
        count, seed = options["intakes"], options["seed"]
        with gunicorn({**env, "BENCH_BARE": "1"}, folder) as port:
            bare = asyncio.run(self._bare(port, options["bare"]))
        with gunicorn(env, folder) as port:
            portal = asyncio.run(self._intakes(port, count, seed))
        self.note(
            f"intake POST: {portal.requests} review POSTs, {portal.failures} failed, "
            f"p50 {portal.percentile(0.5) * 1000:.1f} ms, p95 {portal.percentile(0.95) * 1000:.1f} ms; "
            f"bare view: {bare.requests} requests, {bare.failures} failed, "
            f"p95 {bare.percentile(0.95) * 1000:.1f} ms"
        )
        if portal.failures or bare.failures:
            self.note("intake POST: some requests failed; the rates count them")
        return (
            f"intake POST: {portal.per_second:.0f} req/s; bare view {bare.per_second:.0f} req/s; "
            f"ratio {portal.per_second / bare.per_second:.2f}"
        )

    async def _bare(self, port: int, count: int) -> loadgen.Rate:
        def job() -> Any:
            return loadgen.http_request("127.0.0.1", port, "POST", "/bare/", headers={}, body=b"")

        def ok(response: loadgen.Response) -> bool:
            return response.status == 200

        await loadgen.timed([job] * min(count, 100), CONCURRENCY, ok)  # warm up
        return await loadgen.timed([job] * count, CONCURRENCY, ok)

    async def _intakes(self, port: int, count: int, seed: int) -> loadgen.Rate:
        browsers = [loadgen.Browser("127.0.0.1", port) for _ in range(count)]
        walks = []
        for number, (browser, answers) in enumerate(zip(browsers, mixed_intakes(count, seed), strict=True)):
            contact = {"name": f"Bench Patient {number}", "email": f"patient.{number}@bench.example"}
            walks.append(partial(loadgen.patient_to_review, browser, loadgen.step_fields(answers, contact)))
        walked = await loadgen.run_pool(walks, CONCURRENCY)
        ready = [browser for browser, result in zip(browsers, walked, strict=True) if result is None]
        if len(ready) < count:
            self.note(f"intake POST: {count - len(ready)} simulated patients did not reach the review")

        def ok(response: loadgen.Response) -> bool:
            return response.status == 302 and response.location.startswith("/status/")

        return await loadgen.timed([partial(loadgen.patient_submit, b) for b in ready], CONCURRENCY, ok)

    def admin_line(self, env: dict[str, str], folder: Path, options: dict[str, Any]) -> str:
        small, large, pages, seed = options["small"], options["cases"], options["pages"], options["seed"]
        now = timezone.now()
        cookies = staff_cookies(CONCURRENCY)
        # The intake POSTs' cases count: the queue holds exactly `small`, then `large` cases.
        cases_build(max(small - Case.objects.count(), 0), seed=seed, now=now)
        analyze()
        at_small = self._pages(env, folder, cookies, pages)
        started = time.perf_counter()
        cases_build(max(large - Case.objects.count(), 0), seed=seed + 1, now=now, first=small)
        analyze()
        seconds = time.perf_counter() - started
        self.note(f"admin list: {Case.objects.count()} cases after {seconds:.0f} s of adding")
        at_large = self._pages(env, folder, cookies, pages)
        for size, rate in ((small, at_small), (large, at_large)):
            self.note(
                f"admin list at {size} cases: {rate.requests} pages, {rate.failures} failed, "
                f"{rate.per_second:.0f} pages/s, p50 {rate.percentile(0.5) * 1000:.1f} ms"
            )
        p95_large, p95_small = at_large.percentile(0.95) * 1000, at_small.percentile(0.95) * 1000
        return (
            f"admin list: p95 {p95_large:.1f} ms at {large} cases; p95 {p95_small:.1f} ms at {small} cases; "
            f"ratio {p95_large / p95_small:.2f}"
        )

    def _pages(self, env: dict[str, str], folder: Path, cookies: list[dict[str, str]], pages: int):
        def ok(response: loadgen.Response) -> bool:
            return response.status == 200 and b"Triage queue" in response.body

        async def run(port: int) -> loadgen.Rate:
            browsers = [loadgen.Browser("127.0.0.1", port, cookies=dict(c)) for c in cookies]
            jobs = [partial(browsers[n % len(browsers)].get, QUEUE_PATH) for n in range(pages)]
            await loadgen.timed(jobs[: max(len(jobs) // 5, CONCURRENCY)], CONCURRENCY, ok)  # warm up
            return await loadgen.timed(jobs, CONCURRENCY, ok)

        with gunicorn(env, folder) as port:
            return asyncio.run(run(port))
