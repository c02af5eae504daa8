import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import Case as SqlCase
from django.db.models import F, Value, When
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from referrals.vocabulary import URGENCY_RANK, Urgency

STATUS_TOKEN_SALT = "intake.case-status"
EMAIL_PREFERENCES_SALT = "intake.email-preferences"


class CaseStatus(models.TextChoices):
    NEW = "new", _("New, not yet triaged")
    TRIAGED = "triaged", _("Triaged")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


# What each status means for the patient, in words, on their status page.
STATUS_EXPLANATIONS: dict[str, str] = {
    CaseStatus.NEW: _("We have received your request. A member of the clinic's staff will read it soon."),
    CaseStatus.TRIAGED: _("The clinic's staff have read your request and checked the route below."),
    CaseStatus.IN_PROGRESS: _("You are being seen on the route below."),
    CaseStatus.CLOSED: _(
        "Your request is closed. If your numbness comes back or gets worse, send a new one."
    ),
}


class Case(models.Model):
    """One patient's intake: contact details, answers and, via `route`, where to go."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    consented_at = models.DateTimeField()
    # The intake in the route contract's shape, as the engine read it.
    answers = models.JSONField()
    urgency = models.CharField(max_length=20, choices=Urgency.choices)
    # The urgency as a number (higher is more urgent), worked out by the database
    # itself whenever urgency is written (an intake, an override, any update), so
    # the triage queue's order comes from an index instead of a sort of the table.
    urgency_rank = models.GeneratedField(
        expression=SqlCase(
            *(When(urgency=code, then=Value(rank)) for code, rank in URGENCY_RANK.items()),
            default=Value(-1),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Staff only: never on a patient's page or in an email.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        limit_choices_to={"is_staff": True, "is_active": True},
        help_text="The staff member who sees the case through.",
    )
    # When the case was last closed (retention counts from here), and when its
    # patient's personal data was erased.
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set while the patient has turned reminder emails off (intake.subscription).
    unsubscribed_at = models.DateTimeField(
        "reminders turned off at",
        null=True,
        blank=True,
        help_text="When the patient turned reminder emails off; empty while they receive them.",
    )
    # When staff first moved the case on from new: time to triage counts to here.
    triaged_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The language the patient used for the intake (a code of settings.LANGUAGES): their emails speak it.
    language = models.CharField(max_length=10, default="en", editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["status", "urgency"]),
            # The triage queue: most urgent first, then longest waiting.
            models.Index(fields=["-urgency_rank", "created_at", "id"], name="case_queue_order"),
            # Search by exact email, whatever its case. Search by part of a name has a
            # trigram index on PostgreSQL, made in the migration (SQLite has none).
            models.Index(Upper("email"), name="case_email_upper"),
        ]
        permissions = [
            ("edit_contact", "Can edit a patient's contact details"),
            ("triage_case", "Can triage a case (change its status)"),
            ("erase_case", "Can erase a patient's personal data"),
            ("view_dashboard", "Can view the clinic's dashboard"),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk}: {self.name}"

    def set_status(self, status: str, *, now: datetime) -> None:
        """Change the status, keeping when the case was closed (for RETENTION_DAYS) and first triaged."""
        if self.status == CaseStatus.NEW and status != CaseStatus.NEW and self.triaged_at is None:
            self.triaged_at = now
        if status == CaseStatus.CLOSED and self.status != CaseStatus.CLOSED:
            self.closed_at = now
        elif status != CaseStatus.CLOSED:
            self.closed_at = None
        self.status = status

    def status_explained(self) -> str:
        return STATUS_EXPLANATIONS[self.status]

    def status_token(self) -> str:
        """A signed token naming this case only; it says nothing about the case's health data."""
        return signing.dumps(str(self.public_id), salt=STATUS_TOKEN_SALT, compress=True)

    @classmethod
    def public_id_from_token(cls, token: str) -> str:
        """Raises signing.SignatureExpired or signing.BadSignature."""
        max_age = timedelta(days=settings.STATUS_LINK_MAX_AGE_DAYS)
        return signing.loads(token, salt=STATUS_TOKEN_SALT, max_age=max_age)

    def email_preferences_token(self) -> str:
        """A signed token for the unsubscribe link: it never expires, as RFC 8058 links must keep working."""
        return signing.dumps(str(self.public_id), salt=EMAIL_PREFERENCES_SALT, compress=True)

    @classmethod
    def public_id_from_preferences_token(cls, token: str) -> str:
        """Raises signing.BadSignature."""
        return signing.loads(token, salt=EMAIL_PREFERENCES_SALT)

    @property
    def wants_reminders(self) -> bool:
        return self.unsubscribed_at is None


