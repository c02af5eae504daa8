"""The suggest_route command: intake JSON in, route JSON out, per the route contract."""

import json
import os
import subprocess
import sys
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referrals.engine import route_for

REPO = Path(__file__).resolve().parents[2]
TINGLING = {
    "sex": "female",
    "age": 34,
    "locations": ["lower_back"],
    "frequency": "regular",
    "symptoms": ["tingling"],
}
ONCE = {"sex": "male", "age": 52, "locations": ["along_spine"], "frequency": "once"}


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """The command as a user runs it: a separate process, standard input, exit status."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "manage.py", "suggest_route", *args],
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_it_routes_one_intake_from_standard_input():
    result = run(stdin=json.dumps(TINGLING))

    assert result.returncode == 0
    assert json.loads(result.stdout) == route_for(TINGLING)
    assert result.stderr == ""


def test_it_routes_a_batch_in_the_same_order(tmp_path):
    path = tmp_path / "batch.json"
    path.write_text(json.dumps([ONCE, TINGLING]), encoding="utf-8")
    out = StringIO()

    call_command("suggest_route", str(path), stdout=out)

    routes = json.loads(out.getvalue())
    assert [route["urgency"] for route in routes] == ["self_care", "urgent"]
    assert routes == [route_for(ONCE), route_for(TINGLING)]


def test_it_fails_with_status_2_naming_the_field_and_the_bad_value():
    bad = {**TINGLING, "symptoms": ["tingling", "fever", "tingle"]}

    result = run(stdin=json.dumps(bad))

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["symptoms[2]: unknown code 'tingle'"]


def test_it_fails_a_whole_batch_naming_the_bad_items_index():
    result = run(stdin=json.dumps([ONCE, {**ONCE, "age": 130}]))

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["[1].age: 130 is out of range 0..120"]


def test_it_writes_one_line_per_problem():
    result = run(stdin=json.dumps({"sex": "robot", "age": 30, "locations": [], "frequency": "daily"}))

    assert result.returncode == 2
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == ["sex", "locations", "frequency"]


def test_it_rejects_input_that_is_not_json(tmp_path):
    path = tmp_path / "intake.json"
    path.write_text("{not json", encoding="utf-8")
    err = StringIO()

    with pytest.raises(SystemExit) as exited:
        call_command("suggest_route", str(path), stderr=err)

    assert exited.value.code == 2
    assert err.getvalue().startswith("input: not valid JSON")


def test_it_names_a_file_it_cannot_read(tmp_path):
    err = StringIO()

    with pytest.raises(SystemExit) as exited:
        call_command("suggest_route", str(tmp_path / "missing.json"), stderr=err)

    assert exited.value.code == 2
    assert "missing.json: cannot read" in err.getvalue()


def test_it_reads_from_a_given_stream_and_pretty_prints():
    out = StringIO()

    call_command("suggest_route", indent=2, stdin=StringIO(json.dumps(ONCE)), stdout=out)

    assert out.getvalue().startswith('{\n  "urgency": "self_care"')
    assert json.loads(out.getvalue()) == route_for(ONCE)


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        (b'{"age": ' + b"7" * 5000 + b"}", "input: a number of 5000 digits is too long (at most 32)"),
        (b"[" * 100_000, "input: nested more than 16 deep"),
    ],
    ids=["integer-of-5000-digits", "nested-100000-deep"],
)
def test_it_answers_input_that_used_to_crash_with_one_line_and_status_2(raw, line):
    result = run(stdin=raw.decode())

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [line]


@pytest.mark.parametrize(
    ("raw", "start"),
    [
        (b'{"sex": "f\xe9male"}', "input: not UTF-8"),
        (b"{sex: female}", "input: not valid JSON"),
        (b'{"sex": "male", "sex": "female"}', "sex: the key is given more than once"),
        (b'{"age": NaN}', "input: NaN is not a number"),
        (b'{"age": Infinity}', "input: Infinity is not a number"),
        (b" " * (10 * 1024 * 1024) + b"{}", "input: more than 10 MB"),
    ],
    ids=["not-utf8", "not-json", "duplicated-key", "nan", "infinity", "over-10-mb"],
)
def test_it_refuses_unreadable_input_with_one_line_and_status_2(raw, start):
    out, err = StringIO(), StringIO()

    with pytest.raises(SystemExit) as exited:
        call_command("suggest_route", stdin=BytesIO(raw), stdout=out, stderr=err)

    assert exited.value.code == 2
    assert out.getvalue() == ""
    assert len(err.getvalue().splitlines()) == 1
    assert err.getvalue().startswith(start)


BATCH_ITEMS = [json.dumps(ONCE), json.dumps(TINGLING), "{}", "1", '"x"', "[]"]


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=120),
        st.text(alphabet='{}[]",:0123456789.eE+-aegnrstu \\', max_size=80).map(str.encode),
        st.lists(st.sampled_from(BATCH_ITEMS), max_size=3).map(lambda items: f"[{','.join(items)}]".encode()),
    )
)
def test_it_answers_any_input_with_a_route_or_status_2_and_one_line_per_problem(raw):
    out, err = StringIO(), StringIO()
    try:
        call_command("suggest_route", stdin=BytesIO(raw), stdout=out, stderr=err)
    except SystemExit as exited:
        assert exited.code == 2
        assert out.getvalue() == ""
        lines = err.getvalue().splitlines()
        assert lines and all(0 < len(line) < 200 for line in lines)
    else:
        assert json.loads(out.getvalue()) is not None
        assert err.getvalue() == ""
