"""Exam-day storm: a whole class takes an exam at once, on PostgreSQL behind gunicorn.

    python -m bench.storm --database-url URL [--officers 500] [--time-scale 1] [--exam-minutes 20] [--redis URL]

First, not timed with the storm (its own `setup_s`): the storm builds its class on the database
(bench.storm_class): a new class of the demo course in its last week, one instructor, `--officers`
officers enrolled through the portal's enrollment rules (existing officers free of the course
first, new bench accounts for the rest), every lesson completed and every weekly exam passed, so
each may start the final exam now. Served as in bench.load (2 workers x 4 threads, production
configuration, pretend TLS proxy). Every officer signs in (not timed). Then, on the scenario's
clock, the final closes `--exam-minutes` after the storm starts (its `closes_at`, put back after):

- every officer starts the final at a random moment within the first minute (`start`: POST
  start, then GET the exam page);
- every officer autosaves their answers every 30 seconds (`save`), the essay text changing with
  every save, so a save that is acknowledged and then lost shows;
- every officer submits at a random moment within the last two minutes before the deadline
  (`--exam-minutes` after the start of the storm) (`submit`);
- the instructor's gradebook of the class is open and refreshed every 10 seconds (`gradebook`).

`--time-scale` multiplies every duration of the scenario (0.1: a 20-minute exam in 2 minutes,
saves every 3 s, everyone starting within 6 s): the full-length run takes exam-minutes plus the
set-up and the sign-ins (`--exam-minutes 5`: a real-pace figure in about 7 minutes). Reported:
p50/p95/p99 per kind, errors (must be 0), and answers lost: after the storm, every answer the
last acknowledged save sent must be in the database, essays with the text of that save (must be
0). With --redis, the rate limits are kept in Redis (REDIS_URL) instead of memory.
Goal: p95 of `save` under 250 ms on a 2-core machine at time scale 1.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from bench import databases, storm_class
from bench.load import Officer, Stats, free_port, read_form, start_gunicorn, stop, wait_until_up
from bench.report import emit, load_average, percentile, quiet_start

SAVE_EVERY_S, START_WITHIN_S, SUBMIT_WITHIN_S, GRADEBOOK_EVERY_S = 30.0, 60.0, 120.0, 10.0
# The first minute to start and the last two to submit must not overlap.
SHORTEST_EXAM_MINUTES = (START_WITHIN_S + SUBMIT_WITHIN_S) / 60
SAVE_P95_GOAL_MS = 250
KINDS = ("start", "save", "submit", "gradebook")


class StormStats(Stats):
    """Stats that also keep when each timed request was sent, to tell the start minute's saves
    from the rest."""

    def __init__(self):
        super().__init__()
        self.sent: dict[str, list[float]] = defaultdict(list)

    def record(self, label: str, seconds: float) -> None:
        super().record(label, seconds)
        self.sent[label].append(time.monotonic() - seconds)

    def after_starts(self, kind: str) -> Stats:
        """The `kind` requests sent once every start had been answered."""
        later = Stats()
        if self.sent["start"]:
            starts_done = max(sent + took for sent, took in zip(self.sent["start"], self.times["start"], strict=True))
            later.times[kind] = [took for sent, took in zip(self.sent[kind], self.times[kind], strict=True)
                                 if sent >= starts_done]
        return later


class ExamTaker(Officer):
    """An officer who starts, autosaves and submits, remembering what each acknowledged save sent."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saves = 0
        self.acknowledged: dict[str, str] = {}
        self.essays: set[str] = set()

    async def start(self) -> bool:
        exam = await self.call("start", "GET", f"/classes/{self.class_id}/exams/{self.quiz_id}")
        if exam is None:
            return False
        started = await self.call("start", "POST", f"/classes/{self.class_id}/exams/{self.quiz_id}/start",
                                  data={"csrf_token": read_form(exam.text).csrf})
        location = started.headers.get("location", "") if started is not None else ""
        if "/attempts/" not in location:
            self.stats.error("start", f"no attempt after start: {location or 'no redirect'}")
            return False
        self.attempt_id = int(location.split("/attempts/")[1].split("?")[0].split("/")[0])
        page = await self.call("start", "GET", f"/attempts/{self.attempt_id}")
        if page is None:
            return False
        form = read_form(page.text)
        self.csrf, self.answers = form.csrf, form.answers
        self.essays = {name for name, value in form.answers.items() if value.startswith("I would decline")}
        return True

    async def save(self) -> None:
        self.saves += 1
        sent = {name: f"{value} [save {self.saves}]" if name in self.essays else value
                for name, value in self.answers.items()}
        response = await self.call("save", "POST", f"/attempts/{self.attempt_id}/save", headers={"X-Autosave": "1"},
                                   data={"csrf_token": self.csrf, "page": "1", **sent})
        if response is not None and response.status_code < 400:
            self.acknowledged = sent

    async def take(self, clock: Scenario) -> None:
        await asyncio.sleep(max(0.0, clock.t0 + random.uniform(0, clock.start_within) - time.monotonic()))
        if not await self.start():
            return
        submit_at = clock.deadline - random.uniform(0, clock.submit_within)
        while time.monotonic() + clock.save_every < submit_at:
            await asyncio.sleep(clock.save_every)
            await self.save()
        await asyncio.sleep(max(0.0, submit_at - time.monotonic()))
        await self.call("submit", "POST", f"/attempts/{self.attempt_id}/submit", data={"csrf_token": self.csrf})


