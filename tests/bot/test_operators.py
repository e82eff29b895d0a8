"""The operator store on SQLite and PostgreSQL: registration, roles with their cache, one-time codes
and their guessing limit, web logins; and `solibot operators`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.__main__ import main
from bot.console import surface_of
from bot.identity import user_key
from bot.operators import (
    CODE_FAILURES_ALLOWED,
    DuplicateIdentityError,
    OperatorStore,
    TooManyAttemptsError,
    normalise_code,
    redeemer,
)
from bot.settings import Settings
from bot.telegram import command_text
from bot.wiring import Resources
from db.sql import SqlIndex
from handlers import Channel, Deps, Incoming, Role
from search import Directory, understand
from tests.conftest import NOW
from tests.handlers.conftest import Chat

SECRET = b"test-secret"
TELEGRAM_KEY = user_key(SECRET, Channel.TELEGRAM.value, "4242")


class Clocks:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
        self.mono = 1000.0

    def wall(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.mono


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


@pytest.fixture
def store(async_engine: AsyncEngine, clocks: Clocks) -> OperatorStore:
    return OperatorStore(async_engine, SECRET, ttl_seconds=30, clock=clocks.wall, monotonic=clocks.monotonic)


async def test_the_public_is_everyone_not_registered(store: OperatorStore) -> None:
    assert await store.role_of(TELEGRAM_KEY) == (Role.PUBLIC, None)


async def test_a_registered_telegram_account_is_an_operator_until_removed_plus_the_cache(
    store: OperatorStore, clocks: Clocks
) -> None:
    added = await store.add("Léa", "SIAO 68", Role.OPERATOR, telegram_id="4242")
    assert (added.role, added.organisation, added.account) == ("operator", "SIAO 68", True)
    assert await store.role_of(TELEGRAM_KEY) == (Role.OPERATOR, added.id)
    assert await store.remove(added.id)
    assert not await store.remove(added.id)
    assert await store.role_of(TELEGRAM_KEY) == (Role.OPERATOR, added.id)  # cached for the TTL
    clocks.mono += 31
    assert await store.role_of(TELEGRAM_KEY) == (Role.PUBLIC, None)
    assert [o.id for o in await store.list()] == []
    assert [o.removed_at is not None for o in await store.list(include_removed=True)] == [True]
    again = await store.add("Léa", "SIAO 67", Role.VOLUNTEER, telegram_id="4242")  # removed: free again
    clocks.mono += 31
    assert await store.role_of(TELEGRAM_KEY) == (Role.VOLUNTEER, again.id)


async def test_an_identity_belongs_to_one_active_operator(store: OperatorStore) -> None:
    await store.add("Léa", "SIAO 68", Role.OPERATOR, telegram_id="4242", web_login="lea", password="x" * 12)
    with pytest.raises(DuplicateIdentityError):
        await store.add("Other", "SIAO 67", Role.OPERATOR, telegram_id="4242")
    with pytest.raises(DuplicateIdentityError):
        await store.add("Other", "SIAO 67", Role.OPERATOR, web_login="lea", password="y" * 12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "give --telegram-id"),
        ({"telegram_id": "@lea"}, "is a number"),
        ({"web_login": "lea"}, "needs a password"),
        ({"telegram_id": "1", "console_user": "lea"}, "one account"),
    ],
)
async def test_bad_registrations_are_refused_with_a_reason(
    store: OperatorStore, kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await store.add("Léa", "SIAO 68", Role.OPERATOR, **kwargs)
    with pytest.raises(ValueError, match="operator or volunteer"):
        await store.add("Léa", "SIAO 68", Role.PUBLIC, telegram_id="1")


async def test_web_login(store: OperatorStore) -> None:
    added = await store.add("Paul", "Maraude", Role.VOLUNTEER, web_login="paul", password="correct horse 1")
    found = await store.check_web_login("paul", "correct horse 1")
    assert found is not None and found.id == added.id
    assert await store.check_web_login("paul", "correct horse 2") is None
    assert await store.check_web_login("nobody", "correct horse 1") is None
    await store.remove(added.id)
    assert await store.check_web_login("paul", "correct horse 1") is None


async def test_an_invitation_code_registers_its_sender_once(store: OperatorStore, clocks: Clocks) -> None:
    code, expires = await store.invite("Maraude Croix-Rouge", Role.VOLUNTEER, display_name="Sam")
    assert expires == clocks.now + timedelta(days=7)
    assert await store.role_of(TELEGRAM_KEY) == (Role.PUBLIC, None)  # cached as public...
    redeemed = await store.redeem(code.lower().replace("-", " "), TELEGRAM_KEY)
    assert redeemed is not None
    assert (redeemed.display_name, redeemed.organisation, redeemed.role) == (
        "Sam",
        "Maraude Croix-Rouge",
        "volunteer",
    )
    assert await store.role_of(TELEGRAM_KEY) == (Role.VOLUNTEER, redeemed.id)  # ...and forgotten at once
    other = user_key(SECRET, Channel.TELEGRAM.value, "99")
    assert await store.redeem(code, other) is None  # used


async def test_a_new_code_moves_an_operator_to_its_organisation(store: OperatorStore) -> None:
    first = await store.add("Léa", "SIAO 68", Role.OPERATOR, telegram_id="4242")
    code, _ = await store.invite("Maraude 67", Role.VOLUNTEER)
    moved = await store.redeem(code, TELEGRAM_KEY)
    assert moved is not None and (moved.id, moved.organisation, moved.role) == (
        first.id,
        "Maraude 67",
        "volunteer",
    )


async def test_an_expired_code_does_nothing(store: OperatorStore, clocks: Clocks) -> None:
    code, _ = await store.invite("SIAO 68", Role.OPERATOR, days=1)
    clocks.now += timedelta(days=1, seconds=1)
    assert await store.redeem(code, TELEGRAM_KEY) is None


async def test_guessing_is_stopped_then_allowed_again_an_hour_later(
    store: OperatorStore, clocks: Clocks
) -> None:
    code, _ = await store.invite("SIAO 68", Role.OPERATOR, days=2)
    for guess in range(CODE_FAILURES_ALLOWED):
        assert await store.redeem(f"0000-000{guess}", TELEGRAM_KEY) is None
    with pytest.raises(TooManyAttemptsError):
        await store.redeem(code, TELEGRAM_KEY)  # even the right code, while locked out
    other = user_key(SECRET, Channel.TELEGRAM.value, "99")
    assert await store.redeem("not a code", other) is None  # someone else is not locked out
    clocks.now += timedelta(hours=1, seconds=1)
    assert await store.redeem("0000-0000", TELEGRAM_KEY) is None  # a new window: counted from 1
    assert await store.redeem(code, TELEGRAM_KEY) is not None


def test_codes_are_read_as_people_type_them() -> None:
    assert normalise_code("7k3f-9qx2") == "7K3F9QX2"
    assert normalise_code(" 7K3F 9QX2 ") == "7K3F9QX2"
    assert normalise_code("OIL0-0000") == "01100000"  # O as zero, I and L as one
    assert normalise_code("7K3F-9QX") is None
    assert normalise_code("7K3F-9QXU") is None  # U is not in the alphabet


def test_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["operators", "add", "--name", "Léa", "--organisation", "SIAO 68", "--role", "operator",
                 "--telegram-id", "4242"]) == 0  # fmt: skip
    assert main(["operators", "add", "--name", "X", "--organisation", "Y", "--role", "operator",
                 "--telegram-id", "4242"]) == 2  # fmt: skip
    assert "already registered" in capsys.readouterr().err
    assert main(["operators", "invite", "--organisation", "Maraude", "--role", "volunteer"]) == 0
    code = capsys.readouterr().out.strip()
    assert normalise_code(code) is not None and code[4] == "-"
    assert main(["operators", "list"]) == 0
    assert "SIAO 68  Léa  [account]" in capsys.readouterr().out
    assert main(["operators", "remove", "1"]) == 0
    assert main(["operators", "remove", "1"]) == 1
    assert main(["operators", "list", "--all", "--json"]) == 0
    assert '"removed_at": "20' in capsys.readouterr().out


# --- through the conversation and the composition root ---------------------------------------------
def _chat(store: OperatorStore, engine: AsyncEngine, channel: Channel = Channel.CONSOLE) -> Chat:
    deps = Deps(
        directory=Directory(SqlIndex(engine)),
        understand=understand,
        clock=lambda: NOW,
        redeem=redeemer(store),
    )
    return Chat(deps, channel=channel)


async def test_a_code_sent_to_the_bot_registers_its_sender(
    store: OperatorStore, async_engine: AsyncEngine
) -> None:
    code, _ = await store.invite("Maraude Colmar", Role.VOLUNTEER)
    chat = _chat(store, async_engine)
    said = await chat.text(f"code {code}")
    assert "Vous êtes maintenant enregistré comme bénévole de Maraude Colmar." in said
    key = "user-key"  # the Chat helper's sender
    assert (await store.role_of(key))[0] is Role.VOLUNTEER
    again = await chat.text(f"code {code}")
    assert "Ce code est faux, déjà utilisé ou expiré" in again


async def test_telegrams_deep_link_and_the_senders_language(
    store: OperatorStore, async_engine: AsyncEngine
) -> None:
    code, _ = await store.invite("SIAO 68", Role.OPERATOR)
    chat = _chat(store, async_engine, Channel.TELEGRAM)
    chat.hint = "uk"
    said = await chat.text(command_text(f"/start {code.replace('-', '')}"))
    assert "Тепер ви зареєстровані як оператор організації SIAO 68." in said


async def test_guessing_codes_gets_a_clear_answer_then_a_lockout(
    store: OperatorStore, async_engine: AsyncEngine
) -> None:
    chat = _chat(store, async_engine)
    for _ in range(CODE_FAILURES_ALLOWED):
        assert "Ce code est faux" in await chat.text("code AAAA-BBBB")
    assert "Trop de codes erronés. Réessayez dans une heure." in await chat.text("code AAAA-BBBB")


async def test_an_sms_sender_cannot_redeem_and_the_code_is_not_spent(
    store: OperatorStore, async_engine: AsyncEngine
) -> None:
    code, _ = await store.invite("SIAO 68", Role.OPERATOR)
    sms = _chat(store, async_engine, Channel.SMS)
    assert "Telegram" in await sms.text(f"code {code}")
    assert await store.redeem(code, TELEGRAM_KEY) is not None


async def test_the_composition_root_gives_telegram_and_console_senders_their_role(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'w.db'}", seed_sample=False)
    async with Resources.open(settings, lambda: NOW, seed_sample=False, deadline=False) as resources:
        assert resources.operators is not None
        await resources.operators.add("Léa", "SIAO 68", Role.OPERATOR, console_user="lea")
        secret = settings.user_key_secret.get_secret_value().encode()

        async def answer(channel: Channel, sender: str) -> str:
            msg = Incoming(
                channel,
                user_key(secret, channel.value, sender),
                "hébergement d'urgence Mulhouse",
                surface=surface_of(channel),
            )
            turn = await resources.converse(msg)
            return "\n".join(r.text for r in turn.replies)

        assert "115" not in await answer(Channel.CONSOLE, "lea")  # the operator: an empty directory, no 115
        assert "115" in await answer(Channel.CONSOLE, "someone")  # the public
        assert "115" in await answer(Channel.SMS, "lea")  # an SMS sender is never an operator
