"""Staff work on a case: who looks after it, and the internal notes they keep.

Notes are for staff only: no patient page, email or export shows them.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from intake.models import Case, CaseNote

NOTE_MAX_LENGTH = 5000


def case_assign(*, case: Case, to: AbstractBaseUser | None) -> Case:
    """Assign the case to an active staff member, or to nobody with `to=None`."""
    if to is not None and not (to.is_staff and to.is_active):
        raise ValidationError({"assigned_to": "Cases can be assigned to active staff members only."})
    Case.objects.filter(pk=case.pk).update(assigned_to=to)
    case.assigned_to = to
    return case


def case_note_add(*, case: Case, by: AbstractBaseUser, text: str) -> CaseNote:
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write the note before saving it."})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"text": f"A note holds at most {NOTE_MAX_LENGTH} characters; this one has {len(text)}."}
        )
    return CaseNote.objects.create(case=case, by=by, text=text)
