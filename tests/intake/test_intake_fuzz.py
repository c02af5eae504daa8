"""Any POST to any page of the intake, and any intake to the command: an answer, never a 5xx or a traceback.

The test client raises the view's exception itself, so a traceback fails the
example as surely as a 500 does.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.journey import STEPS
from intake.symptoms import companion_groups, screening_groups
from referrals.vocabulary import Frequency, History, Location, Pregnancy, Sex, Symptom, Urgency
from tests.intake.helpers import MANAGEMENT_FIELD, pass_screen, post_step, step_data, step_of, step_url

pytestmark = pytest.mark.django_db

ANSWERS = {
    "sex": "female",
    "age": 34,
    "locations": ["lower_back", "between_shoulder_blades"],
    "frequency": "regular",
}
STEP_NAMES = [name for name, _form in STEPS]
GROUP_FIELDS = sorted(
    {group.field_name for group in screening_groups()}
    | {group.field_name for location in Location.values for group in companion_groups([location])}
)
FIELDS = sorted(
    {name for _step, form in STEPS for name in form.base_fields}
    | set(GROUP_FIELDS)
    | {"now", "wizard_goto_step", "pregnancy_trimester", "menstruation_related", "duration_days"}
)
CODES = sorted(
    {*Sex.values, *Frequency.values, *Location.values, *Symptom.values, *History.values, *Pregnancy.values}
    | {*STEP_NAMES, "none", "on", "done", "0", "-1", "121", "1e309", "99999999999999999999"}
)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
VALUE = st.one_of(st.sampled_from(CODES), TEXT, st.integers().map(str))
FORM_DATA = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS), TEXT),
    st.one_of(VALUE, st.lists(VALUE, max_size=4)),
    max_size=8,
)
FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def at_review(client: Client) -> None:
    """A patient with every step answered, on the review page."""
    data = step_data(ANSWERS)
    pass_screen(client)
    response = client.get(reverse("intake:questions_start"))
    while (step := step_of(response.url)) != "review":
        response = post_step(client, step, data[step])
        assert response.status_code == 302, (step, response.context["form"].errors)
    assert client.get(step_url("review")).status_code == 200


@FUZZ
@given(step=st.sampled_from(STEP_NAMES), data=FORM_DATA, send_step=st.booleans())
def test_it_answers_any_post_to_any_step_without_a_server_error(step, data, send_step):
    client = Client()
    at_review(client)
    payload = {**data, MANAGEMENT_FIELD: step} if send_step else data

    response = client.post(step_url(step), payload)

    assert response.status_code < 500
    if response.status_code == 200:
        # A refused step comes back as the step's page, naming what to fix.
        assert b"<form" in response.content


@FUZZ
@given(data=FORM_DATA)
def test_it_answers_any_post_to_the_emergency_screen_without_a_server_error(data):
    assert Client().post("/", data).status_code < 500


JSON_VALUE = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT, st.sampled_from(CODES)
    ),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)),
    max_leaves=12,
)
INTAKE_KEYS = [
    "sex", "age", "locations", "frequency", "duration_days", "symptoms", "history",
    "pregnancy", "pregnancy_trimester", "menstruation_related", "urgency", "extra",
]  # fmt: skip


@settings(max_examples=80, deadline=None, database=None)
@given(
    base=st.fixed_dictionaries(
        {
            "sex": st.sampled_from(Sex.values),
            "age": st.integers(-5, 200),
            "locations": st.just(["lower_back"]),
        }
    ),
    changed=st.dictionaries(st.sampled_from(INTAKE_KEYS), JSON_VALUE, max_size=6),
)
def test_it_answers_any_intake_shaped_input_to_the_command_with_a_route_or_status_2(base, changed):
    intake = {**base, **changed}
    out, err = StringIO(), StringIO()
    try:
        call_command("suggest_route", stdin=StringIO(json.dumps(intake)), stdout=out, stderr=err)
    except SystemExit as exited:
        assert exited.code == 2
        assert out.getvalue() == "" and err.getvalue().strip()
        assert "Traceback" not in err.getvalue()
    else:
        assert json.loads(out.getvalue())["urgency"] in Urgency.values
