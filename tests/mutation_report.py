"""What `make mutate` found: each surviving mutant as a diff, then the share that survived per module.

Run by `make mutate` after `mutmut run`; on its own: `.venv/bin/python -m tests.mutation_report`.
A mutant counts as caught when a test failed (or timed out) with it; it survives when every
test passed, or when no test reached the mutated function at all.
"""

import json
import sys
from pathlib import Path

from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

GOAL = 0.10  # at most this share of a module's mutants may survive
CAUGHT = {"killed", "timeout", "caught by type check"}
NOT_RUN = {"not checked", "skipped", "check was interrupted by user"}


def module_results(folder: Path = Path("mutants")) -> dict[str, dict[str, str]]:
    """source path -> {mutant name: status}, as mutmut recorded them."""
    results = {}
    for meta in sorted(folder.rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        source = str(meta.relative_to(folder).with_suffix(""))
        results[source] = {name: status_by_exit_code[code] for name, code in codes.items()}
    return results


def main() -> int:
    results = module_results()
    if not results:
        print("No mutation results under mutants/: run `make mutate` first.")
        return 2
    survivors = [
        (source, name, status)
        for source, statuses in results.items()
        for name, status in statuses.items()
        if status not in CAUGHT | NOT_RUN
    ]
    for source, name, status in survivors:
        print(f"\n# {name}: {status}")
        print(get_diff_for_mutant(name, path=source))
    print(f"\n{'module':<26}{'mutants':>9}{'caught':>8}{'survived':>10}{'not run':>9}{'survived %':>12}")
    missed, rows = [], {source: count(statuses) for source, statuses in results.items()}
    for source, row in [*rows.items(), ("all", [sum(column) for column in zip(*rows.values(), strict=True)])]:
        mutants, caught, survived, not_run = row
        share = survived / max(mutants - not_run, 1)
        if source != "all" and (share >= GOAL or not_run):
            missed.append(source)
        print(f"{source:<26}{mutants:>9}{caught:>8}{survived:>10}{not_run:>9}{share:>11.1%}")
    print(f"Mutation score: {1 - share:.1%} caught. Goal: under {GOAL:.0%} surviving in every module.")
    if missed:
        print("Not there yet: " + ", ".join(missed))
    return 1 if missed else 0


def count(statuses: dict[str, str]) -> list[int]:
    """mutants, caught, survived, not run."""
    caught = sum(status in CAUGHT for status in statuses.values())
    not_run = sum(status in NOT_RUN for status in statuses.values())
    return [len(statuses), caught, len(statuses) - caught - not_run, not_run]


if __name__ == "__main__":
    sys.exit(main())
