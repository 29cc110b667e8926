"""GIFT and Moodle XML imports (CLI and upload, all or nothing), export round trips, bank authoring."""
import io
import re
from pathlib import Path

import sqlalchemy as sa

from portal.auth.roles import Role
from portal.extensions import db
from portal.quizzes.models import Question, QuestionCategory, QuestionImage

DATA = Path(__file__).parent / "data"
DEMO_GIFT = Path(__file__).parents[2] / "portal" / "demo" / "content" / "jem_basic" / "questions.gift"


def count(course):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Question).where(Question.course_id == course.id))


def run(app, *args):
    return app.test_cli_runner().invoke(args=["questions", *args])


def test_cli_imports_the_demo_gift_bank_with_counts_per_type(app, make):
    course = make.course(code="287G-JEM-BASIC")
    result = run(app, "import", str(DEMO_GIFT), "--course", course.code)
    assert result.exit_code == 0, result.output
    assert "Imported 58 question(s)" in result.output
    for line in ("essay                5", "matching             7", "multiple_response    7", "numeric              11",
                 "short_answer         5", "single_choice        13", "true_false           10"):
        assert line in result.output
    paths = {c.path for c in db.session.scalars(sa.select(QuestionCategory).where(QuestionCategory.course_id == course.id))}
    assert {"287G-JEM-BASIC/Week 1", "287G-JEM-BASIC/Week 4", "287G-JEM-BASIC/Final"} <= paths
    numeric = db.session.scalar(sa.select(Question).where(Question.name == "W1 Pass mark"))
    assert numeric.type.grade(numeric, {"text": "70"}) == 1.0


def test_cli_imports_moodle_xml_of_every_kind_under_a_category(app, make):
    course = make.course()
    result = run(app, "import", str(DATA / "every_kind.xml"), "--course", course.code, "--category", "From Moodle")
    assert result.exit_code == 0, result.output
    assert "Imported 7 question(s)" in result.output
    by_name = {q.name: q for q in db.session.scalars(sa.select(Question).where(Question.course_id == course.id))}
    assert {q.kind for q in by_name.values()} == {"single_choice", "multiple_response", "true_false", "short_answer",
                                                   "numeric", "matching", "essay"}
    assert by_name["Single"].category.path == "From Moodle/Imported/Week 1" and by_name["Single"].points == 2
    assert by_name["Single"].images[0].filename == "badge.png"
    assert by_name["Short"].type.grade(by_name["Short"], {"text": "immigration and customs enforcement"}) == 1.0
    assert by_name["Number"].type.grade(by_name["Number"], {"text": "70.4"}) == 1.0
    assert by_name["TF"].type.grade(by_name["TF"], {"choice": "true"}) == 1.0
    assert by_name["Multi"].type.grade(by_name["Multi"], {"choices": ["a", "c"]}) == 0.0


def test_malformed_files_import_nothing_and_name_the_fault(app, make, tmp_path):
    course = make.course()
    bad_gift = tmp_path / "bad.gift"
    bad_gift.write_text("::One::Fine {=yes ~no}\n\n::Two::Broken {=yes ~no\n", encoding="utf-8")
    result = run(app, "import", str(bad_gift), "--course", course.code)
    assert result.exit_code != 0 and "line 3" in result.output and "Nothing was imported" in result.output
    bad_xml = tmp_path / "bad.xml"
    bad_xml.write_text(
        (DATA / "every_kind.xml")
        .read_text()
        .replace("<single>false</single>", '<single>false</single><answer fraction="abc"><text>x</text></answer>')
    )
    result = run(app, "import", str(bad_xml), "--course", course.code)
    assert result.exit_code != 0 and "Multi" in result.output
    broken_xml = tmp_path / "broken.xml"
    broken_xml.write_text("<?xml version='1.0'?><quiz><question type='essay'>")
    result = run(app, "import", str(broken_xml), "--course", course.code)
    assert result.exit_code != 0 and "line" in result.output
    assert count(course) == 0
    assert run(app, "import", str(bad_gift), "--course", "NOPE").exit_code != 0
    assert run(app, "import", str(tmp_path / "missing.gift"), "--course", course.code).exit_code != 0


def test_export_round_trips_through_both_formats(app, make, tmp_path):
    course = make.course()
    assert run(app, "import", str(DATA / "every_kind.xml"), "--course", course.code).exit_code == 0
    for fmt in ("gift", "moodlexml"):
        target = make.course()
        out = tmp_path / f"bank.{fmt}"
        assert run(app, "export", str(out), "--course", course.code, "--format", fmt).exit_code == 0
        result = run(app, "import", str(out), "--course", target.code)
        assert result.exit_code == 0, result.output
        original = {q.name: q for q in db.session.scalars(sa.select(Question).where(Question.course_id == course.id))}
        copied = {q.name: q for q in db.session.scalars(sa.select(Question).where(Question.course_id == target.id))}
        assert set(copied) == set(original)
        for name, q in original.items():
            assert (copied[name].kind, copied[name].points, copied[name].data) == (q.kind, q.points, q.data), (fmt, name)
            assert copied[name].category.path == q.category.path


