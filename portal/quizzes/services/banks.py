"""The per-course question bank: nested categories and questions; import and export."""
from __future__ import annotations

import re
from collections import Counter
from typing import Any
from urllib.parse import unquote

import nh3
import sqlalchemy as sa
from flask import url_for
from markupsafe import Markup, escape

from portal.audit.services import record
from portal.courses.models import Course
from portal.extensions import db
from portal.form_fields import unprintable_character
from portal.markdown_render import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown
from portal.quizzes.formats import FormatError, ImportedQuestion, export_gift, export_moodle_xml, validate
from portal.quizzes.formats.cloze import PLACEHOLDER
from portal.quizzes.models import Question, QuestionCategory, QuestionImage, QuizSlot, Response
from portal.quizzes.types import REGISTRY, QuestionDataError

DEFAULT_CATEGORY = "Default"
# Settings an imported question keeps in its `data` that the authoring form's answer lines do not
# show: editing the answers keeps them.
KEPT_OPTIONS = ("case_sensitive", "units", "unit_grading", "unit_penalty", "tags", "idnumber")
SKIPPED_KINDS = {"description"}  # text-only items carry no points; quizzes here hold questions only


class BankError(ValueError):
    pass


def categories(course: Course) -> list[QuestionCategory]:
    """All categories of a course, depth-first in name order, each with `depth` set."""
    rows = db.session.scalars(sa.select(QuestionCategory).where(QuestionCategory.course_id == course.id)).all()
    children: dict[int | None, list[QuestionCategory]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    ordered: list[QuestionCategory] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for node in sorted(children.get(parent_id, []), key=lambda c: c.name.lower()):
            node.depth = depth
            ordered.append(node)
            walk(node.id, depth + 1)

    walk(None, 0)
    return ordered


def ensure_category(course: Course, path: str) -> QuestionCategory:
    """The category at `path` ("Week 1/Scenarios"), created along the way."""
    parent: QuestionCategory | None = None
    names = [n.strip() for n in (path or "").split("/") if n.strip()] or [DEFAULT_CATEGORY]
    for name in names:
        name = name[:200]
        node = db.session.scalar(sa.select(QuestionCategory).where(
            QuestionCategory.course_id == course.id, QuestionCategory.name == name,
            QuestionCategory.parent_id.is_(None) if parent is None else QuestionCategory.parent_id == parent.id))
        if node is None:
            node = QuestionCategory(course_id=course.id, name=name, parent=parent)
            db.session.add(node)
            db.session.flush()
        parent = node
    assert parent is not None  # `names` is never empty
    return parent


def category_problem(category: QuestionCategory, name: str, parent: QuestionCategory | None) -> str | None:
    if not name.strip():
        return "Give the category a name."
    node = parent
    while node is not None:
        if category.id is not None and node.id == category.id:
            return "A category cannot be inside itself."
        node = node.parent
    clash = db.session.scalar(sa.select(QuestionCategory.id).where(
        QuestionCategory.course_id == category.course_id, QuestionCategory.name == name.strip(),
        QuestionCategory.parent_id.is_(None) if parent is None else QuestionCategory.parent_id == parent.id,
        QuestionCategory.id != (category.id or 0)))
    return "A category of that name already exists there." if clash else None


def current_questions(course_id: int) -> sa.Select[Question]:
    """The course's bank as authors see it: the latest version of each question."""
    return (sa.select(Question).where(Question.course_id == course_id, Question.replaced_by_id.is_(None))
            .order_by(Question.category_id, Question.id))


def question_answered(question: Question) -> bool:
    return db.session.scalar(sa.select(Response.id).where(Response.question_id == question.id).limit(1)) is not None


def latest_version(question: Question) -> Question:
    while question.replaced_by is not None:
        question = question.replaced_by
    return question


def new_version(question: Question) -> Question:
    """A copy of an answered question to be edited; the exams that used it use the copy from now on."""
    revised = Question(course_id=question.course_id, category=question.category, kind=question.kind, name=question.name,
                       text=question.text, text_format=question.text_format, points=question.points,
                       general_feedback=question.general_feedback, data=question.data, version=question.version + 1,
                       images=[QuestionImage(filename=i.filename, content=i.content) for i in question.images])
    db.session.add(revised)
    db.session.flush()
    question.replaced_by = revised
    db.session.execute(sa.update(QuizSlot).where(QuizSlot.question_id == question.id).values(question_id=revised.id))
    return revised


def draft_question(course: Course, question: Question | None, *, kind: str, name: str, text: str, points: float,
                   general_feedback: str, answers: str) -> Question:
    """The question an author's form describes, not stored: the preview shows it, `save_question` stores it.
    Raises QuestionDataError when the answers do not parse for `kind`, and BankError when a question already
    used or answered would change type."""
    data = REGISTRY[kind].data_from_lines(answers)
    REGISTRY[kind].check_text(text, data)
    if question is not None and question.kind != kind and question_in_use(question):
        raise BankError("This question is already used or answered; its type cannot change.")
    if question is not None and question.kind == kind:
        data = {**{k: v for k, v in (question.data or {}).items() if k in KEPT_OPTIONS}, **data}
    return Question(course_id=course.id, kind=kind, name=name.strip(), text=text,
                    text_format=question.text_format if question else "markdown", points=points,
                    general_feedback=general_feedback, data=data)


def save_question(course: Course, question: Question | None, draft: Question, category_id: int | None) -> Question:
    """Store a draft as a new question (`question` None), in place, or, when `question` has been answered, as its
    next version, so past attempts keep what they were asked. No category means the course's default one (created
    if needed). Raises LookupError when the category is not one of the course's."""
    category = (db.session.get(QuestionCategory, category_id) if category_id
                else ensure_category(course, DEFAULT_CATEGORY))
    if category is None or category.course_id != course.id:
        raise LookupError(category_id)
    if question is None:
        target = Question(course_id=course.id)
    elif question_answered(question):
        target = new_version(question)
    else:
        target = question
    for attr in ("kind", "name", "text", "text_format", "points", "general_feedback", "data"):
        setattr(target, attr, getattr(draft, attr))
    target.category = category
    db.session.add(target)
    db.session.flush()
    record("question_saved", target, course_id=course.id, kind=target.kind, version=target.version)
    return target


def question_in_use(question: Question) -> bool:
    """Answered, or placed in an exam."""
    return question_answered(question) or db.session.scalar(
        sa.select(QuizSlot.id).where(QuizSlot.question_id == question.id).limit(1)) is not None


def delete_question(question: Question) -> None:
    if question_in_use(question):
        raise BankError("This question is used in a quiz or has been answered, so it cannot be deleted.")
    record("question_deleted", question, course_id=question.course_id, name=question.name)
    db.session.delete(question)


# --- rendering -----------------------------------------------------------------------------------

PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\s\"'<>)]+)")


