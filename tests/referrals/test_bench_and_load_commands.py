"""make bench and make load: fixed output lines, the rows of patients' intakes, each intake saved once."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.utils import timezone

from intake.models import Case
from intake.submission import intake_submit
from referrals.management.commands.bench import cases_build
from referrals.management.commands.bench_routes import mixed_intakes

NUMBER = r"\d+(\.\d+)?"
LINES = [
    rf"engine: {NUMBER} routes/s; JSON floor {NUMBER}/s; ratio {NUMBER}",
    rf"intake POST: {NUMBER} req/s; bare view {NUMBER} req/s; ratio {NUMBER}",
    rf"admin list: p95 {NUMBER} ms at 90 cases; p95 {NUMBER} ms at 30 cases; ratio {NUMBER}",
]


def rows(case: Case) -> dict:
    """What an intake wrote for a case, without ids, names and times that differ by design."""
    route = case.route
    return {
        "case": (case.phone, case.answers, case.urgency, case.urgency_rank, case.status),
        "route": (route.rulebook, route.urgency, route.tests, route.advice, route.citations),
        "steps": list(
            route.steps.order_by("order").values_list("order", "specialist", "urgency", "reasons", "rules")
        ),
        "referrals": sorted(case.referrals.values_list("specialist", "status")),
        "reminders": sorted(case.reminders.values_list("kind", "state", "attempts")),
        "opened": set(case.referrals.values_list("opened_at", flat=True)) == {case.created_at},
    }


@pytest.mark.django_db
def test_it_builds_cases_with_the_rows_an_intake_saves():
    now = timezone.now()
    data = mixed_intakes(3, seed=11)
    cases_build(3, seed=11, now=now)
    built = list(Case.objects.order_by("pk"))
    submitted = [
        intake_submit(contact={"name": f"P {n}", "email": f"p{n}@example.org", "phone": ""}, answers=answers)
        for n, answers in enumerate(data)
    ]

    assert len(built) == 3
    for bulk, one in zip(built, submitted, strict=True):
        one.refresh_from_db()
        assert rows(bulk) == rows(one)


def test_it_prints_one_line_per_measure_for_a_script_to_read(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_VAR_DIR": str(tmp_path)}
    tiny = ["--engine-count", "50", "--rounds", "1", "--intakes", "6", "--bare", "20"]
    tiny += ["--cases", "90", "--small", "30", "--pages", "10"]

    done = subprocess.run(
        [sys.executable, "manage.py", "bench", *tiny],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len(lines) == len(LINES), done.stdout
    for line, pattern in zip(lines, LINES, strict=True):
        assert re.fullmatch(pattern, line), line
    assert "failed" not in done.stderr.replace("0 failed", "")


def test_it_checks_that_each_patient_under_load_was_saved_once(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_VAR_DIR": str(tmp_path)}

    done = subprocess.run(
        [sys.executable, "manage.py", "load_intakes", "--patients", "4", "--seconds", "3"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr[-2000:]
    summary, verdict = done.stdout.splitlines()
    saved = int(re.match(r"load: (\d+) intakes saved", summary).group(1))
    assert saved >= 4 and "status pages {200: " in summary
    assert verdict == "load: every intake that reached its status page was saved once, with one confirmation"
