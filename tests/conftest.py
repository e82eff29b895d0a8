"""Shared fixtures: databases (SQLite file, and the real local PostgreSQL), the fixed clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from db.sql import SqlIndex, make_async_engine, make_engine, migrate, prepare, sync_categories
from handlers import Deps
from search import Directory, understand

PARIS = ZoneInfo("Europe/Paris")
PG_ADMIN = os.environ.get("SOLIBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("SOLIBOT_TEST_REDIS", "redis://127.0.0.1:6379/0")
REQUIRED = os.environ.get("SOLIBOT_REQUIRE_SERVICES") == "1"


def service_missing(what: str, exc: Exception) -> None:
    """Skip with the reason on a user's machine; on CI (.ci/run sets the flag) fail instead."""
    message = f"{what} not reachable ({exc.__class__.__name__}: {exc})"
    if REQUIRED:
        pytest.fail(message + " — .ci/run requires it")
    pytest.skip(message)


NOW = datetime(2026, 11, 17, 10, 15, tzinfo=PARIS)  # a Tuesday morning: food banks are open


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def pg_server() -> str:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            pass
    except psycopg.OperationalError as exc:
        service_missing("PostgreSQL at 127.0.0.1:5432", exc)
    return PG_ADMIN


def _migrated(url: str) -> None:
    migrate(url)
    eng = make_engine(url)
    sync_categories(eng)
    eng.dispose()


@contextmanager
def fresh_pg_database(admin_url: str, *, migrated: bool = True) -> Iterator[str]:
    """A PostgreSQL database of its own for one test (migrated, with the taxonomy, unless told
    otherwise), dropped afterwards even with connections still open."""
    name = f"solibot_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"
        if migrated:
            _migrated(url)
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database with the taxonomy: every test using it runs on both backends."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'solibot.db'}"
        _migrated(url)
        yield url
        return
    with fresh_pg_database(request.getfixturevalue("pg_server")) as url:
        yield url


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file with the Alsace sample and the Soliguide fixtures, prepared once per run."""
    from tests.e2e.support import prepare_template

    return prepare_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def sample_database_url(sample_template: Path, tmp_path: Path) -> str:
    """A private copy of the prepared sample database, for tests that write to it."""
    from tests.e2e.support import copy_database

    return copy_database(sample_template, tmp_path)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
async def async_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_async_engine(database_url)
    yield eng
    await eng.dispose()


@pytest.fixture(scope="session")
def directory_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The Alsace sample and Soliguide's fixtures, prepared once per run, read by conversation tests."""
    url = f"sqlite:///{tmp_path_factory.mktemp('handlers') / 'solibot.db'}"
    prepare(url, now=NOW).dispose()
    return url


def make_deps(engine: AsyncEngine, at: datetime = NOW) -> Deps:
    return Deps(directory=Directory(SqlIndex(engine)), understand=understand, clock=lambda: at)


@pytest.fixture
async def deps(directory_url: str) -> AsyncIterator[Deps]:
    engine = make_async_engine(directory_url)
    yield make_deps(engine)
    await engine.dispose()


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """The local Redis (skipped on a user's machine without it, a failure on CI)."""
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except (aioredis.ConnectionError, OSError) as exc:
        service_missing(f"Redis at {REDIS_URL}", exc)
    finally:
        await client.aclose()
    yield REDIS_URL
