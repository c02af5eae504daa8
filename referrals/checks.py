from django.core.checks import Error, register

from referrals.rulebook import RulebookError, load_rulebook


@register()
def check_rulebook(app_configs, **kwargs) -> list[Error]:
    """Run by `manage.py check` and at start-up: a broken rulebook stops the portal."""
    try:
        load_rulebook()
    except RulebookError as exc:
        return [Error(problem, id="referrals.E001") for problem in exc.problems]
    return []
