"""Write referrals/rulebook_messages.py: the rulebook's patient sentences for the translation catalog.

The rulebook (TOML) stays the one source of the sentences; makemessages reads
Python, so this writes each distinct reason and advice sentence as a
gettext_noop call. Routes store the English sentence and pages translate it
when they show it. Run it after changing a sentence, then makemessages.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from referrals.rulebook import Rulebook, get_rulebook

MODULE = Path(__file__).resolve().parents[2] / "rulebook_messages.py"

HEADER = '''# ruff: noqa: E501
"""The rulebook's patient sentences, for the translation catalog only.

Generated from referrals/rules/back_numbness.toml by
`manage.py rulebook_messages`; do not edit by hand (a test fails when it is stale).
"""

from django.utils.translation import gettext_noop

SENTENCES = (
'''


def rulebook_sentences(book: Rulebook) -> list[str]:
    """Every reason and advice sentence a patient may read, once each, in rulebook order."""
    sentences: dict[str, None] = {}
    for rule in book.rules:
        sentences.setdefault(rule.reason, None)
        sentences.update(dict.fromkeys(rule.advice))
    return list(sentences)


def rulebook_messages_module(book: Rulebook) -> str:
    lines = [f"    gettext_noop({sentence!r}),\n" for sentence in rulebook_sentences(book)]
    return HEADER + "".join(lines) + ")\n"


class Command(BaseCommand):
    help = "Write the rulebook's patient sentences as gettext_noop calls for makemessages."

    def handle(self, *args: Any, **options: Any) -> None:
        MODULE.write_text(rulebook_messages_module(get_rulebook()))
        self.stdout.write(f"Wrote {MODULE}")
