"""The intake and a case in FHIR R4: a Questionnaire, and a Bundle a record system can import.

The Questionnaire is derived from the route contract (the vocabulary's codes
and labels, the form's questions), so it never drifts from the intake. A
case's Bundle holds the Patient, the QuestionnaireResponse answering that
Questionnaire, a ServiceRequest and a Task per step of the current route, an
Appointment per appointment and a Communication per reminder sent. Entries
refer to each other by `urn:uuid:` full URLs made from the case's public id,
so the same case always exports the same ids. Internal notes never leave.
"""

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from intake.models import Case, ReminderKind, ReminderState
from referrals.forms import AnswersForm
from referrals.intakes import AGE_RANGE, DURATION_RANGE, FIELDS, PREGNANCY_SEXES, TRIMESTERS
from referrals.models import Appointment, AppointmentState, Referral, ReferralStatus
from referrals.routes import RouteView, StepView, route_current
from referrals.vocabulary import Frequency, History, Location, Pregnancy, Sex, Specialist, Symptom, Urgency

QUESTIONNAIRE_ID = "back-numbness"
SYSTEM = "urn:clinic-intake:"
# The answer lists, by question: each a vocabulary TextChoices.
CHOICES: dict[str, type[models.TextChoices]] = {
    "sex": Sex,
    "locations": Location,
    "frequency": Frequency,
    "symptoms": Symptom,
    "history": History,
    "pregnancy": Pregnancy,
}
REPEATS = {"locations", "symptoms", "history"}
REQUIRED = {"sex", "age", "locations", "frequency"}
RANGES = {"age": AGE_RANGE, "duration_days": DURATION_RANGE}
BOOLEANS = {"menstruation_related"}

PRIORITY = {
    Urgency.SELF_CARE: "routine",
    Urgency.ROUTINE: "routine",
    Urgency.SOON: "urgent",
    Urgency.URGENT: "urgent",
    Urgency.EMERGENCY: "stat",
}
TASK_STATUS = {
    ReferralStatus.SUGGESTED: "draft",
    ReferralStatus.REFERRED: "requested",
    ReferralStatus.BOOKED: "accepted",
    ReferralStatus.ATTENDED: "in-progress",
    ReferralStatus.DONE: "completed",
    ReferralStatus.DECLINED: "rejected",
    ReferralStatus.CANCELLED: "cancelled",
    ReferralStatus.NO_SHOW: "failed",
}
REQUEST_STATUS = {
    ReferralStatus.DONE: "completed",
    ReferralStatus.DECLINED: "revoked",
    ReferralStatus.CANCELLED: "revoked",
}
APPOINTMENT_STATUS = {
    AppointmentState.BOOKED: "booked",
    AppointmentState.RESCHEDULED: "cancelled",
    AppointmentState.CANCELLED: "cancelled",
    AppointmentState.ATTENDED: "fulfilled",
    AppointmentState.MISSED: "noshow",
}
GENDER = {Sex.FEMALE: "female", Sex.MALE: "male", Sex.OTHER: "other", Sex.UNSPECIFIED: "unknown"}


def questionnaire_url() -> str:
    return f"{settings.SITE_URL}/api/v1/fhir/Questionnaire/{QUESTIONNAIRE_ID}"


def system(name: str) -> str:
    return f"{SYSTEM}{name}"


def _coding(field: str, code: str) -> dict[str, str]:
    choices = CHOICES[field]
    return {"system": system(field), "code": code, "display": str(choices(code).label)}


def _when(field: str, code: str) -> dict[str, Any]:
    return {"question": field, "operator": "=", "answerCoding": _coding(field, code)}


