"""The `omnishop` command on a fresh SQLite file: migrate, issue an API key, add staff."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omnishop.cli import app
from omnishop.kernel.settings import get_settings

runner = CliRunner()


@pytest.fixture
def fresh_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "var" / "cli.db"
    monkeypatch.setenv("OMNISHOP_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_migrate_creates_the_database_file(fresh_db: Path) -> None:
    result = runner.invoke(app, ["migrate"])

    assert result.exit_code == 0, result.output
    assert fresh_db.exists()
    assert "schema at" in result.output


def test_apikey_create_prints_the_secret_once(fresh_db: Path) -> None:
    runner.invoke(app, ["migrate"])

    result = runner.invoke(app, ["apikey", "create", "--name", "erp", "--scope", "catalog:write"])
    bad = runner.invoke(app, ["apikey", "create", "--scope", "everything"])

    assert result.exit_code == 0, result.output
    assert "osk_" in result.output
    assert bad.exit_code == 2
    assert "unknown scopes" in bad.output


def test_staff_create_rejects_a_short_password_and_duplicates(fresh_db: Path) -> None:
    runner.invoke(app, ["migrate"])
    args = ["staff", "create", "--email", "Ann@Shop.test", "--name", "Ann", "--role", "owner"]

    short = runner.invoke(app, [*args, "--password", "short"])
    ok = runner.invoke(app, [*args, "--password", "long-enough-1"])
    again = runner.invoke(app, [*args, "--password", "long-enough-1"])

    assert short.exit_code == 2 and "at least" in short.output
    assert ok.exit_code == 0 and "ann@shop.test" in ok.output
    assert again.exit_code == 2 and "already exists" in again.output
