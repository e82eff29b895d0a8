"""`solibot serve` under load and abuse, as a real process on loopback: ten thousand fuzzed requests
(signed SMS with any text, retries, forged signatures, malformed forms, wrong methods and paths,
oversized bodies, junk Telegram posts) never get a 5xx and leave the memory flat; a 100 MB body, with
or without Content-Length, four at once, costs the worker less than 10 MB."""

from __future__ import annotations

import asyncio
import json
import random
import string
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode

import httpx
from starlette.datastructures import ImmutableMultiDict
from twilio.request_validator import RequestValidator

from bot.sms import MAX_BODY_BYTES as SMS_CAP
from tests.e2e.support import ACCOUNT_SID, TWILIO_TOKEN, messages
from tests.faults.support import Server, memory_kib, serving

REQUESTS = 10_000
# The bounded caches of the readers (a few thousand distinct words each, search/needs.py,
# search/lexicon.py, search/textnorm.py) and Babel's data of each language fill during the first
# thousands of requests; what grows after that is what the test is for.
WARM_UP = 4_000
CONCURRENCY = 12
SEED = 20261117
MAX_GROWTH = 0.10  # of the RSS after the warm-up
BOT_ID = 777000111
HOOK_SECRET = "fault-suite-telegram-hook-secret"
FORM = "application/x-www-form-urlencoded"
CHUNK = 64 * 1024
Headers = dict[str, str | bytes]  # bytes: a value that is not ASCII, sent as such


@dataclass(slots=True)
class Shot:
    """One request: `body` is sent as is (with its Content-Length), unless `streamed` > 0: that many
    bytes of a form, streamed chunk by chunk (chunked, or with `headers` declaring its length)."""

    kind: str
    method: str
    path: str
    headers: Headers = field(default_factory=dict)
    body: bytes = b""
    streamed: int = 0


# --- a Bot API of our own, on loopback: the Application asks getMe at start -------------------------


