"""Settings come from JOINTDEGREE_* variables; bad ones stop start-up with one clear line."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from jointdegree import create_app
from jointdegree.config import SETTINGS, ConfigError, read_settings, settings_table_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_settings_are_read_from_prefixed_environment() -> None:
    values = read_settings({"JOINTDEGREE_LOGIN_MAX_FAILURES_ACCOUNT": "3",
                            "JOINTDEGREE_SESSION_COOKIE_SECURE": "yes"})
    assert values["LOGIN_MAX_FAILURES_ACCOUNT"] == 3
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["REMEMBER_DAYS"] == 14


@pytest.mark.parametrize(("name", "raw"), [("REMEMBER_DAYS", "-2"),
                                           ("SMTP_PORT", "many"),
                                           ("SESSION_COOKIE_SECURE", "perhaps")])
def test_a_bad_value_names_the_setting(name: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=f"JOINTDEGREE_{name}"):
        read_settings({f"JOINTDEGREE_{name}": raw})


@pytest.mark.parametrize("url", ["not a url", "postgresql+nodriver://x@y/z", "mysql://u@h/db"])
def test_a_malformed_database_url_is_refused_by_name(url: str) -> None:
    with pytest.raises(ConfigError, match="JOINTDEGREE_DATABASE_URL"):
        create_app({"DATABASE_URL": url, "SECRET_KEY": "x"})


def test_without_a_secret_key_one_is_generated_once_with_mode_0600(tmp_path, monkeypatch):
    monkeypatch.delenv("JOINTDEGREE_SECRET_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"

    def build():
        from flask import Flask

        original = Flask.__init__

        def init(self, *args, **kwargs):
            kwargs["instance_path"] = str(tmp_path / "instance")
            original(self, *args, **kwargs)

        monkeypatch.setattr(Flask, "__init__", init)
        return create_app({"DATABASE_URL": url})

    first = build()
    key_file = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 32
    assert build().config["SECRET_KEY"] == first.config["SECRET_KEY"]  # survives a restart


def test_no_secret_default_in_the_code() -> None:
    source = (ROOT / "jointdegree" / "config.py").read_text()
    secret = next(s for s in SETTINGS if s.name == "SECRET_KEY")
    assert secret.default is None
    assert "SECRET_KEY = " not in source


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_table_markdown() in readme, "regenerate the README table (see CONTRIBUTING)"


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from jointdegree.cli import main; main()",
                           *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env}, check=False)


@pytest.mark.parametrize(("url", "expected"), [
    ("sqlite+pysqlite:////nonexistent-dir/x/y.sqlite3", "cannot connect"),
    ("postgresql+psycopg://nobody@127.0.0.1:9/none", "cannot connect"),
    ("::nonsense::", "not a valid database URL"),
])
def test_cli_reports_a_database_problem_in_one_line(url: str, expected: str) -> None:
    result = _cli("db", "current", env={"JOINTDEGREE_DATABASE_URL": url,
                                        "JOINTDEGREE_SECRET_KEY": "x"})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "JOINTDEGREE_DATABASE_URL" in lines[0] and expected in lines[0]
    assert "Traceback" not in result.stderr


def test_cli_help_needs_no_database() -> None:
    result = _cli("--help", env={"JOINTDEGREE_DATABASE_URL":
                                 "postgresql+psycopg://nobody@127.0.0.1:9/none"})
    assert result.returncode == 0
    for command in ("db", "user", "demo", "run"):
        assert command in result.stdout


def test_the_wsgi_entry_point_takes_the_long_lived_objects_out_of_the_collectors_way(
        tmp_path: Path) -> None:
    """gunicorn's entry point freezes what start-up loaded (a full collection walking it paused
    requests for over 100 ms at load volume); a fresh process, as a worker would be."""
    env = {**os.environ, "JOINTDEGREE_DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite3'}",
           "JOINTDEGREE_SECRET_KEY": "wsgi-test", "JOINTDEGREE_KEYS_DIR": str(tmp_path / "k")}
    out = subprocess.run([sys.executable, "-c", "import gc, jointdegree.wsgi as w; "
                          "from jointdegree.db import database; "
                          "print(type(w.app).__name__, gc.get_freeze_count(), "
                          "database(w.app).engine.pool.checkedin())"],
                         env=env, capture_output=True, text=True, timeout=120, check=True)
    name, frozen, pooled = out.stdout.split()
    assert name == "Flask" and int(frozen) > 50_000, out.stdout
    assert pooled == "0", "a connection opened at start-up would be shared by forked workers"
