"""exam pages send random per-attempt values, not authoring ids: give every stored layout its values

Until now a choice's form value was its authoring id (`a`, `b`, ... in the order the author wrote
them, the right one usually first) and a matching option's value was its text, the same for every
officer. Each attempt's layout now holds a random form value per choice, per matching option and
per matching prompt. Stored answers keep authoring ids, so grading and review do not change; this
gives the layouts of existing attempts (open ones above all) their values, and True/False questions
(which had no layout entry) their choice order.

Revision ID: 0900_quiz
Revises: 0850_cred
Create Date: 2026-12-06

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0900_quiz'
down_revision = '0850_cred'
branch_labels = None
depends_on = None

BATCH = 500
VALUE_KEYS = ('choice_values', 'option_values', 'prompt_values')

attempts = sa.table('attempts', sa.column('id', sa.Integer), sa.column('layout', sa.JSON))
questions = sa.table('questions', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                     sa.column('data', sa.JSON))


def random_values(keys):
    values = {}
    for key in keys:
        value = secrets.token_urlsafe(8)
        while value in values.values():
            value = secrets.token_urlsafe(8)
        values[key] = value
    return values


def with_values(entry, kind, data):
    entry = dict(entry)
    if kind in ('single_choice', 'multiple_response', 'true_false'):
        entry.setdefault('choice_order', [c['id'] for c in data.get('choices', [])])
        entry['choice_values'] = random_values(entry['choice_order'])
    elif kind == 'matching':
        pairs = data.get('pairs', [])
        entry.setdefault('option_order', list(dict.fromkeys(p['answer'] for p in pairs)))
        entry['option_values'] = random_values(entry['option_order'])
        entry['prompt_values'] = random_values(p['id'] for p in pairs if p['prompt'])
    return entry


def without_values(entry):
    return {key: value for key, value in entry.items() if key not in VALUE_KEYS}


def rewrite(transform):
    """Rewrite every attempt's layout, BATCH attempts at a time."""
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(sa.select(attempts.c.id, attempts.c.layout).where(attempts.c.id > last_id)
                                  .order_by(attempts.c.id).limit(BATCH)).all()
        if not rows:
            return
        question_ids = {entry['question_id'] for _id, layout in rows for entry in layout or []}
        kinds = {qid: (kind, data or {}) for qid, kind, data in connection.execute(
            sa.select(questions.c.id, questions.c.kind, questions.c.data).where(questions.c.id.in_(question_ids)))}
        for attempt_id, layout in rows:
            new = [transform(entry, *kinds.get(entry['question_id'], (None, {}))) for entry in layout or []]
            if new != layout:
                connection.execute(attempts.update().where(attempts.c.id == attempt_id).values(layout=new))
        last_id = rows[-1][0]


def upgrade():
    rewrite(with_values)


def downgrade():
    rewrite(lambda entry, _kind, _data: without_values(entry))