class Scenario:
    def __init__(self, scale: float, exam_minutes: float):
        self.t0 = time.monotonic()
        self.start_within, self.save_every = START_WITHIN_S * scale, SAVE_EVERY_S * scale
        self.submit_within, self.gradebook_every = SUBMIT_WITHIN_S * scale, GRADEBOOK_EVERY_S * scale
        self.deadline = self.t0 + exam_minutes * 60 * scale


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def answers_lost(database_url: str, takers: list[ExamTaker]) -> tuple[int, int]:
    """(answers lost, answers checked): each field of each officer's last acknowledged save."""
    from portal.extensions import db

    app = databases.bench_app(database_url)
    lost = checked = 0
    with app.app_context():
        for taker in takers:
            if not taker.acknowledged:
                continue
            stored = dict(db.session.execute(sa.text(
                "SELECT question_id, answer FROM responses WHERE attempt_id = :a"), dict(a=taker.attempt_id)).all())
            for name, value in taker.acknowledged.items():
                match = re.match(r"q(\d+)", name)
                if not match:
                    continue
                checked += 1
                answer = stored.get(int(match.group(1)))
                text = json.dumps(answer) if not isinstance(answer, str) else answer
                if answer is None or (name in taker.essays and value.rsplit(" [", 1)[1] not in text):
                    lost += 1
        db.engine.dispose()
    return lost, checked


async def storm(base: str, people: list[tuple[str, int, int]], instructor: str, class_id: int,
                scale: float, exam_minutes: float, on_start=None) -> tuple[StormStats, list[ExamTaker]]:
    """`on_start(clock)`: called once everyone has signed in, as the clock starts."""
    stats = StormStats()
    takers = [ExamTaker(base, email, c, quiz, stats) for email, c, quiz in people]
    teacher = Officer(base, instructor, class_id, 0, stats)
    limit = asyncio.Semaphore(8)  # sign-ins hash with scrypt: not part of the storm

    async def sign_in(person: Officer) -> bool:
        async with limit:
            return await person.sign_in()

    signed_in = await asyncio.gather(*(sign_in(p) for p in [teacher, *takers]))
    if not all(signed_in):
        raise SystemExit(f"{signed_in.count(False)} could not sign in: {stats.samples}")
    stats.errors.pop("setup", None)
    clock = Scenario(scale, exam_minutes)
    if on_start is not None:
        on_start(clock)

    async def gradebook() -> None:
        while time.monotonic() < clock.deadline:
            await teacher.call("gradebook", "GET", f"/teach/classes/{class_id}/gradebook")
            await asyncio.sleep(clock.gradebook_every)

    await asyncio.gather(gradebook(), *(t.take(clock) for t in takers))
    for person in [teacher, *takers]:
        await person.close()
    return stats, takers


