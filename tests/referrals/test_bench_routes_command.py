"""make bench: the engine beside the JSON baseline, on a seeded mix of valid intakes."""

import json
from io import StringIO

from django.core.management import call_command

from referrals.intakes import parse_intake
from referrals.management.commands.bench_routes import mixed_intakes


def test_it_builds_the_same_valid_mix_from_the_same_seed():
    first, again, other = mixed_intakes(300, 7), mixed_intakes(300, 7), mixed_intakes(300, 8)

    assert json.dumps(first) == json.dumps(again)
    assert json.dumps(first) != json.dumps(other)
    assert all(parse_intake(data) for data in first)


def test_it_mixes_quiet_and_busy_intakes():
    mix = mixed_intakes(500, 2024)

    assert any(not data["symptoms"] and not data["history"] for data in mix)
    assert any(len(data["symptoms"]) >= 4 for data in mix)
    assert {data["frequency"] for data in mix} == {"once", "occasional", "regular"}


def test_it_prints_both_rates_their_ratio_and_the_targets():
    out = StringIO()

    call_command("bench_routes", count=200, rounds=1, stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("rulebook back-numbness@")
    assert "intakes/s" in lines[1] and "json.loads + json.dumps" in lines[1]
    assert "routes/s" in lines[2] and "parse_intake + suggest_route" in lines[2]
    assert lines[3].rstrip().endswith("x")
    assert lines[4].startswith("target    engine <= 5x baseline: ")
    assert lines[5].startswith("target    >= 20,000 routes/s: ")
    assert all(line.endswith(("PASS", "MISS")) for line in lines[4:])
