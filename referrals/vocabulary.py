"""The route contract's vocabulary, defined once.

Forms, the admin, the engine's validation and the rulebook's checks all take
their codes and labels from here. Codes may be added, never renamed or dropped.
"""

from datetime import timedelta

from django.db import models
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNSPECIFIED = "unspecified", _("Prefer not to say")


class Frequency(models.TextChoices):
    ONCE = "once", _("It happened once")
    OCCASIONAL = "occasional", _("It comes and goes")
    REGULAR = "regular", _("It happens regularly")


class Pregnancy(models.TextChoices):
    NO = "no", _("No")
    YES = "yes", _("Yes")
    POSSIBLE = "possible", _("Possibly")


class Location(models.TextChoices):
    BETWEEN_SHOULDER_BLADES = "between_shoulder_blades", _("Between the shoulder blades")
    UNDER_LEFT_SHOULDER_BLADE = "under_left_shoulder_blade", _("Under the left shoulder blade")
    UNDER_RIGHT_SHOULDER_BLADE = "under_right_shoulder_blade", _("Under the right shoulder blade")
    LOWER_BACK = "lower_back", _("Lower back")
    ALONG_SPINE = "along_spine", _("Along the spine")


class Symptom(models.TextChoices):
    PAIN_WORSE_ON_MOVEMENT = "pain_worse_on_movement", _("Pain that gets worse when you move")
    TINGLING = "tingling", _("Tingling or pins and needles")
    DIZZINESS_ON_RISING = "dizziness_on_rising", _("Dizziness when you get up")
    FREQUENT_URINATION = "frequent_urination", _("Needing to urinate more often than usual")
    NUMB_AT_NIGHT = "numb_at_night", _("Numbness at night or on waking")
    ACUTE_PAROXYSMAL_PAIN = "acute_paroxysmal_pain", _("Sudden attacks of sharp pain")
    CHEST_HEAVINESS = "chest_heaviness", _("Heaviness in the chest")
    PAIN_RADIATES_TO_HEART = "pain_radiates_to_heart", _("Pain spreading towards the heart")
    PAIN_RADIATES_TO_LIVER = (
        "pain_radiates_to_liver",
        _("Pain spreading towards the liver"),
    )
    PAIN_RADIATES_TO_STOMACH = "pain_radiates_to_stomach", _("Pain spreading towards the stomach")
    PAIN_RADIATES_TO_KIDNEYS = "pain_radiates_to_kidneys", _("Pain spreading towards the kidneys")
    BREATHING_DIFFICULTY = "breathing_difficulty", _("Difficulty breathing")
    SHORT_BREATH_ON_EXERTION = "short_breath_on_exertion", _("Short of breath when you move")
    SHORT_BREATH_AT_REST = "short_breath_at_rest", _("Short of breath at rest")
    DIZZINESS = "dizziness", _("Dizziness")
    WEAKNESS = "weakness", _("Weakness or tiredness")
    LEG_CRAMPS = "leg_cramps", _("Cramps in the legs")
    SWELLING = "swelling", _("Swelling where the back is numb")
    SKIN_REDNESS = "skin_redness", _("Red skin where the back is numb")
    LIMITED_ARM_MOVEMENT = "limited_arm_movement", _("Hard to move your arms")
    GROIN_PAIN = "groin_pain", _("Pulling pain in the groin")
    LEG_PAIN = "leg_pain", _("Pain in the legs")
    SHOOTING_PAIN_ALONG_SPINE = "shooting_pain_along_spine", _("Shooting pain along the spine")
    INTERNAL_NUMBNESS = "internal_numbness", _("Numbness that seems to come from inside the body")
    STONE_BACK = "stone_back", _("The back feels stiff as stone")
    LOSS_OF_SENSATION = "loss_of_sensation", _("No feeling at all in the numb area")
    FEVER = "fever", _("Fever")
    # Added in the safety-net revision: signs no article names, which the
    # clinic must never miss (cauda equina, a nerve losing strength) and the
    # second article's "increase the intensity".
    SADDLE_NUMBNESS = "saddle_numbness", _("Numbness in the groin, buttocks or inner thighs")
    BLADDER_OR_BOWEL_CONTROL_LOSS = (
        "bladder_or_bowel_control_loss",
        _("New trouble holding or passing urine or stool"),
    )
    LEG_WEAKNESS = "leg_weakness", _("New or growing weakness in one or both legs")
    GETTING_WORSE = "getting_worse", _("The numbness is getting stronger or more frequent")


