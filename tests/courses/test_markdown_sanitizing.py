from datetime import timedelta

from portal.timeutil import today

HOSTILE = """## Heading

<script>alert('x')</script>
[click](javascript:alert(1)) <img src=x onerror="alert(2)"> **bold**

| a | b |
|---|---|
| 1 | 2 |
"""


def test_lesson_markdown_is_rendered_and_sanitized(client, make, login):
    course = make.course(weeks=1, modules_per_week=1, lessons_per_module=1)
    lesson = course.ordered_lessons()[0]
    lesson.body_markdown = HOSTILE
    tc = make.training_class(course, start=today() - timedelta(days=1))
    enrollment = make.enrollment(training_class=tc)
    login(enrollment.officer)
    page = client.get(f"/classes/{tc.id}/lessons/{lesson.id}").get_data(as_text=True)
    body = page.split('class="portal-lesson-body">')[1].split("</article>")[0]
    assert "<h2>Heading</h2>" in body and "<strong>bold</strong>" in body and "<table>" in body
    assert "<script" not in body and "javascript:" not in body and "onerror" not in body


def test_admin_preview_renders_without_saving(client, make, login):
    from portal.auth.roles import Role

    course = make.course(weeks=1, modules_per_week=1, lessons_per_module=1)
    module = course.modules[0]
    login(make.user(Role.ADMIN))
    response = client.post(f"/admin/modules/{module.id}/lessons/new", data={
        "module_id": module.id, "position": 2, "title": "Draft", "minutes": 15,
        "body_markdown": HOSTILE, "preview": "y",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Preview (not saved yet)" in page
    preview = page.split('id="preview-heading"')[1]
    assert "<h2>Heading</h2>" in preview and "<script>" not in preview
    assert len(module.lessons) == 1
