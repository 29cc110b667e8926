"""Who may be nominated for 287(g) training (docs/program-rules.md): a US citizen with at least two years of
law-enforcement experience and a completed background check. Each rule explains itself."""
from dataclasses import dataclass
from datetime import date

from portal.timeutil import today

MIN_YEARS_EXPERIENCE = 2


@dataclass(frozen=True)
class Finding:
    column: str  # the CSV column / form field the rule is about
    ok: bool
    text: str


def check(*, us_citizen: bool, years_experience: float, background_check_date: date | None,
          on: date | None = None) -> list[Finding]:
    on = on or today()
    findings = [
        Finding("us_citizen", True, "US citizen") if us_citizen
        else Finding("us_citizen", False, "must be a US citizen"),
    ]
    years = f"{years_experience:g}"
    if years_experience >= MIN_YEARS_EXPERIENCE:
        findings.append(Finding("years_experience", True, f"{years} years of law-enforcement experience"))
    else:
        findings.append(Finding("years_experience", False,
                                f"needs {MIN_YEARS_EXPERIENCE} years of law-enforcement experience (has {years})"))
    if background_check_date is None:
        findings.append(Finding("background_check_date", False, "needs a completed background check (no date given)"))
    elif background_check_date > on:
        findings.append(Finding("background_check_date", False,
                                f"background check date {background_check_date.isoformat()} is in the future"))
    else:
        findings.append(Finding("background_check_date", True,
                                f"background check completed {background_check_date.isoformat()}"))
    return findings


def problems(**facts) -> list[Finding]:
    return [f for f in check(**facts) if not f.ok]
