from pathlib import Path

from django.core.checks import Error, register

from referrals.rulebook import DEFAULT_PATH, RulebookError, load_rulebook


def rulebook_errors(path: Path = DEFAULT_PATH) -> list[Error]:
    try:
        load_rulebook(path)
    except RulebookError as exc:
        hint = f"Fix {path.name}; the portal does not route with a broken rulebook."
        return [Error(problem, hint=hint, obj=path.name, id="referrals.E001") for problem in exc.problems]
    return []


@register()
def check_rulebook(app_configs, **kwargs) -> list[Error]:
    """Run by `manage.py check` and at start-up: a broken rulebook stops the portal."""
    return rulebook_errors()