class ReminderKind(models.TextChoices):
    """One kind per email, each with its templates emails/<kind>_subject.txt and _body.txt."""

    CONFIRMATION = "confirmation", "Confirmation of the request"
    BOOK_THERAPIST = "book_therapist", "Book the therapist visit"
    APPOINTMENT = "appointment", "Appointment reminder"
    BOOK_NEXT_STEP = "book_next_step", "Book the next step"
    MISSED_VISIT = "missed_visit", "Missed visit: please book again"
    ALERT_NEW_CASE = "alert_new_case", "Staff alert: a case to triage at once"
    ALERT_UNTRIAGED = "alert_untriaged", "Staff alert: untriaged past its deadline"
    ALERT_REMINDER_FAILED = "alert_reminder_failed", "Staff alert: an email could not be delivered"
    ALERT_PATIENT_CANCELLED = "alert_patient_cancelled", "Staff alert: the patient cancelled"
    ALERT_UNSUBSCRIBED = "alert_unsubscribed", "Staff alert: the patient turned reminders off"


# Emails to staff (STAFF_ALERT_EMAILS and the case's assignee); every other kind goes to the patient.
STAFF_ALERT_KINDS = frozenset(
    {
        ReminderKind.ALERT_NEW_CASE,
        ReminderKind.ALERT_UNTRIAGED,
        ReminderKind.ALERT_REMINDER_FAILED,
        ReminderKind.ALERT_PATIENT_CANCELLED,
        ReminderKind.ALERT_UNSUBSCRIBED,
    }
)
# What the patient asked for themselves: sent even when they turned reminders off.
REQUESTED_KINDS = frozenset({ReminderKind.CONFIRMATION})


class ReminderState(models.TextChoices):
    PENDING = "pending", "Pending"
    QUEUED = "queued", "Queued for sending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Reminder(models.Model):
    """An email owed to a patient or to staff: the outbox row is the truth, Celery only carries its id.

    `key` tells apart the rows of one kind for one case (an appointment's id,
    a step's specialist); the unique constraint makes each at most once.
    """

    case = models.ForeignKey(Case, models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    key = models.CharField(max_length=60, blank=True, default="")
    # The appointment an appointment reminder or a missed-visit email is about.
    appointment = models.ForeignKey(
        "referrals.Appointment", models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    # The step a "book your next step" email asks to book.
    referral = models.ForeignKey(
        "referrals.Referral", models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    due_at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=ReminderState.choices, default=ReminderState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["state", "due_at"])]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "key"], name="reminder_once_per_case_kind_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for case {self.case_id} ({self.state})"

    @property
    def is_staff_alert(self) -> bool:
        return self.kind in STAFF_ALERT_KINDS


# --- Internal notes: staff-only, never on a patient's page or in an email.


class CaseNote(models.Model):
    """An internal note on a case, for staff only."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="notes")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField()

    class Meta:
        ordering = ["case", "created_at", "id"]

    def __str__(self) -> str:
        return f"Note on case {self.case_id} ({self.created_at:%Y-%m-%d %H:%M})"
class EmergencyScreenStop(models.Model):
    """How many intakes the emergency screen stopped on a day: a count, nothing about anyone."""

    day = models.DateField(unique=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = "emergency screen stops on a day"
        verbose_name_plural = "emergency screen stops"

    def __str__(self) -> str:
        return f"{self.day}: {self.count}"

    @classmethod
    def count_one(cls, *, day: date) -> None:
        """Add one stop to the day's count, in the database, so concurrent stops all count."""
        cls.objects.get_or_create(day=day)
        cls.objects.filter(day=day).update(count=F("count") + 1)


# --- API tokens: a staff member's key to the JSON API, acting with their permissions.


class ApiToken(models.Model):
    """A per-user API token. Only its SHA-256 is stored; the token is shown once, when it is made.

    A token is long and random, so a fast hash is enough: nobody can guess
    one from its hash, and the lookup stays one indexed query per request.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. the record system's name.")
    # The first characters of the token, to tell tokens apart in the admin and in logs.
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}\u2026 ({self.name})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