def _with_images(html: str, question: Question) -> str:
    by_name = {image.filename: image for image in question.images}

    def swap(match: re.Match[str]) -> str:
        # Moodle writes names with spaces or accents URL-encoded in the text ("my%20pic.png").
        image = by_name.get(match.group(1)) or by_name.get(unquote(match.group(1)))
        return url_for("bank.image", image_id=image.id) if image else ""

    return PLUGINFILE.sub(swap, html)


def render_text(question: Question, text: str | None = None, fmt: str | None = None, gaps: bool = False) -> Markup:
    """A question's text (or feedback) as safe HTML, in its own format, with its images. The gaps of a
    cloze question show as numbered marks, or, with `gaps`, stay {#n} placeholders for its template."""
    if text is None and question.type.inline_text and not gaps:
        return Markup(PLACEHOLDER.sub(lambda m: f'<span class="portal-gap">[gap {m.group(1)}]</span>',
                                      str(render_text(question, gaps=True))))  # noqa: S704 - sanitized below
    text = question.text if text is None else text
    fmt = fmt or question.text_format
    if fmt == "html":
        clean = nh3.clean(_with_images(text or "", question), tags=ALLOWED_TAGS | {"span", "div"},
                          attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                          link_rel="noopener noreferrer nofollow")
        return Markup(clean)  # noqa: S704 - sanitized by nh3
    if fmt == "plain":
        return Markup("<p>") + escape(text or "").replace("\n", Markup("<br>")) + Markup("</p>")
    return render_markdown(_with_images(text or "", question))


