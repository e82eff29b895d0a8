"""Shared by the end-to-end tests: a prepared SQLite directory, settings, signed Twilio posts, TwiML."""

from __future__ import annotations

import shutil
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from asgi_lifespan import LifespanManager
from pydantic import SecretStr
from starlette.applications import Starlette
from twilio.request_validator import RequestValidator

from bot.settings import Settings
from db.sql.bootstrap import prepare

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 17, 10, 15, tzinfo=PARIS)  # a Tuesday morning: food banks are open
TWILIO_TOKEN = "twilio-test-auth-token"
BASE_URL = "https://bot.example.org"
SMS_URL = f"{BASE_URL}/sms/twilio"


def prepare_template(folder: Path) -> Path:
    """Migrated and seeded once per session (Alsace sample + Soliguide fixtures); copied per test."""
    path = folder / "template.db"
    prepare(f"sqlite:///{path}", now=NOW).dispose()
    return path


def copy_database(template: Path, folder: Path) -> str:
    target = folder / f"solibot-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "redis_url": None,
        "user_key_secret": SecretStr("test-user-key-secret"),
        "twilio_auth_token": SecretStr(TWILIO_TOKEN),
        "seed_sample": False,
        "public_base_url": None,
        "telegram_bot_token": None,
        "telegram_webhook_secret": None,
        "telegram_webhook_url": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def running(app: Starlette, base_url: str = BASE_URL) -> AsyncIterator[httpx.AsyncClient]:
    """ASGITransport does not run the lifespan; LifespanManager does, and hands its state to requests."""
    async with LifespanManager(app, startup_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client


def sign(url: str, params: Mapping[str, str], token: str = TWILIO_TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(url, dict(params)))


ACCOUNT_SID = "AC" + "0" * 32


def twilio_form(body: str, sender: str = "+33612345678", sid: str | None = None) -> dict[str, str]:
    return {
        "MessageSid": sid or f"SM{uuid.uuid4().hex}",
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": "+33700000000",
        "Body": body,
        "NumMedia": "0",
    }


async def post_sms(
    client: httpx.AsyncClient,
    form: Mapping[str, str],
    *,
    url: str = SMS_URL,
    signature: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    sent = {"X-Twilio-Signature": signature if signature is not None else sign(url, form), **(headers or {})}
    return await client.post("/sms/twilio", data=dict(form), headers=sent)


def messages(twiml: str) -> list[str]:
    root = ET.fromstring(twiml)  # noqa: S314 - our own response
    assert root.tag == "Response"
    return [message.text or "" for message in root.findall("Message")]
