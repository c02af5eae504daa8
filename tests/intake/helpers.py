"""Walking the patient's intake with Django's test client, as a browser would."""

from typing import Any

from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intake.models import Case
from intake.symptoms import SymptomGroup, companion_groups, screening_groups
from referrals.models import route_record

CONTACT = {"name": "Carol Example", "email": "carol@example.org", "phone": ""}
MANAGEMENT_FIELD = "intake-current_step"
MAX_STEPS = 12


def pass_screen(client: Client) -> HttpResponse:
    return client.post(reverse("intake:form"), {"now": ["none"]})


def step_url(step: str) -> str:
    return reverse("intake:questions", kwargs={"step": step})


def step_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def post_step(client: Client, step: str, data: dict[str, Any], **extra: Any) -> HttpResponse:
    payload = {key: value for key, value in {**data, **extra}.items() if value not in (None, [])}
    return client.post(step_url(step), {**payload, MANAGEMENT_FIELD: step})


def _grouped(symptoms: set[str], groups: tuple[SymptomGroup, ...]) -> dict[str, list[str]]:
    return {group.field_name: [code for code in group.symptoms if code in symptoms] for group in groups}


def step_data(answers: dict[str, Any], contact: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """The route contract's answers (and contact details) as each step's form fields."""
    symptoms = set(answers.get("symptoms", []))
    signs = _grouped(symptoms, screening_groups())
    companions = _grouped(symptoms, companion_groups(answers["locations"]))
    asked = {code for codes in (*signs.values(), *companions.values()) for code in codes}
    assert symptoms <= asked, f"not asked at these locations: {sorted(symptoms - asked)}"
    where_fields = ("sex", "age", "locations", "frequency", "duration_days")
    return {
        "where": {key: answers[key] for key in where_fields if key in answers},
        "signs": signs,
        "companions": companions,
        "history": {"history": answers.get("history", [])},
        "more-about-you": {
            "pregnancy": answers.get("pregnancy", "no"),
            "pregnancy_trimester": answers.get("pregnancy_trimester"),
            "menstruation_related": "on" if answers.get("menstruation_related") else None,
        },
        "contact": {**CONTACT, **(contact or {}), "consent_contact": "on", "consent_health_data": "on"},
        "review": {},
    }


def walk(client: Client, data: dict[str, dict[str, Any]], first: HttpResponse) -> HttpResponse:
    """Answer each step the portal redirects to, until it stops redirecting to a step."""
    response = first
    for _ in range(MAX_STEPS):
        if response.status_code != 302 or "/questions/" not in response.url:
            return response
        step = step_of(response.url)
        response = post_step(client, step, data.get(step, {}))
    raise AssertionError("the intake did not end")


def submit_intake(
    client: Client, answers: dict[str, Any], contact: dict[str, str] | None = None
) -> HttpResponse:
    """Pass the screen and answer every step; returns the last response (the redirect to the route)."""
    pass_screen(client)
    return walk(client, step_data(answers, contact), client.get(reverse("intake:questions_start")))


# --- A stored route, written by hand: the pages are tested, not today's rules

SHARED = "A herniated disc can press on nerves, so a neurologist or an orthopaedist should examine you."
ROUTE = {
    "urgency": "urgent",
    "steps": [
        {
            "order": 1,
            "specialist": "therapist",
            "urgency": "urgent",
            "reasons": ["Everyone starts with the therapist.", "The therapist checks your blood."],
            "rules": ["therapist-first"],
        },
        {
            "order": 2,
            "specialist": "neurologist",
            "urgency": "urgent",
            "reasons": ["Tingling is a warning sign.", SHARED],
            "rules": ["red-flag-tingling", "spine-disc-hernia"],
        },
        {"order": 3, "specialist": "orthopedist", "urgency": "soon", "reasons": [SHARED], "rules": ["x"]},
    ],
    "tests": ["blood_count", "urine_nechiporenko", "mri"],
    "advice": ["Rest your back a few times a day.", "Rest your back a few times a day.", SHARED],
    "rules": [],
    "rulebook": "back-numbness@7",
}


def stored_case(route=ROUTE, **fields) -> Case:
    """A case with a route written by hand: the page is tested, not today's rules."""
    case = Case.objects.create(
        name=fields.pop("name", "Hana Example"),
        email="hana@example.org",
        consented_at=timezone.now(),
        answers={"sex": "female", "age": 40, "locations": ["lower_back"], "frequency": "regular"},
        urgency=route["urgency"],
        **fields,
    )
    route_record(case=case, route=route)
    return case
