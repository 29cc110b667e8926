"""`make mutation`: mutate the functions that hold the program's rules, run the tests that pin them
(mutmut, configured in pyproject.toml) and print the score per module and every surviving mutant.

The scope is the rules, not whole files: a mutant of an audit payload, a message's wording or a
database query's loading options says nothing about the rules and would only slow the run.
Exit status 1 when a module scores below the bar. See docs/mutation-testing.md."""
import json
import os
import subprocess
import sys
from pathlib import Path

BAR = 90.0

# module -> mutmut names of its rule-bearing functions (`x_<function>`, `xǁ<Class>ǁ<method>`)
SCOPE = {
    "portal.quizzes.services.rules": [
        "x_standing", "x_apply_rules", "x_retakes_allowed_by_enrollment", "x_quiz_window_problem", "x_grant_retake",
    ],
    "portal.quizzes.services.grading": [
        "x_points", "x_auto_grade", "x_finalize", "x_grade_response", "x_can_see_attempt",
    ],
    "portal.quizzes.types": [
        "x_clamp", "xǁQuestionTypeǁis_answered", "xǁ_ChoiceTypeǁcheck", "xǁ_ChoiceTypeǁchosen_ids",
        "xǁ_ChoiceTypeǁshown_choices", "xǁSingleChoiceǁread_answer",
        "xǁSingleChoiceǁgrade", "xǁMultipleResponseǁcheck", "xǁMultipleResponseǁread_answer",
        "xǁMultipleResponseǁpenalty", "xǁMultipleResponseǁgrade", "x_normalize_text", "x_wildcard_pattern",
        "xǁ_TypedAnswerTypeǁread_answer", "xǁ_TypedAnswerTypeǁgrade", "xǁShortAnswerǁbest", "x_parse_number",
        "xǁNumericǁread_answer", "xǁNumericǁbest", "xǁMatchingǁshown_prompts", "xǁMatchingǁshown_options",
        "xǁMatchingǁread_answer", "xǁMatchingǁgrade", "xǁEssayǁread_answer", "xǁEssayǁgrade",
    ],
    "portal.certificates.serials": ["x_next_serial"],
    "portal.certificates.services": [
        "x_current_certificate", "x_refreshable_certificate", "x_issue", "x_reissue", "x_revoke",
        "x_current_clause", "x__expiring", "x_reminder_threshold", "x_queue_expiry_reminders",
    ],
    "portal.access": ["x_public", "x_roles", "x_signed_in", "x_access_rule", "x_enforce_access"],
    "portal.nominations.eligibility": ["x_check", "x_problems"],
    "portal.agencies.models": [
        "xǁAgreementǁrenewal_due", "xǁAgreementǁpast_end", "xǁAgreementǁis_in_force", "xǁAgreementǁcan_move_to",
        "x_in_force_clause",
    ],
    "portal.agencies.services": ["x_three_years_after", "x_apply_agreement_changes", "x_change_status"],
    "portal.nominations.services": ["x_parse_bool", "x_parse_date", "x_parse_row"],
}

NOT_KILLED = {0, 5, 33, 34, 35, None}  # survived, no test ran it, skipped, suspicious, not run

# SQLite accepts some SQL that PostgreSQL refuses: survivors of these functions are run again on
# PostgreSQL (MUTATION_POSTGRES_URL), with the tests that pin them (file, -k expression).
POSTGRES_RECHECK = {"portal.certificates.serials.x_next_serial": ("tests/rules/test_certificates.py", "serial")}


def globs() -> list[str]:
    return [f"{module}.{function}__mutmut_*" for module, functions in SCOPE.items() for function in functions]


def in_scope(name: str) -> str | None:
    module, _, rest = name.rpartition(".")
    function = rest.split("__mutmut_")[0]
    return module if function in SCOPE.get(module, ()) else None


def results() -> dict[str, dict[str, int | None]]:
    found: dict[str, dict[str, int | None]] = {module: {} for module in SCOPE}
    for meta in Path("mutants/portal").rglob("*.py.meta"):
        for name, exit_code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if (module := in_scope(name)) is not None:
                found[module][name] = exit_code
    return found


def killed_on_postgresql(name: str) -> bool:
    """Run the tests that pin this mutant's function on PostgreSQL, with the mutant active."""
    url = os.environ.get("MUTATION_POSTGRES_URL")
    target = POSTGRES_RECHECK.get(name.split("__mutmut_")[0])
    if not url or target is None:
        return False
    path, selection = target
    run = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", path, "-k", selection],
                         cwd="mutants", capture_output=True, env={**os.environ, "MUTANT_UNDER_TEST": name,
                                                                  "TEST_DATABASE_URL": url})
    return run.returncode == 1  # a test failed (3 would be: the server is not reachable)


def report() -> int:
    failing = 0
    survivors: list[str] = []
    found = results()
    on_postgresql = {name for outcomes in found.values() for name, code in outcomes.items()
                     if code in NOT_KILLED and killed_on_postgresql(name)}
    print(f"\n{'module':36} {'killed':>7} {'mutants':>8} {'score':>7}")
    for module, outcomes in found.items():
        outcomes = {name: (1 if name in on_postgresql else code) for name, code in outcomes.items()}
        killed = sum(1 for code in outcomes.values() if code not in NOT_KILLED)
        score = 100.0 * killed / len(outcomes) if outcomes else 100.0
        failing += score < BAR
        survivors += sorted(name for name, code in outcomes.items() if code in NOT_KILLED)
        print(f"{module:36} {killed:7} {len(outcomes):8} {score:6.1f}%")
    total = sum(len(o) for o in found.values())
    print(f"{'all':36} {total - len(survivors):7} {total:8} {100.0 * (total - len(survivors)) / max(total, 1):6.1f}%")
    if on_postgresql:
        print(f"\nKilled on PostgreSQL (SQLite accepted them): {', '.join(sorted(on_postgresql))}")
    if survivors:
        print(f"\n{len(survivors)} surviving mutants (each explained in docs/mutation-testing.md):")
        mutmut = Path(sys.executable).with_name("mutmut")
        for name in survivors:
            diff = subprocess.run([mutmut, "show", name], capture_output=True, text=True).stdout
            changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
            print(f"  {name}\n      " + "\n      ".join(changed))
    return 1 if failing else 0


def main() -> int:
    if sys.argv[1:] != ["--report"]:
        jobs = os.environ.get("MUTATION_JOBS", "2")
        run = subprocess.run([Path(sys.executable).with_name("mutmut"), "run", "--max-children", jobs, *globs()])
        if run.returncode != 0:
            return run.returncode
    return report()


if __name__ == "__main__":
    sys.exit(main())