def test_upload_import_in_the_browser(client, login, make):
    course = make.course()
    login(make.user(Role.ADMIN))
    preview = client.post(f"/bank/courses/{course.id}/import",
                          data={"file": (io.BytesIO(DEMO_GIFT.read_bytes()), "questions.gift")},
                          content_type="multipart/form-data")
    assert b"Preview of questions.gift" in preview.data and count(course) == 0
    token = re.search(rb'name="confirm-token" type="hidden" value="([^"]+)"', preview.data).group(1).decode()
    ok = client.post(f"/bank/courses/{course.id}/import", data={"confirm-token": token}, follow_redirects=True)
    assert b"Imported 58 question(s)" in ok.data
    bad = client.post(
        f"/bank/courses/{course.id}/import",
        data={"file": (io.BytesIO(b"::X:: {=a ~b"), "x.gift"), "category": "Z"},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 200 and b"<h2>Refused</h2>" in bad.data and b"line 1" in bad.data
    assert count(course) == 58
    export = client.get(f"/bank/courses/{course.id}/export?format=moodlexml")
    assert export.mimetype == "application/xml" and b"<quiz>" in export.data


def test_images_are_served_to_the_course_only(client, login, make):
    course = make.course()
    question = make.question(course)
    question.images.append(QuestionImage(filename="badge.png", content=b"\x89PNG"))
    question.text_format, question.text = "html", '<p><img src="@@PLUGINFILE@@/badge.png" alt="b"><script>x()</script></p>'
    db.session.flush()
    image = question.images[0]
    instructor = make.user(Role.INSTRUCTOR)
    make.training_class(course, instructors=[instructor])
    login(instructor)
    page = client.get(f"/bank/questions/{question.id}")
    assert f'src="/bank/images/{image.id}"'.encode() in page.data and b"<script>x()" not in page.data
    assert client.get(f"/bank/images/{image.id}").data == b"\x89PNG"
    client.post("/logout")
    login(make.user(Role.INSTRUCTOR))  # teaches nothing of this course
    assert client.get(f"/bank/images/{image.id}").status_code == 404
    assert client.get(f"/bank/questions/{question.id}").status_code == 404
    assert client.get(f"/bank/courses/{course.id}/").status_code == 404


def test_author_a_question_with_preview(client, login, make):
    course = make.course()
    login(make.user(Role.ADMIN))
    form = {"kind": "multiple_response", "category_id": "0", "name": "Supervision", "text": "Which apply?",
            "points": "2", "answers": "50 | ICE supervises | Yes\n50 | Consistent with state law\n-100 | Federal employees",
            "general_feedback": "See §287(g)(3).", "action": "preview"}
    preview = client.post(f"/bank/courses/{course.id}/questions/new", data=form)
    assert preview.status_code == 200 and b"Preview (not saved yet)" in preview.data and b"ICE supervises" in preview.data
    assert count(course) == 0
    bad = client.post(f"/bank/courses/{course.id}/questions/new", data={**form, "answers": "50 | A\n10 | B", "action": "save"})
    assert bad.status_code == 200 and b"add up to 60%" in bad.data and count(course) == 0
    saved = client.post(f"/bank/courses/{course.id}/questions/new", data={**form, "action": "save"})
    assert saved.status_code == 302
    question = db.session.scalar(sa.select(Question).where(Question.course_id == course.id))
    assert question.points == 2 and question.category.path == "Default"
    assert question.type.grade(question, {"choices": ["a", "b"]}) == 1.0
    edit = client.get(f"/bank/questions/{question.id}/edit")
    assert b"50 | ICE supervises | Yes" in edit.data
    # categories nest and cannot loop
    client.post(f"/bank/courses/{course.id}/categories/new", data={"name": "Week 1", "parent_id": str(question.category_id)})
    child = db.session.scalar(sa.select(QuestionCategory).where(QuestionCategory.name == "Week 1"))
    assert child.path == "Default/Week 1"
    loop = client.post(f"/bank/categories/{question.category_id}/edit", data={"name": "Default", "parent_id": str(child.id)})
    assert b"cannot be inside itself" in loop.data
    # deletion asks first, and refuses a question in use
    assert b"Delete the question" in client.get(f"/bank/questions/{question.id}/delete").data
    make.quiz(course, [question])
    assert b"cannot be deleted" in client.post(f"/bank/questions/{question.id}/delete").data
    assert count(course) == 1


def test_build_an_exam_in_the_browser(client, login, make):
    course = make.course(weeks=1, modules_per_week=1)
    for _ in range(3):
        make.question(course)
    login(make.user(Role.ADMIN))
    r = client.post(f"/bank/courses/{course.id}/quizzes/new", data={
        "title": "Week 1 exam", "module_id": str(course.modules[0].id), "required": "y", "pass_mark": "70",
        "time_limit_minutes": "30", "attempts_allowed": "2", "questions_per_page": "5", "grading_policy": "best",
        "review_policy": "when_done", "shuffle_choices": "y"})
    assert r.status_code == 302
    from portal.quizzes.models import Quiz
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id))
    category = db.session.scalar(sa.select(QuestionCategory).where(QuestionCategory.course_id == course.id))
    both = client.post(f"/bank/quizzes/{quiz.id}", data={"question_id": "0", "category_id": "0"})
    assert b"Choose either one question" in both.data
    client.post(f"/bank/quizzes/{quiz.id}", data={"question_id": "0", "category_id": str(category.id), "draw_count": "2"})
    page = client.get(f"/bank/quizzes/{quiz.id}")
    assert b"2 random question(s)" in page.data and b"Questions (2 per attempt)" in page.data
    bad = client.post(f"/bank/quizzes/{quiz.id}/edit", data={"title": "X", "module_id": "0", "pass_mark": "170",
                                                              "attempts_allowed": "2", "questions_per_page": "5",
                                                              "grading_policy": "best", "review_policy": "never"})
    assert bad.status_code == 200 and b"usa-error-message" in bad.data
