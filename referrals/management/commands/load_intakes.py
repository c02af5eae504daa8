"""load_intakes: many patients sending intakes at once through gunicorn, then a check of what was saved.

Each simulated patient (portal.loadgen) walks the whole intake over HTTP with
a session of its own: the emergency screen, every step the portal asks for,
the review, the review's POST and the status page it is sent to; then the
next patient starts, until the time is up. All come from one loopback
address, so the run raises RATE_LIMIT_PER_MINUTE for its own server only.

Afterwards every patient who reached a status page (a 2xx) must have exactly
one case and one confirmation reminder, and there must be no other case. Any
5xx, or a traceback in the server's log, fails the run as well.

The run uses a database of its own and a Celery queue of its own, both
removed at the end, like `bench`.
"""

import asyncio
import os
import shutil
import signal
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q

from intake.models import Case, ReminderKind
from portal import loadgen
from referrals.management.commands.bench import (
    bench_database,
    collect_static,
    gunicorn,
    queue_delete,
    server_env,
)
from referrals.management.commands.bench_routes import mixed_intake

RATE_LIMIT_FOR_THE_RUN = "100000000"


class Command(BaseCommand):
    help = "Send intakes from many simulated patients at once, then check each saved exactly once."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=50, help="patients sending at the same time")
        parser.add_argument("--seconds", type=float, default=30, help="how long new intakes start")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, patients: int, seconds: float, workers: int, seed: int, **options: Any):
        signal.signal(signal.SIGTERM, signal.default_int_handler)  # stopped, it still cleans up
        folder = Path(tempfile.mkdtemp(prefix="portal-load-"))
        queue = f"load-{os.getpid()}"
        try:
            with bench_database(folder) as url:
                env = server_env(url, folder, queue, RATE_LIMIT_PER_MINUTE=RATE_LIMIT_FOR_THE_RUN)
                collect_static(env)
                with gunicorn(env, folder, workers=workers) as port:
                    outcome = asyncio.run(self._run(port, patients, seconds, seed))
                server_log = "\n".join(
                    path.read_text(errors="replace") for path in folder.glob("gunicorn-*.log")
                )
                problems = self._check(outcome, server_log)
        finally:
            queue_delete(queue)
            shutil.rmtree(folder, ignore_errors=True)
        if problems:
            raise CommandError("\n".join(problems))
        self.stdout.write(
            "load: every intake that reached its status page was saved once, with one confirmation"
        )

    async def _run(self, port: int, patients: int, seconds: float, seed: int) -> dict[str, Any]:
        import random

        deadline = time.monotonic() + seconds
        saved: list[str] = []
        statuses: Counter[int] = Counter()
        refused: Counter[str] = Counter()
        latencies: list[float] = []

        async def patient_loop(slot: int) -> None:
            rng = random.Random(seed * 1000 + slot)
            number = 0
            while time.monotonic() < deadline:
                email = f"load.{slot}.{number}@load.example"
                number += 1
                browser = loadgen.Browser("127.0.0.1", port)
                steps = loadgen.step_fields(
                    mixed_intake(rng), {"name": f"Load Patient {slot}", "email": email}
                )
                try:
                    await loadgen.patient_to_review(browser, steps)
                    submitted = await loadgen.patient_submit(browser)
                    latencies.append(submitted.seconds)
                    if submitted.status == 302 and submitted.location.startswith("/status/"):
                        page = await browser.get(submitted.location)
                        statuses[page.status] += 1
                        if 200 <= page.status < 300:
                            saved.append(email)
                    else:
                        statuses[submitted.status] += 1
                except loadgen.IntakeRefused as exc:
                    refused[str(exc)] += 1
                except OSError as exc:
                    refused[f"connection: {exc.__class__.__name__}"] += 1

        started = time.monotonic()
        await asyncio.gather(*(patient_loop(slot) for slot in range(patients)))
        return {
            "saved": saved,
            "statuses": statuses,
            "refused": refused,
            "latencies": latencies,
            "seconds": time.monotonic() - started,
        }

    def _check(self, outcome: dict[str, Any], server_log: str) -> list[str]:
        saved = outcome["saved"]
        rate = loadgen.Rate(len(outcome["latencies"]), outcome["seconds"], outcome["latencies"], 0)
        seconds = outcome["seconds"]
        p50, p95 = rate.percentile(0.5) * 1000, rate.percentile(0.95) * 1000
        self.stdout.write(
            f"load: {len(saved)} intakes saved in {seconds:.0f} s ({len(saved) / seconds:.1f}/s); "
            f"review POST p50 {p50:.0f} ms, p95 {p95:.0f} ms; status pages {dict(outcome['statuses'])}; "
            f"refused on the way {dict(outcome['refused'])}"
        )
        problems = []
        cases = (
            Case.objects.filter(email__in=saved)
            .values("email")
            .annotate(
                cases=Count("pk", distinct=True),
                confirmations=Count("reminders", filter=Q(reminders__kind=ReminderKind.CONFIRMATION)),
            )
        )
        by_email = {row["email"]: row for row in cases}
        for email in saved:
            row = by_email.get(email, {"cases": 0, "confirmations": 0})
            if row["cases"] != 1 or row["confirmations"] != 1:
                problems.append(f"{email}: {row['cases']} case(s), {row['confirmations']} confirmation(s)")
        others = Case.objects.exclude(email__in=saved).count()
        if others:
            problems.append(f"{others} case(s) saved for patients who never reached their status page")
        errors = sum(count for status, count in outcome["statuses"].items() if status >= 500)
        errors += sum(count for reason, count in outcome["refused"].items() if reason.startswith("5"))
        if errors:
            problems.append(f"{errors} server error(s) (5xx)")
        if "Traceback" in server_log:
            problems.append("the server logged a traceback")
        if not saved:
            problems.append("no intake was saved")
        return problems
