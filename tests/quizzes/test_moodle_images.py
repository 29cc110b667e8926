"""Images from Moodle: @@PLUGINFILE@@ names with spaces and accents (URL-encoded in the text), legacy
<image_base64>, and GIFT exports that name the questions whose images they cannot carry."""
import base64

import sqlalchemy as sa

from portal.auth.roles import Role
from portal.extensions import db
from portal.quizzes.models import Question, QuestionImage

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
B64 = base64.b64encode(PNG).decode()
XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="essay">
    <name><text>Spaced</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>Look: <img src="@@PLUGINFILE@@/my%20badge%20%C3%A9t%C3%A9.png" alt="badge"></p>]]></text>
      <file name="my badge été.png" path="/" encoding="base64">{B64}</file>
    </questiontext>
  </question>
  <question type="essay">
    <name><text>Legacy</text></name>
    <questiontext format="html"><text>Old picture</text></questiontext>
    <image>images/old map.gif</image>
    <image_base64>{B64}</image_base64>
  </question>
</quiz>
"""


def run(app, *args):
    return app.test_cli_runner().invoke(args=["questions", *args])


def test_encoded_names_and_legacy_images_resolve_and_gift_says_it_drops_them(app, client, login, make, tmp_path):
    course = make.course()
    src = tmp_path / "images.xml"
    src.write_text(XML, encoding="utf-8")
    assert run(app, "import", str(src), "--course", course.code).exit_code == 0
    by_name = {q.name: q for q in db.session.scalars(sa.select(Question).where(Question.course_id == course.id))}
    spaced, legacy = by_name["Spaced"], by_name["Legacy"]
    assert [i.filename for i in spaced.images] == ["my badge été.png"]
    assert [i.filename for i in legacy.images] == ["old map.gif"]
    assert legacy.text == 'Old picture <img src="@@PLUGINFILE@@/old%20map.gif" alt="" />'
    login(make.user(Role.ADMIN))
    for q in (spaced, legacy):
        image = db.session.scalar(sa.select(QuestionImage).where(QuestionImage.question_id == q.id))
        page = client.get(f"/bank/questions/{q.id}").data.decode()
        assert f'src="/bank/images/{image.id}"' in page and "@@PLUGINFILE@@" not in page
        assert client.get(f"/bank/images/{image.id}").data == PNG
    out = tmp_path / "bank.gift"
    result = run(app, "export", str(out), "--course", course.code, "--format", "gift")
    assert result.exit_code == 0
    assert "question 'Spaced': exported without its image(s) my badge été.png" in result.output
    assert "question 'Legacy': exported without its image(s) old map.gif" in result.output
    xml_out = tmp_path / "bank.xml"
    assert run(app, "export", str(xml_out), "--course", course.code, "--format", "moodlexml").exit_code == 0
    target = make.course()
    assert run(app, "import", str(xml_out), "--course", target.code).exit_code == 0
    copied = db.session.scalar(sa.select(Question).where(Question.course_id == target.id, Question.name == "Legacy"))
    assert [i.content for i in copied.images] == [PNG] and copied.text == legacy.text
