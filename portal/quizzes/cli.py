"""flask --app portal questions import|export ...; flask --app portal quizzes close-overdue"""
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from portal.courses.models import Course
from portal.extensions import db
from portal.quizzes.formats import FormatError

questions = AppGroup("questions", help="Import and export the question bank of a course.")
quizzes = AppGroup("quizzes", help="Exam housekeeping.")


def course_by_code(code: str) -> Course:
    course = db.session.scalar(sa.select(Course).where(Course.code == code))
    if course is None:
        raise click.ClickException(f"No course with code {code!r}.")
    return course


@questions.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--course", "code", required=True, help="Course code, e.g. 287G-JEM-BASIC.")
@click.option("--category", default=None, help="Put the questions under this category (the file's categories go inside it).")
@click.option(
    "--format", "fmt", type=click.Choice(["gift", "moodlexml"]), default=None, help="Guessed from the file when omitted."
)
@click.option("--encoding", default=None, help="GIFT only: the file's encoding, e.g. windows-1252 (detected when omitted).")
@click.option("--dry-run", is_flag=True, help="Show what would be imported, and import nothing.")
@click.option("--skip-unsupported", is_flag=True,
              help="Import the file without the questions that cannot be imported (they are listed).")
def import_command(path: Path, code: str, category: str | None, fmt: str | None, encoding: str | None,
                   dry_run: bool, skip_unsupported: bool) -> None:
    """Import a GIFT or Moodle XML file: all of it, or nothing on any error (unless --skip-unsupported).
    Prints what is imported per type and category, what each question loses, and what is refused."""
    from portal.quizzes.services import banks, imports

    course = course_by_code(code)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"Cannot read {path}: {exc.strerror}.") from None
    try:
        plan = imports.read_plan(path.name, data, fmt, imports.check_encoding(encoding))
    except FormatError as exc:
        raise click.ClickException(f"{path.name}: {exc}. Nothing was imported.") from None
    report = imports.report_lines(plan, category)
    if dry_run:
        click.echo("\n".join([*report, "Dry run: nothing was imported."]))
        return
    try:
        counts = imports.apply_plan(course, plan, category, skip_unsupported)
    except FormatError as exc:  # raised before anything is written; one line, as every refusal
        hint = " Use --skip-unsupported to import the rest (--dry-run shows the whole report)." if plan.refused else ""
        raise click.ClickException(f"{path.name}: {exc}. Nothing was imported.{hint}") from None
    db.session.commit()
    click.echo("\n".join(report))
    click.echo(banks.summary(counts))
    for kind, n in sorted(counts.items()):
        click.echo(f"  {kind:<20} {n}")


@questions.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--course", "code", required=True)
@click.option("--format", "fmt", type=click.Choice(["gift", "moodlexml"]), default="gift")
def export_command(path: Path, code: str, fmt: str) -> None:
    """Export a course's whole bank to GIFT or Moodle XML. A question that cannot be written is
    left out and named (exit status 1); what GIFT cannot carry (images, units...) is named too."""
    from portal.quizzes.services import banks

    course = course_by_code(code)
    body, problems = banks.export_questions(course, fmt)
    try:
        path.write_text(body, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"Cannot write {path}: {exc.strerror}.") from None
    click.echo(f"Wrote {path}.")
    for problem in problems:
        click.echo(f"  {problem}", err=True)
    left_out = [p for p in problems if not p.message.startswith("exported without")]
    if left_out:  # the rest is written; a script still learns the file is incomplete
        raise click.exceptions.Exit(1)


@quizzes.command("close-overdue")
def close_overdue_command() -> None:
    """Close attempts whose time ran out (run it every few minutes)."""
    from portal.quizzes.services.attempts import close_all_overdue

    closed = close_all_overdue()
    db.session.commit()
    click.echo(f"Closed {closed} attempt(s).")