def _item(field: str) -> dict[str, Any]:
    form_field = AnswersForm.base_fields[field]
    item: dict[str, Any] = {"linkId": field, "text": str(form_field.label), "required": field in REQUIRED}
    if field in CHOICES:
        item["type"] = "choice"
        item["answerOption"] = [{"valueCoding": _coding(field, code)} for code in CHOICES[field].values]
        item["repeats"] = field in REPEATS
    elif field in BOOLEANS:
        item["type"] = "boolean"
    elif field == "pregnancy_trimester":
        item["type"] = "integer"
        item["answerOption"] = [{"valueInteger": n} for n in TRIMESTERS]
    else:
        low, high = RANGES[field]
        item["type"] = "integer"
        item["extension"] = [
            {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": low},
            {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": high},
        ]
    if field == "pregnancy":
        item["enableWhen"] = [_when("sex", code) for code in sorted(PREGNANCY_SEXES)]
        item["enableBehavior"] = "any"
    if field == "pregnancy_trimester":
        item["enableWhen"] = [_when("pregnancy", Pregnancy.YES)]
    return item


def questionnaire() -> dict[str, Any]:
    """The intake's questions as a FHIR R4 Questionnaire: public, no patient's data."""
    return {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "url": questionnaire_url(),
        "name": "BackNumbnessIntake",
        "title": "Back numbness: intake",
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": settings.CLINIC_NAME,
        "item": [_item(field) for field in FIELDS],
    }


# --- A case as a Bundle ---------------------------------------------------------


def _full_url(case: Case, kind: str, key: Any = "") -> str:
    return f"urn:uuid:{uuid.uuid5(case.public_id, f'{kind}/{key}')}"


def _instant(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _answers(field: str, value: Any) -> list[dict[str, Any]]:
    if field in CHOICES:
        codes = value if isinstance(value, list) else [value]
        return [{"valueCoding": _coding(field, code)} for code in codes]
    if isinstance(value, bool):
        return [{"valueBoolean": value}]
    return [{"valueInteger": value}]


def _patient(case: Case) -> dict[str, Any]:
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": system("case"), "value": str(case.pk)}],
    }
    if case.erased_at is None:
        patient["name"] = [{"text": case.name}]
        telecom = [{"system": "email", "value": case.email, "use": "home"}]
        if case.phone:
            telecom.append({"system": "phone", "value": case.phone})
        patient["telecom"] = telecom
    sex = case.answers.get("sex")
    if sex in GENDER:
        patient["gender"] = GENDER[sex]
    return patient


def _questionnaire_response(case: Case, patient: str) -> dict[str, Any]:
    answers = case.answers
    items = []
    for field in FIELDS:
        value = answers.get(field)
        if value is None or value == []:
            continue
        text = str(AnswersForm.base_fields[field].label)
        items.append({"linkId": field, "text": text, "answer": _answers(field, value)})
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": questionnaire_url(),
        "status": "completed",
        "subject": {"reference": patient},
        "authored": _instant(case.created_at),
        "item": items,
    }


def _service_request(case: Case, route: RouteView, step: StepView, referral: Referral, refs: dict) -> dict:
    titles = {citation.get("id"): citation.get("section", "") for citation in route.citations}
    request: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": system("referral"), "value": str(referral.pk)}],
        "status": REQUEST_STATUS.get(referral.status, "active"),
        "intent": "order",
        "priority": PRIORITY[step.urgency],
        "code": {
            "coding": [{"system": system("specialist"), "code": step.specialist}],
            "text": f"Referral to {Specialist(step.specialist).label}",
        },
        "subject": {"reference": refs["patient"]},
        "supportingInfo": [{"reference": refs["response"]}],
        "authoredOn": _instant(referral.opened_at),
        "reasonCode": [{"text": reason} for reason in step.reasons]
        + [
            {"coding": [{"system": system("rule"), "code": rule, "display": titles.get(rule) or rule}]}
            for rule in step.rules
        ],
    }
    if route.revision is not None:
        revision = route.revision
        request["note"] = [
            {
                "time": _instant(revision.created_at),
                "text": f"Route revision {revision.number}: {revision.reason}",
            }
        ]
    return request


def _task(referral: Referral, refs: dict, request: str) -> dict[str, Any]:
    status = ReferralStatus(referral.status)
    return {
        "resourceType": "Task",
        "status": TASK_STATUS[status],
        "businessStatus": {
            "coding": [
                {"system": system("referral-status"), "code": status.value, "display": str(status.label)}
            ],
            "text": str(status.label),
        },
        "intent": "order",
        "focus": {"reference": request},
        "for": {"reference": refs["patient"]},
        "authoredOn": _instant(referral.opened_at),
        "lastModified": _instant(referral.status_changed_at),
    }


def _appointment(appointment: Appointment, refs: dict, request: str | None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "identifier": [{"system": system("appointment"), "value": str(appointment.pk)}],
        "status": APPOINTMENT_STATUS[appointment.state],
        "start": _instant(appointment.starts_at),
        "end": _instant(appointment.ends_at),
        "minutesDuration": max(1, int(appointment.duration.total_seconds() // 60)),
        "participant": [
            {"actor": {"reference": refs["patient"]}, "status": "accepted"},
            {"actor": {"display": appointment.location.calendar_text()}, "status": "accepted"},
        ],
    }
    if appointment.with_whom:
        resource["participant"].append({"actor": {"display": appointment.with_whom}, "status": "accepted"})
    if request:
        resource["basedOn"] = [{"reference": request}]
    return resource


def _communication(reminder: Any, refs: dict) -> dict[str, Any]:
    kind = str(ReminderKind(reminder.kind).label) if reminder.kind in ReminderKind.values else reminder.kind
    return {
        "resourceType": "Communication",
        "identifier": [{"system": system("reminder"), "value": str(reminder.pk)}],
        "status": "completed",
        "category": [{"coding": [{"system": system("reminder-kind"), "code": reminder.kind}], "text": kind}],
        "medium": [{"text": "email"}],
        "subject": {"reference": refs["patient"]},
        "recipient": [{"reference": refs["patient"]}],
        "sent": _instant(reminder.sent_at),
        "payload": [{"contentString": kind}],
    }


def case_bundle(case: Case) -> dict[str, Any]:
    """The case as a FHIR R4 Bundle (type collection)."""
    refs = {"patient": _full_url(case, "Patient"), "response": _full_url(case, "QuestionnaireResponse")}
    entries = [
        (refs["patient"], _patient(case)),
        (refs["response"], _questionnaire_response(case, refs["patient"])),
    ]
    route = route_current(case=case)
    referrals = {referral.specialist: referral for referral in case.referrals.all()}
    requests: dict[int, str] = {}
    for step in route.steps:
        referral = referrals[step.specialist]
        request = requests[referral.pk] = _full_url(case, "ServiceRequest", referral.pk)
        entries.append((request, _service_request(case, route, step, referral, refs)))
        entries.append((_full_url(case, "Task", referral.pk), _task(referral, refs, request)))
    appointments = Appointment.objects.filter(referral__case=case).select_related("location")
    for appointment in appointments.order_by("starts_at", "id"):
        resource = _appointment(appointment, refs, requests.get(appointment.referral_id))
        entries.append((_full_url(case, "Appointment", appointment.pk), resource))
    for reminder in case.reminders.filter(state=ReminderState.SENT).order_by("sent_at", "id"):
        entries.append((_full_url(case, "Communication", reminder.pk), _communication(reminder, refs)))
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(case.public_id, "Bundle")),
        "type": "collection",
        "timestamp": _instant(timezone.now()),
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }
