"""Who is an operator or a volunteer (issue 13): the store the channels, the conversation's code
redemption, the web chat's login and `solibot operators` share.

An administrator registers someone by their Telegram account (kept as the bot's user key, the keyed
hash every channel computes: bot/identity.py) or a web login, or gives them a one-time invitation code
they send to the bot. Everyone else is the public. No list of operators lives in the code.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import user_key as identity_key
from db.sql import (
    DuplicateIdentityError,
    Operator,
    Runner,
    active_operator,
    add_code_failure,
    by_login,
    by_user_key,
    code_failures,
    insert_invitation,
    insert_operator,
    list_operators,
    make_async_engine,
    migrate,
    redeem_invitation,
    remove_operator,
)
from handlers import Channel, Incoming, Redeem, Redeemed, Redemption, Role

__all__ = [
    "ACCOUNT_CHANNELS",
    "DuplicateIdentityError",
    "Operator",
    "OperatorStore",
    "TooManyAttemptsError",
    "identified",
    "normalise_code",
    "opened",
    "redeemer",
]

log = logging.getLogger(__name__)

# Channels whose user key is a person's own account: Telegram, and the console's --user. An SMS sender
# stays the public (a phone number is no login); the web chat sets the role from its own login.
ACCOUNT_CHANNELS = frozenset({Channel.TELEGRAM, Channel.CONSOLE})
ROLE_TTL_SECONDS = 30.0  # a removal takes effect in every worker within this long
MAX_CACHED = 20_000  # senders whose role a worker remembers (public ones too): ~3 MB at most
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
CODE_LENGTH = 8  # 40 bits: guessing one of a few live codes takes ~10^11 tries
CODE_FAILURES_ALLOWED = 5  # wrong codes a sender may send in CODE_FAILURE_WINDOW
CODE_FAILURE_WINDOW = timedelta(hours=1)
INVITATION_DAYS = 7
# scrypt at n=2^14, r=8 (16 MiB, ~50 ms): OWASP's floor for scrypt; the hash says its parameters.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


class TooManyAttemptsError(Exception):
    """This sender sent too many wrong codes lately: no code is checked for them for a while."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def normalise_code(text: str) -> str | None:
    """ "7k3f 9qx2", "7K3F-9QX2", "7K3F9QX2" → "7K3F9QX2"; O read as 0 and I, L as 1 (Crockford).
    None when it cannot be a code."""
    folded = "".join(ch for ch in text.upper() if ch.isalnum())
    folded = folded.translate(str.maketrans("OIL", "011"))
    if len(folded) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in folded):
        return None
    return folded


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        params, salt, digest = stored.split("$")
        name, n, r, p = params.split(":")
        expected = base64.b64decode(digest)
        if name != "scrypt":
            return False
        found = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except ValueError:
        return False
    return hmac.compare_digest(found, expected)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# A hash checked when the login is unknown, so that an unknown login costs as long as a wrong password:
# a random salt and a digest no password gives, since checking costs the scrypt of its parameters whatever
# the digest (hashing a real password here cost every process an scrypt at start).
_DECOY = f"scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}${_b64(secrets.token_bytes(16))}${_b64(bytes(32))}"


