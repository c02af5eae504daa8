"""Where each section of the two source articles starts, to check citations.

Article 000 has headings; article 002 has few, so its sections are named by
topic and start at the phrase given here. A section runs to the next start;
a name may appear more than once when the article returns to a topic.
"""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SECTION_STARTS: dict[str, tuple[tuple[str, str], ...]] = {
    "000_f872c3d1c522e607.txt": (
        ("Introduction", "The back goes numb: reasons to see which doctor"),
        ("Numbness of the back: is it serious?", "\nNumbness of the back: is it serious?\n"),
        ("Who is suffering", "\nWho is suffering\n"),
        ("Common causes", "\nCommon causes\n"),
        ("Under the shoulder blades", "\nUnder the shoulder blades\n"),
        ("Loin", "\nLoin\n"),
        ("Diagnostics", "\nDiagnostics\n"),
        ("Most common methods", "\nMost common methods\n"),
        ("Which doctor to contact", "\nWhich doctor to contact\n"),
        ("Treatment", "\nTreatment\n"),
    ),
    "002_081e3edaf3760b5a.txt": (
        ("Introduction", "Numbness back"),
        ("Common causes", "Cause numbness in the back can be a wide range"),
        ("Lower back", "In addition, at one time or another supportive factor"),
        ("Between the shoulder blades", "If numbs the back between the shoulder blades"),
        ("Causes in women", "Female numbness of the skin on the back cause"),
        ("Causes in men", "Predisposing factors, why numb the back is just for men"),
        ("Companion symptoms", "As already mentioned, for quite a long time"),
        ("Which doctor", "If numbs the back in the blades or below"),
        ("Diagnostics", "The first stage of diagnosis is aimed at"),
        ("Which doctor", "After this, the patient may submit the following"),
        ("Treatment", "Numbness in back under left shoulder blade"),
        ("Prevention and prognosis", "\nPrevention and prognosis\n"),
    ),
}


def seeds_dir() -> Path:
    configured = os.environ.get("SEEDS_DIR")
    return Path(configured) if configured else REPO.parent / "shared" / "seeds"


def section_texts(text: str, starts: tuple[tuple[str, str], ...]) -> dict[str, list[str]]:
    """Each section's spans of the article, found by their starting phrase."""
    offsets = []
    for name, phrase in starts:
        offset = text.index(phrase)
        assert not offsets or offset > offsets[-1][1], f"section {name!r} starts before the previous one"
        offsets.append((name, offset))
    spans: dict[str, list[str]] = {}
    for (name, begin), (_, end) in zip(offsets, [*offsets[1:], ("", len(text))], strict=True):
        spans.setdefault(name, []).append(text[begin:end])
    return spans
