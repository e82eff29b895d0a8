"""Alembic migrations on both back-ends: up, down and up again, and from a database the previous
release's session store had already given its tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, inspect, text

from db.sql import make_engine, migrate
from db.sql.engine import alembic_config

OLD_STORE_TABLES = (  # what the session store of the previous release created on first use
    "CREATE TABLE IF NOT EXISTS conversation_session ("
    " user_key VARCHAR(64) PRIMARY KEY, data TEXT NOT NULL, expires_at DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_conversation_session_expires ON conversation_session (expires_at)",
    "CREATE TABLE IF NOT EXISTS conversation_opt_out ("
    " user_key VARCHAR(64) PRIMARY KEY, lang VARCHAR(8), since DOUBLE PRECISION NOT NULL)",
)


def test_down_and_up_again_keeps_the_opt_outs(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO conversation_opt_out (user_key, lang, since) VALUES ('k', 'fr', 1)"))
    config = alembic_config(database_url)
    command.downgrade(config, "0002")
    tables = set(inspect(engine).get_table_names())
    assert "conversation_opt_out" in tables  # the previous release reads them: STOP still holds
    if engine.dialect.name == "sqlite":
        assert "stop_rtree" in tables
    command.upgrade(config, "head")
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT lang FROM conversation_opt_out WHERE user_key = 'k'")).scalar() == "fr"
        )
    assert "stop_rtree" not in set(inspect(engine).get_table_names())
    engine.dispose()


def test_upgrade_over_the_tables_the_old_store_made(database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0002")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE conversation_session"))
        conn.execute(text("DROP TABLE conversation_opt_out"))
        for statement in OLD_STORE_TABLES:
            conn.execute(text(statement))
        conn.execute(text("INSERT INTO conversation_opt_out (user_key, lang, since) VALUES ('old', 'ar', 1)"))
    migrate(database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT lang FROM conversation_opt_out")).scalar() == "ar"
    engine.dispose()


def test_the_models_say_what_the_migrations_built(engine: Engine) -> None:
    """db/sql/models.py and the Alembic migrations describe one schema: a column, an index or a type
    added on one side only (the re-import indexes of 0004 once were) shows up here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import db.sql.models  # noqa: F401 - registers the tables

    with engine.connect() as conn:
        drift = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert [d for d in drift if not _search_index(d)] == []


def _search_index(difference: tuple[Any, ...]) -> bool:
    """What nearby search needs on one back-end only, created by migration 0002 and described by no
    model: SQLite's R*Tree (a virtual table), PostgreSQL's earthdistance and category indexes."""
    kind, item = difference[0], difference[1]
    if kind == "remove_table":
        return bool(item.name.startswith("search_rtree"))
    return kind == "remove_index" and item.name in ("ix_search_point_earth", "ix_search_point_code")


def test_the_head_read_from_the_files_is_alembics() -> None:
    """`migrate` skips Alembic when the database is at the head it reads from the migration files."""
    from alembic.script import ScriptDirectory

    from db.sql.engine import head_revision

    script = ScriptDirectory.from_config(alembic_config("sqlite:///unused.db"))
    assert head_revision() == script.get_current_head()


def test_at_head_only_at_the_newest_revision(database_url: str, tmp_path: Path) -> None:
    from db.sql.engine import at_head

    assert at_head(database_url)
    command.downgrade(alembic_config(database_url), "0002")
    assert not at_head(database_url)
    migrate(database_url)
    assert at_head(database_url)
    assert not at_head(f"sqlite:///{tmp_path / 'new.db'}")  # no alembic_version table yet