def figures(stats: Stats, kind: str) -> dict:
    times = stats.times[kind]
    if not times:
        return dict(requests=0, errors=stats.errors[kind])
    return dict(requests=len(times), errors=stats.errors[kind], p50_ms=round(1000 * percentile(times, 0.5), 1),
                p95_ms=round(1000 * percentile(times, 0.95), 1), p99_ms=round(1000 * percentile(times, 0.99), 1))


def run(database_url: str, officers: int, scale: float, exam_minutes: float, redis_url: str | None = None) -> bool:
    built = storm_class.build(database_url, officers)
    start = quiet_start()  # after the set-up, whose writes and ANALYZE load the machine
    people = built.people()
    closes_before = storm_class.closes_at(database_url, built.quiz_id)

    def open_exam(clock: Scenario) -> None:  # the final closes at the storm's deadline
        from portal.timeutil import utcnow

        storm_class.open_exam(database_url, built.quiz_id,
                              utcnow() + timedelta(seconds=clock.deadline - time.monotonic()))

    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="portal-bench-storm-")) / "gunicorn.log"
    env = {"REDIS_URL": redis_url} if redis_url else {}
    server = start_gunicorn(databases.plain(database_url), port, log, **env)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", server, log)
        stats, takers = asyncio.run(storm(f"http://127.0.0.1:{port}", people, built.instructor, built.class_id,
                                          scale, exam_minutes, open_exam))
    finally:
        stop(server)
        storm_class.restore_exam(database_url, built.quiz_id, closes_before)
    lost, checked = answers_lost(database_url, takers)
    errors = sum(stats.errors.values())
    per_kind = {kind: figures(stats, kind) for kind in KINDS}
    # The first minute's 500 starts are the storm's burst: the saves after it, on their own.
    save_after_starts = figures(stats.after_starts("save"), "save")
    save_after_starts.pop("errors", None)
    save_p95 = per_kind["save"].get("p95_ms")
    server_log = log.read_text(errors="replace")
    emit(name="storm", officers=len(people), time_scale=scale, exam_minutes=exam_minutes,
         rate_limits="redis" if redis_url else "memory", **per_kind, save_after_starts=save_after_starts,
         errors=errors, error_samples=stats.samples,
         answers_lost=lost, answers_checked=checked, save_p95_goal_ms=SAVE_P95_GOAL_MS,
         save_p95_met=save_p95 is not None and save_p95 < SAVE_P95_GOAL_MS,
         server_tracebacks=server_log.count("Traceback"), gunicorn_log=str(log) if errors else None,
         storm_class=dict(class_id=built.class_id, quiz_id=built.quiz_id, existing_officers=built.existing_officers,
                          new_officers=built.new_officers, lessons_completed=built.lessons_completed,
                          weekly_attempts=built.weekly_attempts),
         setup_s=round(built.seconds, 1), load_average_at_end=load_average(), **start)
    if errors or lost:
        print(f"FAIL: storm: {errors} errors, {lost} answers lost; gunicorn's log: {log}", file=sys.stderr)
    else:
        shutil.rmtree(log.parent, ignore_errors=True)
    return errors == 0 and lost == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database made by bench.generate")
    parser.add_argument("--officers", type=int, default=int(os.environ.get("BENCH_STORM_OFFICERS", "500")))
    parser.add_argument("--time-scale", type=float, default=float(os.environ.get("BENCH_STORM_TIME_SCALE", "1")))
    parser.add_argument("--exam-minutes", type=float, default=float(os.environ.get("BENCH_STORM_EXAM_MINUTES", "20")))
    parser.add_argument("--redis", help="Redis URL for the rate limits (e.g. redis://127.0.0.1:6379/15)")
    args = parser.parse_args(argv)
    if args.officers < 1:
        parser.error("--officers must be at least 1")
    if not args.time_scale > 0:
        parser.error("--time-scale must be above 0")
    if args.exam_minutes < SHORTEST_EXAM_MINUTES:
        parser.error(f"--exam-minutes must be at least {SHORTEST_EXAM_MINUTES:g}: officers start within the first "
                     "minute and submit within the last two")
    return 0 if run(args.database_url, args.officers, args.time_scale, args.exam_minutes, args.redis) else 1


if __name__ == "__main__":
    raise SystemExit(main())
