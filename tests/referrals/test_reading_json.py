"""Reading JSON text safely: any bytes give a value or one line naming the problem, never a crash."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referrals.engine import route_for
from referrals.intakes import MAX_DEPTH, MAX_INPUT_BYTES, IntakeError, parse_intake, read_json, shown

PROPERTY = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
INTAKE = {"sex": "female", "age": 34, "locations": ["lower_back"], "frequency": "regular"}

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)


def problem(raw: bytes) -> str:
    with pytest.raises(IntakeError) as caught:
        read_json(raw)
    assert len(caught.value.problems) == 1
    return caught.value.problems[0]


def one_line(text: str) -> bool:
    return "\n" not in text and "\r" not in text and len(text) < 200


def test_it_reads_an_intake():
    assert read_json(json.dumps(INTAKE).encode()) == INTAKE


def test_it_refuses_bytes_that_are_not_utf8():
    assert problem(b'{"sex": "f\xe9male"}') == "input: not UTF-8 text (byte 10)"


def test_it_refuses_text_that_is_not_json():
    assert problem(b"{sex: female}").startswith("input: not valid JSON: Expecting property name")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 600, 900, 990, 1000, 100_000])
@pytest.mark.parametrize(("opening", "closing"), [(b"[", b"]"), (b'{"a":', b"}")])
def test_it_refuses_nesting_deeper_than_an_intake_at_any_depth(depth, opening, closing):
    assert problem(opening * depth + b"1" + closing * depth) == f"input: nested more than {MAX_DEPTH} deep"


def test_it_reads_nesting_as_deep_as_it_allows():
    assert read_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)


def test_it_refuses_an_integer_of_five_thousand_digits():
    expected = "input: a number of 5000 digits is too long (at most 32)"
    assert problem(b'{"age": ' + b"9" * 5000 + b"}") == expected


def test_it_refuses_a_float_too_long_or_too_large():
    assert problem(b'{"age": 1e999}') == "input: the number '1e999' is too large"
    assert problem(b'{"age": 0.' + b"1" * 40 + b"}").startswith("input: a number of 42 characters")


def test_it_refuses_a_key_given_twice_naming_it():
    assert problem(b'{"age": 30, "sex": "male", "age": 31}') == "age: the key is given more than once"
    assert problem(b'{"age": 30, "sex": "male", "sex": "female"}') == "sex: the key is given more than once"


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_it_refuses_nan_and_infinity(constant):
    assert problem(b'{"age": ' + constant + b"}") == f"input: {constant.decode()} is not a number JSON allows"


def test_it_refuses_more_than_ten_megabytes_even_of_valid_json():
    raw = b" " * MAX_INPUT_BYTES + b"{}"

    assert problem(raw) == "input: more than 10 MB"
    assert read_json(b" " * (MAX_INPUT_BYTES - 2) + b"{}") == {}


def test_it_names_a_very_long_value_in_one_short_line():
    with pytest.raises(IntakeError) as caught:
        parse_intake({**INTAKE, "sex": "x" * 100_000, "age": 10**5000, "a\nb" * 1000: 1})

    assert all(one_line(line) for line in caught.value.problems)
    assert "age: an integer of about 5001 digits is out of range 0..120" in caught.value.problems


@PROPERTY
@given(st.binary(max_size=200))
def test_it_reads_any_bytes_or_names_one_problem(raw):
    try:
        read_json(raw)
    except IntakeError as exc:
        assert len(exc.problems) == 1 and one_line(exc.problems[0])


@PROPERTY
@given(JSON_VALUES)
def test_it_reads_back_any_json_value_it_allows(value):
    assert read_json(json.dumps(value).encode()) == value


@PROPERTY
@given(JSON_VALUES, st.sampled_from(["sex", "age", "locations", "symptoms", "pregnancy", "extra"]))
def test_it_routes_any_json_or_names_each_problem_in_one_line(value, field):
    data = {**INTAKE, field: value}
    try:
        route = route_for(read_json(json.dumps(data).encode()))
    except IntakeError as exc:
        assert exc.problems and all(one_line(line) for line in exc.problems)
    else:
        assert route["steps"][0]["specialist"] == "therapist"


@PROPERTY
@given(st.text(alphabet='{}[]",:0123456789.eE+-tfn \\u', max_size=60))
def test_it_never_crashes_on_json_like_text(text):
    try:
        read_json(text.encode())
    except IntakeError as exc:
        assert one_line(exc.problems[0])


def test_it_shows_a_value_of_up_to_forty_characters_whole_and_cuts_a_longer_one_keeping_its_end():
    assert shown("y" * 38) == repr("y" * 38)
    assert shown("y" * 39) == "'" + "y" * 34 + "...y'"
    assert shown("x" * 100 + "z") == "'" + "x" * 34 + "...z'"


def test_it_names_an_integer_past_128_bits_by_its_number_of_digits():
    assert shown(2**128 - 1) == "340282366920938463463374607431768211455"
    assert shown(2**128) == "an integer of about 39 digits"
    assert shown(-(2**128)) == "an integer of about 39 digits"
    assert shown(10**5000) == "an integer of about 5001 digits"


def test_it_reads_numbers_of_up_to_32_characters():
    assert read_json(b'{"age": ' + b"9" * 32 + b"}") == {"age": int("9" * 32)}
    assert problem(b'{"age": ' + b"9" * 33 + b"}") == "input: a number of 33 digits is too long (at most 32)"
    assert read_json(b'{"age": 0.' + b"1" * 30 + b"}") == {"age": float("0." + "1" * 30)}
    expected = "input: a number of 33 characters is too long (at most 32)"
    assert problem(b'{"age": 0.' + b"1" * 31 + b"}") == expected


def test_it_says_where_the_json_breaks():
    expected = "input: not valid JSON: Expecting ':' delimiter (line 2, column 6)"
    assert problem(b'{"a": 1,\n "b" 2}') == expected


@pytest.mark.parametrize(
    ("name", "as_named"),
    [
        ("a" * 40, "a" * 40),
        ("a" * 41, "'" + "a" * 34 + "...a'"),
        ("", "''"),
        ("x:y", "'x:y'"),
        ("x y", "'x y'"),
        ("x[0]", "'x[0]'"),
        ("it's", '"it\'s"'),
        ("x\x00", "'x\\x00'"),
    ],
)
def test_it_quotes_a_field_name_that_would_not_read_plainly(name, as_named):
    with pytest.raises(IntakeError) as caught:
        parse_intake({**INTAKE, name: 1})
    assert caught.value.problems == [f"{as_named}: unknown field"]
    raw = b"{" + json.dumps(name).encode() + b": 1, " + json.dumps(name).encode() + b": 2}"
    assert problem(raw) == f"{as_named}: the key is given more than once"
