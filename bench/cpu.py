"""The server side's CPU time during a load test, read from /proc (Linux): gunicorn (its master and
workers) and the PostgreSQL backends of the bench database. Divided by the requests answered, it
gives what a request costs the machine, a figure that does not move with the load generator's speed
or with queueing, as throughput and latency do."""
from __future__ import annotations

import os
from pathlib import Path

TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, float, str]]:
    """pid -> (parent pid, CPU seconds used so far, command line) of every process we may read."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (name)": state, ppid, ..., utime (12th), stime
        found[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS_PER_S, command)
    return found


def server_cpu_s(gunicorn_pid: int, database: str) -> dict[str, float]:
    """CPU seconds used so far by gunicorn's processes and by the PostgreSQL backends connected to
    `database` (0 if that server runs elsewhere)."""
    processes = _processes()
    gunicorn = {pid for pid, (parent, _, _) in processes.items() if pid == gunicorn_pid or parent == gunicorn_pid}
    backends = {pid for pid, (_, _, command) in processes.items()
                if command.startswith("postgres: ") and f" {database} " in command}
    return dict(gunicorn=sum(processes[pid][1] for pid in gunicorn),
                postgresql=sum(processes[pid][1] for pid in backends))


def per_request_ms(before: dict[str, float], after: dict[str, float], requests: int) -> dict[str, float]:
    spent = {part: after[part] - before[part] for part in before}
    spent["total"] = sum(spent.values())
    return {part: round(1000 * seconds / requests, 2) for part, seconds in spent.items()} if requests else {}
