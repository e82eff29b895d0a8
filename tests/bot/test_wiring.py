"""The composition root: what the settings choose for the conversation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from bot.settings import Settings
from bot.wiring import Resources, conversation_deps
from db.sql import make_async_engine
from handlers import PARIS, Conversation
from tests.conftest import NOW
from tests.e2e.support import make_settings


async def test_settings_choose_the_geocoder_and_home_departments(tmp_path: Path) -> None:
    now = datetime(2026, 11, 17, 10, 15, tzinfo=PARIS)
    engine = make_async_engine(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        offline = conversation_deps(Settings(), engine, lambda: now)
        assert offline.locate is None
        place = offline.understand("dormir munster", now).place
        assert place is not None and place.label.endswith("(68)")
        moselle = conversation_deps(
            Settings(geocoder="ban", geocoder_domain="addok.local", home_departments=("57",)),
            engine,
            lambda: now,
        )
        assert moselle.locate is not None
        place = moselle.understand("dormir munster", now).place
        assert place is not None and place.label.endswith("(57)")
    finally:
        await engine.dispose()


async def test_a_database_down_at_start_gets_its_migrations_when_it_comes_back(pg_server: str) -> None:
    """The session tables are migrations: a worker that started before the database was reachable
    applies them once it is, instead of failing every turn until a restart."""
    name = f"solibot_test_late_{uuid.uuid4().hex[:8]}"
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    settings = make_settings(url)
    async with Resources.open(settings, lambda: NOW) as resources:
        with pytest.raises(Exception):  # noqa: B017 - any driver error: the database does not exist yet
            await resources.ping()
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            for _ in range(100):
                await asyncio.sleep(0.1)
                with psycopg.connect(url) as conn:
                    tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables")}
                if "conversation_session" in tables:
                    break
            assert {"conversation_session", "conversation_opt_out", "search_point"} <= tables
            key = "k" * 64
            assert await resources.sessions.save(key, Conversation(lang="fr"), version=0)
            assert (await resources.sessions.load(key)).conversation == Conversation(lang="fr")
        finally:
            await resources.engine.dispose()
            with psycopg.connect(pg_server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize(
    "real",
    [
        {"solibot_env": "production"},
        {"twilio_auth_token": "a-real-token"},
        {"telegram_bot_token": "123:abc"},
    ],
)
def test_the_development_secret_is_refused_where_real_people_write(real: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="USER_KEY_SECRET"):
        Settings(_env_file=None, **real)  # type: ignore[call-arg]
    Settings(_env_file=None, user_key_secret=SecretStr("a-long-random-secret"), **real)  # type: ignore[call-arg]
    Settings(_env_file=None)  # type: ignore[call-arg]  # the console's zero-config default stays


async def test_the_web_service_never_seeds_the_invented_sample(tmp_path: Path) -> None:
    """SEED_SAMPLE is on by default for the console; the web service ignores it: people could walk
    to places that do not exist."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    settings = make_settings(url, seed_sample=True)
    async with Resources.open(settings, lambda: NOW) as resources:
        async with resources.engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM place"))).scalar() == 0
    async with Resources.open(settings, lambda: NOW, seed_sample=True) as resources:
        async with resources.engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM place"))).scalar_one() > 0


async def test_the_retention_pass_deletes_expired_conversations_and_replies(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'retention.db'}"
    async with Resources.open(make_settings(url), lambda: NOW) as resources:
        async with resources.engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO conversation_session (user_key, data, expires_at) VALUES ('old', '{}', 1)")
            )
            await conn.execute(
                text(
                    "INSERT INTO webhook_reply (key, request_hash, reply, claimed_at, expires_at) "
                    "VALUES ('sms:old', 'h', '<Response/>', 0, 1)"
                )
            )
        assert await resources.sessions.save("new", Conversation(lang="fr"), version=0)
        assert await resources.purge_expired() == 2
        assert (await resources.sessions.load("new")).conversation == Conversation(lang="fr")