class OperatorStore:
    """The operators in the directory's database, with a short in-process cache of who is who."""

    def __init__(
        self,
        engine: AsyncEngine,
        secret: bytes,
        *,
        ttl_seconds: float = ROLE_TTL_SECONDS,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._runner, self._secret, self._ttl = Runner(engine), secret, ttl_seconds
        self._clock, self._monotonic = clock, monotonic
        self._cache: dict[str, tuple[float, Role, int | None]] = {}
        self._active: dict[int, tuple[float, Role | None]] = {}

    # --- the request path ------------------------------------------------------------------------
    async def role_of(self, user_key: str) -> tuple[Role, int | None]:
        """(role, operator id) of a sender; (PUBLIC, None) for everyone not registered, and when the
        database does not answer (a person is never refused for it). Cached ROLE_TTL_SECONDS."""
        now = self._monotonic()
        cached = self._cache.get(user_key)
        if cached is not None and cached[0] > now:
            return cached[1], cached[2]
        try:
            found = await self._runner.read(by_user_key, user_key)
        except Exception as exc:  # noqa: BLE001 - the public answer is always safe to give
            log.warning("operator lookup failed (%s): answering as the public", exc.__class__.__name__)
            return Role.PUBLIC, None
        role, actor = (Role.PUBLIC, None) if found is None else (Role(found.role), found.id)
        if len(self._cache) >= MAX_CACHED:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
        self._cache[user_key] = (now + self._ttl, role, actor)
        return role, actor

    async def active_role(self, operator_id: int) -> Role | None:
        """The role of a signed-in operator while they are not removed, else None (also when the
        database does not answer): a web sign-in outlives a removal by at most ROLE_TTL_SECONDS."""
        now = self._monotonic()
        cached = self._active.get(operator_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            found = await self._runner.read(active_operator, operator_id)
        except Exception as exc:  # noqa: BLE001 - answering as the public is always safe
            log.warning("operator lookup failed (%s): answering as the public", exc.__class__.__name__)
            return None
        role = None if found is None else Role(found.role)
        if len(self._active) >= MAX_CACHED:
            self._active.clear()
        self._active[operator_id] = (now + self._ttl, role)
        return role

    async def redeem(self, code: str, user_key: str) -> Operator | None:
        """Registers the sender with a one-time code. None when the code is unknown, used or expired;
        raises TooManyAttemptsError past CODE_FAILURES_ALLOWED wrong codes in CODE_FAILURE_WINDOW
        (counted in the database, so across workers)."""
        now = self._clock()
        if (
            await self._runner.read(code_failures, user_key, now - CODE_FAILURE_WINDOW)
            >= CODE_FAILURES_ALLOWED
        ):
            raise TooManyAttemptsError
        normalised = normalise_code(code)
        found = None
        if normalised is not None:
            found = await self._runner.write(redeem_invitation, self._code_hash(normalised), user_key, now)
        if found is None:
            await self._runner.write(add_code_failure, user_key, now, CODE_FAILURE_WINDOW)
            return None
        self._cache.pop(user_key, None)
        log.info("invitation redeemed: operator %d of %s", found.id, found.organisation)
        return found

    async def check_web_login(self, login: str, password: str) -> Operator | None:
        """The active operator with this login and password, else None. scrypt runs off the event
        loop; an unknown login costs the same time as a wrong password."""
        found = await self._runner.read(by_login, login.strip())
        operator, stored = found if found is not None else (None, None)
        ok = await asyncio.to_thread(verify_password, password, stored or _DECOY)
        return operator if ok and stored is not None else None

    # --- administration (solibot operators) ------------------------------------------------------
    async def add(
        self,
        display_name: str,
        organisation: str,
        role: Role,
        *,
        telegram_id: str | None = None,
        console_user: str | None = None,
        web_login: str | None = None,
        password: str | None = None,
    ) -> Operator:
        """Registers a Telegram account (its numeric id), a console user (for trying the bot) and/or a
        web login with its password. Raises ValueError for a public role, no identity, a login without
        password, or DuplicateIdentityError for an identity already registered."""
        if role is Role.PUBLIC:
            raise ValueError("an operator's role is operator or volunteer")
        if telegram_id is not None and console_user is not None:
            raise ValueError("one account: --telegram-id or --console-user")
        key = None
        if telegram_id is not None:
            if not telegram_id.strip().lstrip("-").isdigit():
                raise ValueError("a Telegram id is a number (the person's user id, e.g. from @userinfobot)")
            key = identity_key(self._secret, Channel.TELEGRAM.value, telegram_id.strip())
        elif console_user is not None:
            key = identity_key(self._secret, Channel.CONSOLE.value, console_user)
        if key is None and web_login is None:
            raise ValueError("give --telegram-id, --web-login or --console-user")
        if (web_login is None) != (password is None):
            raise ValueError("a web login needs a password, and a password a web login")
        hashed = await asyncio.to_thread(hash_password, password) if password is not None else None
        try:
            return await self._runner.write(
                partial(
                    insert_operator,
                    display_name=display_name.strip(),
                    organisation=organisation.strip(),
                    role=role.value,
                    user_key=key,
                    web_login=web_login.strip() if web_login else None,
                    password_hash=hashed,
                    now=self._clock(),
                )
            )
        except IntegrityError as exc:  # two administrators at once: the unique index decides
            raise DuplicateIdentityError("identity") from exc

    async def list(self, *, include_removed: bool = False) -> tuple[Operator, ...]:
        """Active operators by organisation and name; with `include_removed`, the removed too."""
        return tuple(await self._runner.read(partial(list_operators, include_removed=include_removed)))

    async def remove(self, operator_id: int) -> bool:
        """True when an active operator with that id was removed; every worker forgets their role
        within ROLE_TTL_SECONDS."""
        return await self._runner.write(remove_operator, operator_id, self._clock())

    async def invite(
        self, organisation: str, role: Role, *, display_name: str | None = None, days: int = INVITATION_DAYS
    ) -> tuple[str, datetime]:
        """A new one-time code ("7K3F-9QX2") and when it expires; only its keyed hash is stored."""
        if role is Role.PUBLIC:
            raise ValueError("an operator's role is operator or volunteer")
        if days < 1:
            raise ValueError("an invitation lasts at least a day")
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        now = self._clock()
        expires = now + timedelta(days=days)
        await self._runner.write(
            partial(
                insert_invitation,
                code_hash=self._code_hash(code),
                display_name=display_name,
                organisation=organisation.strip(),
                role=role.value,
                now=now,
                expires_at=expires,
            )
        )
        return f"{code[:4]}-{code[4:]}", expires

    def _code_hash(self, normalised: str) -> str:
        return hmac.new(self._secret, f"invitation\x1f{normalised}".encode(), hashlib.sha256).hexdigest()


@asynccontextmanager
async def opened(database_url: str, secret: bytes) -> AsyncIterator[OperatorStore]:
    """A store on an engine of its own, the schema brought up to date first: `solibot operators`."""
    await asyncio.to_thread(migrate, database_url)
    engine = make_async_engine(database_url)
    try:
        yield OperatorStore(engine, secret)
    finally:
        await engine.dispose()


async def identified(store: OperatorStore, msg: Incoming) -> Incoming:
    """The message with its sender's role and operator id, for the channels whose sender is an account;
    a role the channel already set (the web chat's login) is kept."""
    if msg.channel not in ACCOUNT_CHANNELS or msg.role is not Role.PUBLIC:
        return msg
    role, actor = await store.role_of(msg.user_key)
    return msg if role is Role.PUBLIC else replace(msg, role=role, actor=actor)


def redeemer(store: OperatorStore) -> Redeem:
    """The conversation's way to redeem a code (handlers.Deps.redeem)."""

    async def redeem(code: str, channel: str, user_key: str) -> Redemption:
        if channel not in ACCOUNT_CHANNELS:
            return Redemption(Redeemed.NOT_HERE)
        try:
            found = await store.redeem(code, user_key)
        except TooManyAttemptsError:
            log.warning("invitation code refused: too many wrong codes user=%s", user_key[:12])
            return Redemption(Redeemed.LIMITED)
        if found is None:
            return Redemption(Redeemed.UNKNOWN)
        return Redemption(Redeemed.REGISTERED, found.organisation, found.role)

    return redeem