class _BotApi(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        me = {"id": BOT_ID, "is_bot": True, "first_name": "Solibot", "username": "solibot_fault_bot"}
        result: object = me if self.path.endswith("/getMe") else True
        payload = json.dumps({"ok": True, "result": result}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def bot_api() -> Iterator[str]:
    """The base URL (…/bot, the token is appended) of a Bot API that answers every method ok."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BotApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    finally:
        server.shutdown()
        server.server_close()


# --- the fuzzer ------------------------------------------------------------------------------------

_RANGES = (
    (0x20, 0x7E),  # ASCII
    (0x00, 0x1F),  # control characters, NUL among them
    (0x7F, 0x9F),  # DEL and C1 controls
    (0xA0, 0x17F),  # Latin-1 and Latin Extended-A
    (0x300, 0x36F),  # combining marks
    (0x590, 0x5FF),  # Hebrew (RTL)
    (0x600, 0x6FF),  # Arabic (RTL)
    (0x200B, 0x200F),  # zero-width and direction marks
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x4E00, 0x4FFF),  # CJK
    (0xFFF9, 0xFFFF),  # specials and non-characters
    (0x1F300, 0x1FAFF),  # emoji
    (0xE0000, 0xE007F),  # tags
)
_WORDS = (
    "manger",
    "Strasbourg",
    "douche",
    "Colmar",
    "dormir",
    "Mulhouse",
    "médecin",
    "gratuit",
    "ce soir",
    "près de la gare",
    "aide",
    "PLUS",
    "1",
    "🍞",
    "أكل",
    "אוכל",
    "\x00",
    "\u202e",
    "',--",
    "<Message>",
    "&amp;",
    "]]>",
)
_SEARCHES = (
    "manger Strasbourg",
    "douche Colmar",
    "dormir Mulhouse",
    "je cherche à manger ce soir à Strasbourg",
    "colis alimentaire Haguenau",
    "vêtements Colmar",
    "eat Strasbourg",
    "طعام ستراسبورغ",
)
_FOLLOW_UPS = ("PLUS", "plus", "1", "2", "3", "menu", "aide", "STOP", "START", "stop", "Start")
_NUMBERS = ("0", "1", "4", "9", "10", "99", "-1", "1e400", "0x10", "١٢", "３", "1.5", "+", "#", "*")


class Fuzz:
    """Deterministic for one seed; signs against the server's own URL (its PUBLIC_BASE_URL)."""

    def __init__(self, seed: int, base: str) -> None:
        self.rng = random.Random(seed)
        self.url = f"{base}/sms/twilio"
        self.validator = RequestValidator(TWILIO_TOKEN)
        self.regulars = [f"+336{self.rng.randrange(10**8):08d}" for _ in range(200)]
        self.sent: list[tuple[str, bytes, Headers]] = []  # signed requests, for retries
        self.update_id = self.rng.randrange(10**6)

    # text
    def text(self, length: int) -> str:
        rng = self.rng
        out = []
        for _ in range(length):
            low, high = rng.choice(_RANGES)
            out.append(chr(rng.randint(low, high)))
        return "".join(out)

    def body(self) -> str:
        rng = self.rng
        pick = rng.random()
        if pick < 0.35:
            return self.text(rng.randint(1, 40))
        if pick < 0.45:
            return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 8)))
        if pick < 0.55:
            return rng.choice(_NUMBERS)
        if pick < 0.70:
            return rng.choice(_FOLLOW_UPS)
        if pick < 0.75:
            return ""
        if pick < 0.80:
            return rng.choice(("   ", "\n\n", "\t", "\x00" * rng.randint(1, 50), "\r\n".join("ab")))
        if pick < 0.85:
            return self.text(rng.randint(1000, 10_000))  # very long, of any script
        if pick < 0.90:
            return (rng.choice(_SEARCHES) + " ") * rng.randint(300, 600)  # about 10 kB of real words
        return "".join(rng.choice(string.printable) for _ in range(rng.randint(1, 200)))

    def sender(self) -> str:
        rng = self.rng
        if rng.random() < 0.6:
            return rng.choice(self.regulars)
        number = str(rng.randrange(10**14)).zfill(rng.randint(3, 15))[-15:]
        return rng.choice(("+", "", "whatsapp:+")) + number

    def sid(self) -> str:
        return self.rng.choice(("SM", "MM")) + "".join(self.rng.choice("0123456789abcdef") for _ in range(32))

    # signed requests
    def signed(self, pairs: Sequence[tuple[str, str]], query: str = "") -> tuple[bytes, Headers]:
        url = self.url + (f"?{query}" if query else "")
        headers: Headers = {"Content-Type": FORM}
        if self.rng.random() < 0.2:
            headers["X-Twilio-Webhooks-Signature-Settings"] = "key=webhooks_sharedkey_x,algorithm=HMAC_SHA256"
            algorithm = "HMAC_SHA256"
        else:
            algorithm = "HMAC_SHA1"
        signature = self.validator.compute_signature(url, ImmutableMultiDict(pairs), algorithm)
        headers["X-Twilio-Signature"] = str(signature)
        return urlencode(pairs).encode(), headers

    def form(self, body: str, sender: str | None = None) -> list[tuple[str, str]]:
        pairs = [
            ("MessageSid", self.sid()),
            ("AccountSid", ACCOUNT_SID),
            ("From", sender or self.sender()),
            ("To", "+33700000000"),
            ("Body", body),
            ("NumMedia", "0"),
        ]
        if self.rng.random() < 0.2:  # Twilio sends many more fields than we read
            pairs += [("FromCity", self.text(8)), ("SmsStatus", "received"), ("NumSegments", "1")]
        self.rng.shuffle(pairs)
        return pairs

    def sms(self, kind: str, body: str, sender: str | None = None) -> Shot:
        query = urlencode({"q": self.text(5)}) if self.rng.random() < 0.1 else ""
        pairs = self.form(body, sender)
        content, headers = self.signed(pairs, query)
        path = "/sms/twilio" + (f"?{query}" if query else "")
        self.sent.append((path, content, headers))
        del self.sent[:-200]
        return Shot(kind, "POST", path, headers, content)

    def retry(self) -> Shot:
        if not self.sent:
            return self.sms("sms", self.body())
        path, content, headers = self.rng.choice(self.sent)
        return Shot("retry", "POST", path, dict(headers), content)

    def recut(self) -> Shot:
        """A known MessageSid with another Body, correctly signed: answered with nothing."""
        if not self.sent:
            return self.sms("sms", self.body())
        _, content, _ = self.rng.choice(self.sent)
        pairs = [(k, v) for k, v in _pairs(content) if k != "Body"] + [("Body", "STOP")]
        content, headers = self.signed(pairs)
        return Shot("recut", "POST", "/sms/twilio", headers, content)

    def bad_fields(self) -> Shot:
        rng = self.rng
        pairs = self.form(self.body())
        broken = rng.choice(("drop", "sid", "account", "from", "repeat"))
        names = ("MessageSid", "AccountSid", "From", "Body")
        if broken == "drop":
            gone = rng.choice(names)
            pairs = [(k, v) for k, v in pairs if k != gone]
        elif broken == "repeat":
            twice = rng.choice(names)
            pairs += [(twice, v) for k, v in pairs if k == twice]
        else:
            name = {"sid": "MessageSid", "account": "AccountSid", "from": "From"}[broken]
            value = rng.choice(("", self.text(10), "SM" + "F" * 32, "AC" + "1" * 31, "+33 6 12", "12"))
            pairs = [(k, value if k == name else v) for k, v in pairs]
        content, headers = self.signed(pairs)
        return Shot("bad_fields", "POST", "/sms/twilio", headers, content)

    def forged(self) -> Shot:
        rng = self.rng
        pairs = self.form(rng.choice((self.body(), *_SEARCHES)))
        content, headers = self.signed(pairs)
        how = rng.choice(("token", "missing", "tampered", "junk", "algorithm", "url"))
        if how == "token":
            other = RequestValidator("not-the-token").compute_signature(self.url, ImmutableMultiDict(pairs))
            headers["X-Twilio-Signature"] = str(other)
        elif how == "missing":
            del headers["X-Twilio-Signature"]
        elif how == "tampered":
            content = urlencode([(k, v + " STOP" if k == "Body" else v) for k, v in pairs]).encode()
        elif how == "junk":
            junk = bytes(rng.randint(0x21, 0xFF) for _ in range(rng.randint(0, 300)))
            headers["X-Twilio-Signature"] = junk.replace(b"\x7f", b"=")
        elif how == "algorithm":  # signed, but not with the algorithm the header names
            sha1 = self.validator.compute_signature(self.url, ImmutableMultiDict(pairs), "HMAC_SHA1")
            headers["X-Twilio-Signature"] = str(sha1)
            headers["X-Twilio-Webhooks-Signature-Settings"] = rng.choice(
                ("algorithm=MD5", "algorithm=HMAC_SHA256", "key=x,algorithm=hmac_sha512", "algorithm=none")
            )
        else:
            return Shot("forged", "POST", "/sms/twilio?extra=1", headers, content)
        return Shot("forged", "POST", "/sms/twilio", headers, content)

    def malformed(self) -> Shot:
        rng = self.rng
        content_type = rng.choice(
            (
                None,
                "text/plain",
                "application/json",
                "multipart/form-data; boundary=xyz",
                FORM,
                FORM + "; charset=latin-1",
                "APPLICATION/X-WWW-FORM-URLENCODED",
                "",
                "x" * 300,
            )
        )
        body = rng.choice(
            (
                bytes(rng.randrange(256) for _ in range(rng.randint(0, 2000))),  # not UTF-8, not a form
                b"Body",
                b"=&=&&",
                b"%ZZ=%FF&Body=%C3%28",
                b"a=1&a=2&a=3" * rng.randint(1, 1000),
                b"&" * rng.randint(1, SMS_CAP),
                json.dumps({"Body": self.body(), "From": self.sender()}).encode(),
                b"--xyz\r\nContent-Disposition: form-data; name=Body\r\n\r\nSTOP\r\n--xyz--\r\n",
                urlencode(self.form(self.body())).encode(),  # a form, unsigned
            )
        )
        headers: Headers = {}
        if content_type is not None:
            headers["Content-Type"] = content_type
        if rng.random() < 0.3:
            headers["X-Twilio-Signature"] = "".join(rng.choice(string.ascii_letters) for _ in range(28)) + "="
        return Shot("malformed", "POST", "/sms/twilio", headers, body)

    def wrong_method(self) -> Shot:
        rng = self.rng
        path = rng.choice(("/sms/twilio", "/telegram/webhook", "/healthz", "/metrics"))
        methods = (
            ("GET", "PUT", "DELETE", "PATCH", "OPTIONS") if path[1] in "st" else ("POST", "PUT", "DELETE")
        )
        content = urlencode(self.form(self.body())).encode() if rng.random() < 0.5 else b""
        return Shot("method", rng.choice(methods), path, {"Content-Type": FORM}, content)

    def random_path(self) -> Shot:
        rng = self.rng
        parts = []
        for _ in range(rng.randint(0, 6)):
            part = rng.choice(
                (
                    "sms",
                    "twilio",
                    "telegram",
                    "webhook",
                    "..",
                    ".",
                    "",
                    "%2e%2e",
                    self.text(rng.randint(1, 20)),
                )
            )
            parts.append(quote(part, safe="%") if part.startswith("%") else quote(part, safe=""))
        path = "/" + "/".join(parts).lstrip("/")  # "//x" is not a path httpx sends
        if rng.random() < 0.3:
            path += "?" + urlencode({self.text(3): self.text(rng.randint(0, 100))})
        if rng.random() < 0.02:
            path = "/" + "a" * 4000
        method = rng.choice(("GET", "POST", "HEAD", "PUT"))
        content = self.body().encode() if method in ("POST", "PUT") else b""
        return Shot("path", method, path, {"Content-Type": FORM}, content)

    def oversized(self) -> Shot:
        """A form past the cap (up to 1 MB), with Content-Length or chunked; a few just under it."""
        rng = self.rng
        size = rng.choice((SMS_CAP + 1, rng.randint(SMS_CAP + 1, 1024 * 1024), 1024 * 1024))
        if rng.random() < 0.1:
            size = rng.randint(SMS_CAP - 100, SMS_CAP)  # under the cap: read, then refused as unsigned
        headers: Headers = {"Content-Type": FORM}
        if rng.random() < 0.5:
            headers["Content-Length"] = str(size)  # declared; otherwise chunked
        return Shot("oversized", "POST", "/sms/twilio", headers, b"", streamed=size)

    def telegram(self) -> Shot:
        rng = self.rng
        self.update_id += 1
        update: object = rng.choice(
            (
                {"update_id": self.update_id, "message": {"text": self.body()}},  # no chat, no date
                {
                    "update_id": self.update_id,
                    "message": {
                        "message_id": 1,
                        "date": 1,
                        "chat": {"id": rng.randrange(10**9), "type": "private"},
                        "text": self.body(),
                    },
                },
                {"update_id": str(self.update_id)},
                {"update_id": self.update_id},
                {"update_id": self.update_id, "callback_query": {"id": None}},
                {"update_id": self.update_id, "message": []},
                [self.update_id],
                None,
                self.body(),
            )
        )
        headers: Headers = {"Content-Type": rng.choice(("application/json", "text/plain", FORM))}
        how = rng.random()
        if how < 0.4:
            headers["X-Telegram-Bot-Api-Secret-Token"] = rng.choice(
                ("", "wrong", HOOK_SECRET[:-1], HOOK_SECRET + "x", HOOK_SECRET.upper(), "é" * 40)
            )
        elif how < 0.5:
            headers["X-Telegram-Bot-Api-Secret-Token"] = bytes(rng.randint(0x80, 0xFF) for _ in range(32))
        elif how < 0.8:  # the right secret: past the check, every junk body must still be refused or ignored
            headers["X-Telegram-Bot-Api-Secret-Token"] = HOOK_SECRET
            if update and isinstance(update, dict) and "message" in update and rng.random() < 0.5:
                update = {"update_id": self.update_id}  # an update no handler takes: nothing is sent
            elif isinstance(update, dict) and isinstance(update.get("message"), dict):
                update["message"].pop("chat", None)
        content = (
            json.dumps(update).encode()
            if rng.random() < 0.8
            else bytes(rng.randrange(256) for _ in range(rng.randint(0, 3000)))
        )
        if rng.random() < 0.05:
            content = b"{" * rng.randint(10_000, 200_000)  # deep nesting, and past the 256 KiB cap
        return Shot("telegram", "POST", "/telegram/webhook", headers, content)

    def shot(self) -> Shot:
        pick = self.rng.random()
        if pick < 0.20:
            return self.sms("sms", self.body())
        if pick < 0.24:
            return self.sms("search", self.rng.choice(_SEARCHES), self.rng.choice(self.regulars))
        if pick < 0.28:
            return self.retry()
        if pick < 0.30:
            return self.recut()
        if pick < 0.35:
            return self.bad_fields()
        if pick < 0.50:
            return self.forged()
        if pick < 0.63:
            return self.malformed()
        if pick < 0.70:
            return self.wrong_method()
        if pick < 0.78:
            return self.random_path()
        if pick < 0.82:
            return self.oversized()
        if pick < 0.98:
            return self.telegram()
        return Shot("health", "GET", self.rng.choice(("/healthz", "/metrics")))

    def shots(self, n: int) -> list[Shot]:
        return [self.shot() for _ in range(n)]