def render_inline(question: Question, text: str) -> Markup:
    """A choice or answer text: plain, or sanitized inline HTML for HTML questions."""
    if question.text_format == "html":
        return Markup(nh3.clean(text or "", tags={"b", "i", "em", "strong", "sub", "sup", "code", "br", "span"}))  # noqa: S704
    return escape(text or "")


# --- import / export -----------------------------------------------------------------------------

def import_questions(course: Course, questions: list[ImportedQuestion], under: str | None = None) -> Counter[str]:
    """Add parsed questions to the bank, all or nothing: every question is checked before anything is
    written, so a FormatError leaves the bank untouched. Returns how many of each kind were imported;
    skipped kinds are counted as "skipped <kind>"."""
    counts: Counter[str] = Counter()
    ready = []
    if problem := unprintable_character(under or ""):
        raise FormatError(f"the category {problem}")
    for q in questions:
        if q.kind in SKIPPED_KINDS:
            counts[f"skipped {q.kind}"] += 1
            continue
        if error := import_problem(q):
            raise error
        ready.append((q, imported_data(q)))
    for q, data in ready:
        path = "/".join(p for p in [under, q.category] if p) or DEFAULT_CATEGORY
        question = Question(course_id=course.id, category=ensure_category(course, path), kind=q.kind, name=q.name[:255],
                            text=q.text, text_format=q.text_format, points=q.points, general_feedback=q.general_feedback,
                            data=data)
        for filename, content in q.images.items():
            question.images.append(QuestionImage(filename=filename[:255], content=content))
        db.session.add(question)
        counts[q.kind] += 1
    db.session.flush()
    record("questions_imported", course, counts=dict(counts), under=under or "")
    return counts


def imported_data(q: ImportedQuestion) -> dict[str, Any]:
    data = REGISTRY[q.kind].data_from_imported(q)
    if q.tags:
        data["tags"] = q.tags
    if q.idnumber:
        data["idnumber"] = q.idnumber
    return data


def import_problem(q: ImportedQuestion) -> FormatError | None:
    """Why the bank cannot take this parsed question (None if it can)."""
    if problem := unprintable_character(q.name) or unprintable_character(q.category or ""):
        return FormatError(f"its name or category {problem}", q.source_line, q.name)
    try:
        validate(q)
        imported_data(q)
    except (KeyError, QuestionDataError) as exc:
        return FormatError(str(exc), q.source_line, q.name)
    except FormatError as exc:
        return exc
    return None


def to_imported(question: Question) -> ImportedQuestion:
    return ImportedQuestion(
        kind=question.kind, name=question.name, text=question.text, text_format=question.text_format,
        points=question.points, general_feedback=question.general_feedback, category=question.category.path,
        images={i.filename: i.content for i in question.images}, tags=list((question.data or {}).get("tags", [])),
        idnumber=(question.data or {}).get("idnumber", ""), **question.type.imported_fields(question.data),
    )


def export_questions(course: Course, fmt: str, category: QuestionCategory | None = None) -> tuple[str, list[FormatError]]:
    """The bank (or one category of it) as GIFT or Moodle XML, and what the export left out or lost:
    a question that cannot be written is reported, never the end of the export. The report also heads
    the file as comments, so it travels with it."""
    query = current_questions(course.id)
    if category is not None:
        query = query.where(Question.category_id.in_(category.descendant_ids()))
    questions = [to_imported(q) for q in db.session.scalars(query)]
    problems: list[FormatError] = []
    body = export_gift(questions, problems) if fmt == "gift" else export_moodle_xml(questions, problems)
    if problems:
        lines = [" ".join(str(p).replace("--", "- -").split()) for p in problems]
        if fmt == "gift":
            body = "".join(f"// {line}\n" for line in lines) + "\n" + body
        else:
            head, _, rest = body.partition("\n")
            body = head + "\n" + "".join(f"<!-- {line} -->\n" for line in lines) + rest
    return body, problems


def summary(counts: Counter[str]) -> str:
    labels = {key: cls.label.lower() for key, cls in REGISTRY.items()}
    parts = [f"{n} {labels.get(kind, kind)}" for kind, n in sorted(counts.items())]
    total = sum(n for kind, n in counts.items() if kind in REGISTRY)
    return f"Imported {total} question(s): " + (", ".join(parts) if parts else "none") + "."
