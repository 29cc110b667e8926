"""The README documents every setting and every command, and the docs stand alone: a setting or a
command added without its line in the README fails here."""
import re
from pathlib import Path

import click
from flask import Flask

from portal.config import load_config

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
SOURCES = {path: path.read_text() for path in (ROOT / "portal").rglob("*.py")}
CONFIG_READ = re.compile(r"""(?:config|cfg)(?:\[|\.get\()\s*["']([A-Z][A-Z0-9_]*)["']""")
LIMIT_READ = re.compile(r"""limit_from_config\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def first_cells(text: str) -> list[str]:
    """The first cell of each table row below the header (the header names no `code`)."""
    return [cell for line in text.splitlines() if line.startswith("| ") and "`" in (cell := line.split("|")[1])]


def documented_settings() -> set[str]:
    return {name for cell in first_cells(section("Configuration")) for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cell)}


def settings_read_by_the_code() -> set[str]:
    keys = set()
    for text in SOURCES.values():
        keys |= set(CONFIG_READ.findall(text))
        for key in LIMIT_READ.findall(text):
            keys |= {key, f"{key}_ENABLED"}
    return keys


def test_the_scan_finds_the_settings_read_in_each_way():
    assert {"SECRET_KEY", "SMTP_PORT", "DEMO_MODE", "LOGIN_LOCKOUT_WINDOW", "VERIFY_RATE_LIMIT_ENABLED",
            "ROSTER_CSV_MAX_BYTES"} <= settings_read_by_the_code()


def test_every_setting_the_code_reads_comes_from_load_config(tmp_path):
    from_load_config = set(load_config(tmp_path, {}))
    flask_own = set(Flask.default_config)  # SERVER_NAME, DEBUG: Flask's own, set by Flask
    assert settings_read_by_the_code() - from_load_config - flask_own == set()


def test_every_setting_is_in_the_readme(tmp_path):
    missing = (settings_read_by_the_code() | set(load_config(tmp_path, {}))) - documented_settings()
    assert missing == set(), f"add these to the README's Configuration tables: {sorted(missing)}"


def test_every_documented_variable_exists():
    everything = "".join(SOURCES.values()) + (ROOT / "Makefile").read_text()
    assert {name for name in documented_settings() if name not in everything} == set()


def command_names(group: click.Group, prefix: str = "") -> set[str]:
    names = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            names |= command_names(command, f"{prefix}{name} ")
        else:
            names.add(f"{prefix}{name}")
    return names


def test_every_command_is_in_the_readme(app):
    # `questions import PATH --course CODE` documents "questions import": the words before the arguments.
    documented = {re.match(r"`((?:[a-z][a-z-]* ?)+)", cell.strip()).group(1).strip()
                  for cell in first_cells(section("Commands"))}
    ours = {name for name in command_names(app.cli) if not name.startswith("db ")}  # Flask-Migrate's
    assert ours | {"db upgrade"} == documented


def test_the_docs_stand_alone():
    for link in ("docs/architecture.md", "docs/program-rules.md"):
        assert f"]({link})" in README and (ROOT / link).is_file()
    texts = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *SOURCES, *(ROOT / "tests").rglob("*.py")]
    outside = [str(path) for path in texts if re.search(r"\.\./shared|DESIGN\.md", path.read_text())
               and path != Path(__file__)]
    assert outside == []