def _pairs(content: bytes) -> list[tuple[str, str]]:
    return parse_qsl(content.decode(), keep_blank_values=True)


class Stream:
    """`size` bytes of a form, from one chunk held once (the test does not hold the body either);
    `sent` counts what the server took before it answered or closed."""

    def __init__(self, size: int) -> None:
        self.size, self.sent = size, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunk = b"Body=" + b"a" * (CHUNK - 5)
        while self.sent < self.size:
            piece = chunk[: self.size - self.sent]
            yield piece
            self.sent += len(piece)


def _raw(headers: Headers) -> list[tuple[bytes, bytes]]:
    return [(k.encode(), v if isinstance(v, bytes) else v.encode("latin-1")) for k, v in headers.items()]


async def _send(client: httpx.AsyncClient, shot: Shot) -> tuple[int | str, str]:
    """(status, or the transport error's name; the response text when it is a 5xx)."""
    content: bytes | Stream = Stream(shot.streamed) if shot.streamed else shot.body
    try:
        response = await client.request(shot.method, shot.path, headers=_raw(shot.headers), content=content)
    except httpx.TransportError as exc:
        return exc.__class__.__name__, ""
    return response.status_code, response.text if response.status_code >= 500 else ""


@dataclass(slots=True)
class Tally:
    statuses: Counter[int | str] = field(default_factory=Counter)
    by_kind: Counter[tuple[str, int | str]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # 5xx, dropped connections, forged requests let in

    def add(self, index: int, shot: Shot, status: int | str, text: str) -> None:
        self.statuses[status] += 1
        self.by_kind[shot.kind, status] += 1
        dropped = isinstance(status, str) and not (shot.kind == "oversized" and status in _CLOSED)
        let_in = shot.kind == "forged" and isinstance(status, int) and status < 300
        if (isinstance(status, int) and status >= 500) or dropped or let_in:
            head = shot.body[:200] if not shot.streamed else f"<{shot.streamed} bytes streamed>".encode()
            self.failures.append(
                f"#{index} {shot.kind} {shot.method} {shot.path[:120]} -> {status} {text[:200]!r}"
                f" headers={shot.headers!r} body[:200]={head!r}"
            )


_CLOSED = ("RemoteProtocolError", "WriteError", "ReadError")  # a refused body may close the connection


async def _fire(client: httpx.AsyncClient, shots: Sequence[Shot], start: int, tally: Tally) -> None:
    queue = iter(enumerate(shots, start))

    async def worker() -> None:
        for index, shot in queue:
            status, text = await _send(client, shot)
            tally.add(index, shot, status, text)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


def _telegram_env(api: str) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": f"{BOT_ID}:FAULT-SUITE-TOKEN",
        "TELEGRAM_WEBHOOK_SECRET": HOOK_SECRET,
        "TELEGRAM_API_BASE_URL": api,
    }


