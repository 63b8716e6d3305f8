"""`mpr user ...` and `mpr token ...` as real subprocesses, checked against the database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.integration.cli_runner import mpr

PASSWORD = "a password long enough"


def rows(data_dir: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(data_dir / "mpr.sqlite3") as db:
        return db.execute(sql).fetchall()


def test_user_create_reads_the_password_from_stdin_and_stores_only_an_argon2id_hash(
        tmp_path: Path) -> None:
    created = mpr("user", "create", "alice", "--role", "operator", data_dir=tmp_path,
                  stdin=PASSWORD + "\n")
    changed = mpr("user", "passwd", "alice", data_dir=tmp_path, stdin="another long one\n")

    assert created.returncode == 0, created.stderr
    assert changed.returncode == 0, changed.stderr
    [(name, role, stored)] = rows(tmp_path, "SELECT username, role, password_hash FROM users")
    assert (name, role) == ("alice", "operator")
    assert str(stored).startswith("$argon2id$")
    assert PASSWORD not in str(stored)
    assert "another long one" not in str(stored)


def test_token_create_prints_the_token_once_as_its_last_line_and_stores_a_hash(
        tmp_path: Path) -> None:
    created = mpr("token", "create", "--name", "ci", "--role", "viewer", "--expires", "30d",
                  data_dir=tmp_path)
    listed = mpr("token", "list", data_dir=tmp_path)

    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("mpr_")
    assert len(secret) > 40
    assert "ci\tviewer" in listed.stdout
    assert secret not in listed.stdout
    [(stored, expires)] = rows(tmp_path, "SELECT token_hash, expires_at FROM api_tokens")
    assert secret not in str(stored)
    assert len(str(stored)) == 64
    assert expires is not None


def test_token_revoke_removes_it_and_a_second_revoke_says_it_is_unknown(tmp_path: Path
                                                                       ) -> None:
    mpr("token", "create", "--name", "ci", "--role", "viewer", data_dir=tmp_path)

    first = mpr("token", "revoke", "ci", data_dir=tmp_path)
    second = mpr("token", "revoke", "ci", data_dir=tmp_path)

    assert first.returncode == 0, first.stderr
    assert rows(tmp_path, "SELECT name FROM api_tokens") == []
    assert second.returncode == 2
    assert "token ci not found" in second.stderr


def test_bad_input_is_one_clear_line(tmp_path: Path) -> None:
    short = mpr("user", "create", "bob", "--role", "viewer", data_dir=tmp_path, stdin="short\n")
    role = mpr("user", "create", "bob", "--role", "root", data_dir=tmp_path, stdin=PASSWORD)
    expiry = mpr("token", "create", "--name", "x", "--role", "viewer", "--expires", "soon",
                 data_dir=tmp_path)

    assert (short.returncode, role.returncode, expiry.returncode) == (2, 2, 2)
    assert "at least 8 characters" in short.stderr
    assert "invalid choice: 'root'" in role.stderr
    assert "not a duration" in expiry.stderr
    assert "Traceback" not in short.stderr + role.stderr + expiry.stderr


def test_serve_on_a_public_address_with_nobody_to_sign_in_refuses_naming_what_to_set(
        tmp_path: Path) -> None:
    refused = mpr("serve", "--host", "0.0.0.0", "--port", "1", data_dir=tmp_path)

    assert refused.returncode == 2
    assert "MPR_ADMIN_PASSWORD" in refused.stderr
    assert "mpr user create" in refused.stderr
    assert "Traceback" not in refused.stderr