class History(models.TextChoices):
    RECENT_INJURY = "recent_injury", _("A recent injury or fall")
    RIB_OR_SPINE_FRACTURE = "rib_or_spine_fracture", _("A broken rib or spine")
    PROLONGED_UNCOMFORTABLE_POSITION = (
        "prolonged_uncomfortable_position",
        _("Long hours in one uncomfortable position"),
    )
    HYPOTHERMIA = "hypothermia", _("Getting badly chilled")
    SEDENTARY_LIFESTYLE = "sedentary_lifestyle", _("Sitting most of the day, walking little")
    HEAVY_EXERTION = "heavy_exertion", _("Heavy physical work or exercise")
    POSTURE_PROBLEMS = "posture_problems", _("A stoop or poor posture")
    SCOLIOSIS_OR_KYPHOSIS = "scoliosis_or_kyphosis", _("Scoliosis or kyphosis (a curved spine)")
    DISC_HERNIA = "disc_hernia", _("A herniated disc")
    OSTEOCHONDROSIS = "osteochondrosis", _("Osteochondrosis (worn spinal discs)")
    RECENT_VIRAL_ILLNESS = "recent_viral_illness", _("A recent viral illness (flu, a bad cold)")
    KIDNEY_DISEASE = "kidney_disease", _("Kidney disease")
    PANCREAS_DISEASE = "pancreas_disease", _("Pancreas disease")
    PROSTATE_DISEASE = "prostate_disease", _("Prostatitis or another prostate disease")
    POLYCYSTIC_OVARY = "polycystic_ovary", _("Polycystic ovaries")
    OVARIAN_CYST = "ovarian_cyst", _("An ovarian cyst")
    ENDOMETRIOSIS = "endometriosis", _("Endometriosis")
    GYNECOLOGICAL_DISEASE = "gynecological_disease", _("Another gynaecological condition")
    ABDOMINAL_TUMOR = "abdominal_tumor", _("A tumour in the abdomen")
    # Added in rulebook version 2: spine causes that the second article names.
    SCIATICA = "sciatica", _("Sciatica (nerve pain running down the leg)")
    INTERCOSTAL_NEURALGIA = "intercostal_neuralgia", _("Intercostal neuralgia (nerve pain between the ribs)")


class Specialist(models.TextChoices):
    THERAPIST = "therapist", _("Therapist (family doctor)")
    NEUROLOGIST = "neurologist", _("Neurologist")
    UROLOGIST = "urologist", _("Urologist")
    GYNECOLOGIST = "gynecologist", _("Gynaecologist")
    TRAUMATOLOGIST = "traumatologist", _("Traumatologist")
    SURGEON = "surgeon", _("Surgeon")
    ORTHOPEDIST = "orthopedist", _("Orthopaedist")
    CARDIOLOGIST = "cardiologist", _("Cardiologist")
    INFECTIOUS_DISEASE_SPECIALIST = "infectious_disease_specialist", _("Infectious-disease specialist")
    PULMONOLOGIST = "pulmonologist", _("Pulmonologist (lung doctor)")
    NEPHROLOGIST = "nephrologist", _("Nephrologist (kidney doctor)")
    PROCTOLOGIST = "proctologist", _("Proctologist")


class Urgency(models.TextChoices):
    """Ordered from least to most urgent; compare with URGENCY_RANK."""

    SELF_CARE = "self_care", _("Self-care")
    ROUTINE = "routine", _("Routine")
    SOON = "soon", _("Soon")
    URGENT = "urgent", _("Urgent")
    EMERGENCY = "emergency", _("Emergency")


class Test(models.TextChoices):
    """Listed in the order a therapist would order them."""

    BLOOD_COUNT = "blood_count", _("Complete blood count")
    BLOOD_BIOCHEMISTRY = "blood_biochemistry", _("Blood biochemistry")
    URINE_NECHIPORENKO = "urine_nechiporenko", _("Detailed urine test")
    SPINE_XRAY = "spine_xray", _("X-ray of the spine")
    ULTRASOUND = "ultrasound", _("Ultrasound scan of the organs")
    SPINE_ULTRASOUND = "spine_ultrasound", _("Ultrasound scan of the spine")
    VASCULAR_DOPPLER = "vascular_doppler", _("Ultrasound scan of the blood vessels")
    CT = "ct", _("CT scan")
    MRI = "mri", _("MRI scan")