def _report(tally: Tally, server: Server) -> str:
    kinds = "\n".join(
        f"  {kind:<11} {status}: {n}" for (kind, status), n in sorted(tally.by_kind.items(), key=str)
    )
    log = server.log.read_text(errors="replace")
    tracebacks = log.count("Traceback (most recent call last)")
    return (
        f"statuses: {dict(sorted(tally.statuses.items(), key=str))}\nby kind:\n{kinds}\n"
        f"tracebacks in the server log: {tracebacks}\n"
        + "\n".join(tally.failures[:20])
        + (f"\nlog tail:\n{log[-4000:]}" if tally.failures else "")
    )


async def test_ten_thousand_fuzzed_requests_no_5xx_and_flat_memory(
    sample_database_url: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    with bot_api() as api, serving(sample_database_url, tmp_path, **_telegram_env(api)) as server:
        shots = Fuzz(SEED, server.base).shots(REQUESTS)
        tally = Tally()
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        async with httpx.AsyncClient(base_url=server.base, timeout=60, limits=limits) as client:
            await _fire(client, shots[:WARM_UP], 0, tally)
            warm, warm_parts = memory_kib(server.pid, "VmRSS"), _parts(server.pid)
            warm_at = time.monotonic() - started
            await _fire(client, shots[WARM_UP:], WARM_UP, tally)
            final, final_parts = memory_kib(server.pid, "VmRSS"), _parts(server.pid)
            after = Fuzz(SEED + 1, server.base).sms("sms", "manger Strasbourg", "+33699999999")
            response = await client.post(after.path, headers=_raw(after.headers), content=after.body)
        alive = server.process is not None and server.process.poll() is None
        report = _report(tally, server)
    took = time.monotonic() - started
    print(  # noqa: T201
        f"\n{REQUESTS} requests in {took:.1f} s (warm-up of {WARM_UP} done at {warm_at:.1f} s); "
        f"RSS after the warm-up {warm} KiB, at the end {final} KiB ({(final - warm) / warm:+.1%}); "
        f"anon/file/shmem {warm_parts} -> {final_parts}\n{report}"
    )
    assert alive, report
    assert not tally.failures, report
    assert response.status_code == 200 and "Strasbourg" in " ".join(messages(response.text)), response.text
    growth = f"RSS {warm} KiB after the warm-up, {final} KiB at the end: {(final - warm) / warm:+.1%}"
    assert final <= warm * (1 + MAX_GROWTH), f"{growth}, more than {MAX_GROWTH:+.0%}"


def _parts(pid: int) -> tuple[int, int, int]:
    return tuple(memory_kib(pid, f) for f in ("RssAnon", "RssFile", "RssShmem"))  # type: ignore[return-value]


# --- one huge body --------------------------------------------------------------------------------

HUGE = 100 * 1024 * 1024
MAX_PEAK_KIB = 10 * 1024


def reset_peak(pid: int) -> None:
    """VmHWM back to the current RSS (proc(5), clear_refs "5"): the peak of the start is not counted."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


async def _huge(client: httpx.AsyncClient, declared: bool) -> tuple[int | str, int]:
    """(the status, or the transport error's name; the bytes the server took before it answered)."""
    headers = {"Content-Type": FORM, **({"Content-Length": str(HUGE)} if declared else {})}
    body = Stream(HUGE)
    try:
        response = await client.post("/sms/twilio", headers=headers, content=body)
    except httpx.TransportError as exc:  # the server may close the connection instead of reading on
        return exc.__class__.__name__, body.sent
    return response.status_code, body.sent


async def test_a_100_mb_body_costs_under_10_mb(sample_database_url: str, tmp_path: Path) -> None:
    with serving(sample_database_url, tmp_path) as server:
        fuzz = Fuzz(SEED, server.base)
        async with httpx.AsyncClient(base_url=server.base, timeout=120) as client:
            for text in ("manger Strasbourg", "PLUS", "1", "douche Colmar", "aide"):
                shot = fuzz.sms("sms", text, "+33612000000")
                response = await client.post(shot.path, headers=_raw(shot.headers), content=shot.body)
                assert response.status_code == 200, response.text
            small = await client.post(
                "/sms/twilio", headers={"Content-Type": FORM}, content=Stream(2 * SMS_CAP)
            )
            assert small.status_code == 413
            before = memory_kib(server.pid, "VmRSS")
            start_peak = memory_kib(server.pid, "VmHWM")
            reset_peak(server.pid)
            figures = [f"RSS before {before} KiB (peak since start {start_peak} KiB, reset)"]
            cases = [("with Content-Length", [True]), ("chunked", [False]), ("4 at once", [True, False] * 2)]
            for name, declared in cases:
                started = time.monotonic()
                answers = await asyncio.gather(*(_huge(client, d) for d in declared))
                took = time.monotonic() - started
                peak = memory_kib(server.pid, "VmHWM")
                sent = ", ".join(f"{status} after {taken / 2**20:.1f} MB sent" for status, taken in answers)
                figures.append(f"{name}: {sent}; {took:.1f} s; VmHWM - RSS before: {peak - before} KiB")
                assert all(status == 413 or status in _CLOSED for status, _ in answers), figures
            after = memory_kib(server.pid, "VmRSS")
            alive = server.process is not None and server.process.poll() is None
    summary = "\n".join([*figures, f"RSS after {after} KiB"])
    print("\n" + summary)  # noqa: T201
    assert alive, summary
    assert peak - before < MAX_PEAK_KIB, summary
