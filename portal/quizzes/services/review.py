"""What an officer's review of a graded attempt shows of each answer: a mark in words (right,
partly right, wrong) and, for answers made of several parts (multiple response, matching), one line
per part, each marked when the review policy allows the correct answers to be seen.

It reads the questions through the type API (`choices`, `prompts`); the types themselves stay the
only place that grades."""
from __future__ import annotations

from dataclasses import dataclass

from portal.quizzes.models import Question, Response
from portal.quizzes.types import JSON

EPSILON = 1e-9


@dataclass(frozen=True)
class Mark:
    key: str  # right | partly | wrong: the style hook; the label is what people read
    label: str


RIGHT, PARTLY, WRONG = Mark("right", "Right"), Mark("partly", "Partly right"), Mark("wrong", "Wrong")


def mark(response: Response) -> Mark | None:
    """Full points: right; some: partly right; none: wrong. None while the answer waits for a grade."""
    score = response.score
    if response.pending or score is None:
        return None
    if score >= response.max_points - EPSILON:
        return RIGHT
    return PARTLY if score > EPSILON else WRONG


@dataclass(frozen=True)
class Part:
    text: str
    right: bool | None  # whether this part of the answer is right (None: the officer left it blank)


def answer_parts(question: Question, answer: JSON | None) -> list[Part] | None:
    """The officer's answer one part a line: the options ticked, or each prompt with the answer
    matched to it. None for a question answered in one piece (shown as text)."""
    kind = question.type
    if question.kind == "multiple_response":
        known = kind.by_id(question)  # type: ignore[attr-defined]
        picked = [known[c] for c in dict.fromkeys((answer or {}).get("choices", [])) if c in known]
        return [Part(choice["text"], choice["fraction"] > 0) for choice in picked]
    if question.kind == "matching":
        matches = (answer or {}).get("matches", {})
        parts = []
        for prompt in kind.prompts(question):  # type: ignore[attr-defined]
            chosen = matches.get(prompt["id"])
            parts.append(Part(f"{prompt['prompt']} → {chosen or 'no answer'}",
                              None if chosen is None else chosen == prompt["answer"]))
        return parts
    return None


def correct_parts(question: Question) -> list[str] | None:
    """The correct answer one part a line, for the same questions as `answer_parts`."""
    kind = question.type
    if question.kind == "multiple_response":
        return list(kind.correct_texts(question))  # type: ignore[attr-defined]
    if question.kind == "matching":
        return [f"{p['prompt']} → {p['answer']}" for p in kind.prompts(question)]  # type: ignore[attr-defined]
    return None