# One line per test on what it looks for, shown under the test's plain name.
TEST_PURPOSES: dict[str, StrPromise] = {
    Test.BLOOD_COUNT: _("Looks for signs of inflammation or infection in your blood."),
    Test.BLOOD_BIOCHEMISTRY: _("Checks how your kidneys, liver and other organs are working."),
    Test.URINE_NECHIPORENKO: _("Counts the cells in your urine to look for a kidney or bladder problem."),
    Test.SPINE_XRAY: _("Shows the bones of your spine: injuries, wear and curvature."),
    Test.ULTRASOUND: _("Shows the organs inside your belly and pelvis, without radiation."),
    Test.SPINE_ULTRASOUND: _("Shows the soft tissues around your spine, without radiation."),
    Test.VASCULAR_DOPPLER: _("Shows how blood flows through the vessels of your back and neck."),
    Test.CT: _("Detailed X-ray pictures of the spine and organs, in slices."),
    Test.MRI: _("Detailed pictures of the discs, nerves and soft tissues, without radiation."),
}


URGENCY_RANK: dict[str, int] = {code: rank for rank, code in enumerate(Urgency.values)}

# How soon each urgency means the patient should be seen, defined once: the
# phrase patients read beside the urgency, and the span staff work to.
URGENCY_TIME_FRAMES: dict[str, tuple[timedelta, StrPromise]] = {
    Urgency.EMERGENCY: (timedelta(0), _("now: call emergency services")),
    Urgency.URGENT: (timedelta(hours=24), _("within 24 hours")),
    Urgency.SOON: (timedelta(days=7), _("within a week")),
    Urgency.ROUTINE: (timedelta(days=28), _("within a few weeks")),
    Urgency.SELF_CARE: (timedelta(days=42), _("no visit needed unless it comes back or gets worse")),
}


def urgency_within(urgency: str) -> timedelta:
    """How soon a patient with this urgency should be seen."""
    return URGENCY_TIME_FRAMES[urgency][0]


def urgency_time_frame(urgency: str) -> str:
    """The time frame a patient reads beside the urgency ("within 24 hours")."""
    return URGENCY_TIME_FRAMES[urgency][1]
TEST_RANK: dict[str, int] = {code: rank for rank, code in enumerate(Test.values)}


# How the intake form groups the symptom checkboxes; every symptom appears once.
SYMPTOM_GROUPS: tuple[tuple[str, tuple[Symptom, ...]], ...] = (
    (
        _("Signs that need help now"),
        (
            Symptom.SADDLE_NUMBNESS,
            Symptom.BLADDER_OR_BOWEL_CONTROL_LOSS,
            Symptom.LEG_WEAKNESS,
        ),
    ),
    (
        _("Warning signs"),
        (
            Symptom.GETTING_WORSE,
            Symptom.PAIN_WORSE_ON_MOVEMENT,
            Symptom.TINGLING,
            Symptom.DIZZINESS_ON_RISING,
            Symptom.FREQUENT_URINATION,
            Symptom.NUMB_AT_NIGHT,
        ),
    ),
    (
        _("Chest, breathing and pain that spreads"),
        (
            Symptom.ACUTE_PAROXYSMAL_PAIN,
            Symptom.CHEST_HEAVINESS,
            Symptom.PAIN_RADIATES_TO_HEART,
            Symptom.PAIN_RADIATES_TO_LIVER,
            Symptom.PAIN_RADIATES_TO_STOMACH,
            Symptom.PAIN_RADIATES_TO_KIDNEYS,
            Symptom.BREATHING_DIFFICULTY,
            Symptom.SHORT_BREATH_ON_EXERTION,
            Symptom.SHORT_BREATH_AT_REST,
        ),
    ),
    (
        _("Lower back and legs"),
        (
            Symptom.GROIN_PAIN,
            Symptom.LEG_PAIN,
            Symptom.LEG_CRAMPS,
            Symptom.SHOOTING_PAIN_ALONG_SPINE,
            Symptom.INTERNAL_NUMBNESS,
            Symptom.STONE_BACK,
            Symptom.LOSS_OF_SENSATION,
        ),
    ),
    (
        _("Anything else"),
        (
            Symptom.DIZZINESS,
            Symptom.WEAKNESS,
            Symptom.SWELLING,
            Symptom.SKIN_REDNESS,
            Symptom.LIMITED_ARM_MOVEMENT,
            Symptom.FEVER,
        ),
    ),
)
