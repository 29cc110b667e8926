"""Taking an exam through the officer's pages, choosing each answer by the text the officer sees."""
import re

import sqlalchemy as sa

from portal.extensions import db
from portal.quizzes.models import Attempt

RADIO = re.compile(r'<input\b[^>]*\bname="(?P<name>q\d+)"[^>]*\bvalue="(?P<value>[^"]*)"[^>]*>\s*'
                   r'<label\b[^>]*>\s*(?P<label>.*?)\s*</label>', re.DOTALL)


def take_exam(client, enrollment, quiz, answers: dict) -> Attempt:
    """Start `quiz`, pick for each question (id -> label text) the radio with that label, submit."""
    response = client.post(f"/classes/{enrollment.class_id}/exams/{quiz.id}/start")
    assert response.status_code == 302, response.get_data(as_text=True)
    attempt = db.session.scalar(sa.select(Attempt).where(Attempt.enrollment_id == enrollment.id, Attempt.quiz_id == quiz.id)
                                .order_by(Attempt.number.desc()))
    page = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    values = {(m["name"], m["label"]): m["value"] for m in RADIO.finditer(page)}
    data = {"page": "1", "action": "finish"}
    for question_id, label in answers.items():
        data[f"q{question_id}"] = values[(f"q{question_id}", label)]
    assert client.post(f"/attempts/{attempt.id}/save", data=data).status_code == 302
    assert client.post(f"/attempts/{attempt.id}/submit").status_code == 302
    db.session.refresh(attempt)
    return attempt
