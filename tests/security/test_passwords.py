"""Item 2: at least 12 characters, the 100,000 most common passwords refused, scrypt in production."""
import gzip
import re
from pathlib import Path

import pytest

from portal.auth.passwords import COMMON_PASSWORDS_FILE, common_passwords, policy_problem
from portal.auth.tokens import make_set_password_token
from portal.config import load_config
from portal.extensions import db


def test_the_shipped_list_holds_the_100000_most_common_passwords_with_its_licence():
    with gzip.open(COMMON_PASSWORDS_FILE, "rt") as lines:
        entries = [line.rstrip("\n") for line in lines]
    assert len(entries) == 100_000 and entries[:3] == ["123456", "password", "12345678"]
    assert len(common_passwords()) > 96_000  # compared lower-cased: "Password" and "password" are one entry
    notes = (COMMON_PASSWORDS_FILE.parent / "README.md").read_text()
    assert "MIT" in notes and "SecLists" in notes


@pytest.mark.parametrize("password", [
    "123qweasdzxc", "1qaz2wsx3edc", "qwerty123456", "QWERTYQWERTY", "Mailcreated5240",
])
def test_common_passwords_of_twelve_characters_or_more_are_refused(password):
    assert "most commonly used" in policy_problem(password)


@pytest.mark.parametrize("password, accepted", [
    ("eleven-char", False), ("twelve-chars", True), ("x" * 129, False), ("aaaaaaaaaaaaaaa", False),
])
def test_length_rules(password, accepted):
    assert (policy_problem(password) is None) == accepted


def set_password_through_the_link(app, client, user, password):
    with app.test_request_context():
        token = make_set_password_token(user)
    return client.post(f"/set-password/{token}", data={"new_password": password, "confirm": password})


def test_the_set_password_form_refuses_a_common_password(app, client, make):
    user = make.user(password=False)
    response = set_password_through_the_link(app, client, user, "1q2w3e4r5t6y")
    assert response.status_code == 200 and b"most commonly used" in response.data
    assert user.password_hash is None


def test_production_hashes_with_scrypt(app, client, make, config_override, tmp_path):
    production = load_config(tmp_path, {"PORTAL_ENV": "production", "SECRET_KEY": "p" * 40})
    assert production["PASSWORD_HASH_METHOD"] == "scrypt"
    config_override(PASSWORD_HASH_METHOD=production["PASSWORD_HASH_METHOD"])
    user = make.user(password=False)
    assert set_password_through_the_link(app, client, user, "a long and unusual phrase").status_code == 302
    db.session.refresh(user)
    assert re.match(r"^scrypt:\d+:\d+:\d+\$", user.password_hash)
    assert client.post("/login", data={"email": user.email, "password": "a long and unusual phrase"}).status_code == 302


def test_the_list_is_packaged_with_the_portal():
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    assert '"data/*"' in pyproject
