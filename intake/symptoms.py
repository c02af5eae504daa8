"""Which symptom questions the intake asks, and of whom.

Every symptom of the vocabulary is asked in exactly one group. The screening
groups are asked of everyone: the signs of a nerve being damaged, of the
heart or the lungs, of an infection, and numbness that gets worse. Companion
groups are asked only where they apply by location (the shoulder-blade
companions for the shoulder blades, the lower-back ones for the lower back),
except that a companion any safety-net rule reads is moved into the
screening groups: a question the safety net depends on is never hidden.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.utils.translation import gettext_lazy as _

from referrals.rulebook import get_rulebook
from referrals.vocabulary import Location, Symptom


@dataclass(frozen=True)
class SymptomGroup:
    key: str
    legend: str
    symptoms: tuple[Symptom, ...]
    # Empty: asked whatever the location.
    locations: frozenset[str] = frozenset()

    @property
    def field_name(self) -> str:
        return f"symptoms_{self.key}"


SCREENING_GROUPS: tuple[SymptomGroup, ...] = (
    SymptomGroup(
        "nerves",
        _("Feeling, strength and control"),
        (
            Symptom.SADDLE_NUMBNESS,
            Symptom.BLADDER_OR_BOWEL_CONTROL_LOSS,
            Symptom.LEG_WEAKNESS,
            Symptom.LOSS_OF_SENSATION,
        ),
    ),
    SymptomGroup(
        "chest",
        _("Chest and breathing"),
        (
            Symptom.CHEST_HEAVINESS,
            Symptom.PAIN_RADIATES_TO_HEART,
            Symptom.BREATHING_DIFFICULTY,
            Symptom.SHORT_BREATH_ON_EXERTION,
            Symptom.SHORT_BREATH_AT_REST,
        ),
    ),
    SymptomGroup(
        "course",
        _("How the numbness behaves"),
        (Symptom.GETTING_WORSE, Symptom.PAIN_WORSE_ON_MOVEMENT, Symptom.TINGLING, Symptom.NUMB_AT_NIGHT),
    ),
    SymptomGroup(
        "general",
        _("Anything else"),
        (Symptom.FEVER, Symptom.DIZZINESS_ON_RISING, Symptom.FREQUENT_URINATION),
    ),
)

_SHOULDER_BLADES = frozenset(
    {
        Location.BETWEEN_SHOULDER_BLADES,
        Location.UNDER_LEFT_SHOULDER_BLADE,
        Location.UNDER_RIGHT_SHOULDER_BLADE,
        Location.ALONG_SPINE,
    }
)
_LOWER_BACK = frozenset({Location.LOWER_BACK, Location.ALONG_SPINE})

COMPANION_GROUPS: tuple[SymptomGroup, ...] = (
    SymptomGroup(
        "shoulder_blades",
        _("With numbness around the shoulder blades"),
        (
            Symptom.ACUTE_PAROXYSMAL_PAIN,
            Symptom.PAIN_RADIATES_TO_LIVER,
            Symptom.PAIN_RADIATES_TO_STOMACH,
            Symptom.PAIN_RADIATES_TO_KIDNEYS,
            Symptom.DIZZINESS,
            Symptom.WEAKNESS,
            Symptom.LEG_CRAMPS,
            Symptom.SWELLING,
            Symptom.SKIN_REDNESS,
            Symptom.LIMITED_ARM_MOVEMENT,
        ),
        _SHOULDER_BLADES,
    ),
    SymptomGroup(
        "lower_back",
        _("With numbness in the lower back"),
        (
            Symptom.GROIN_PAIN,
            Symptom.LEG_PAIN,
            Symptom.SHOOTING_PAIN_ALONG_SPINE,
            Symptom.INTERNAL_NUMBNESS,
            Symptom.STONE_BACK,
        ),
        _LOWER_BACK,
    ),
)


def safety_net_symptoms() -> frozenset[str]:
    """Every symptom a safety-net rule of the current rulebook reads."""
    codes: set[str] = set()
    for rule in get_rulebook().rules:
        if rule.is_safety_net:
            codes |= _symptoms_read(rule.when)
    return frozenset(codes)


def _symptoms_read(when: dict) -> set[str]:
    codes = {*when.get("symptoms", ()), *when.get("symptoms_all", ())}
    for branch in when.get("any", ()):
        codes |= _symptoms_read(branch)
    return codes


def screening_groups() -> tuple[SymptomGroup, ...]:
    """The groups asked of everyone, with the companions the safety net reads moved in."""
    net = safety_net_symptoms()
    moved = tuple(code for group in COMPANION_GROUPS for code in group.symptoms if code in net)
    *first, last = SCREENING_GROUPS
    return (*first, replace(last, symptoms=last.symptoms + moved))


def companion_groups(locations: Iterable[str]) -> tuple[SymptomGroup, ...]:
    """The companion groups that apply where the numbness is, without what the screening asks."""
    where, net = frozenset(locations), safety_net_symptoms()
    groups = []
    for group in COMPANION_GROUPS:
        kept = tuple(code for code in group.symptoms if code not in net)
        if kept and not group.locations.isdisjoint(where):
            groups.append(replace(group, symptoms=kept))
    return tuple(groups)
