"""Signed Twilio SMS webhooks against a local `solibot serve` on the Alsace sample: throughput and latency.

    .venv/bin/python -m bench.webhook [--requests 2000] [--senders 50] [--workers 1] [--redis redis://...]

Figures, not a test: replies/s, p50/p99 latency, errors, lost replies (a 200 without a <Message> where
the conversation owed one), RSS per worker. Target on a 2-core machine, one worker: >= 200 replies/s and
p99 <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx
from twilio.request_validator import RequestValidator

from db import PARIS
from db.sql import prepare

ROOT = Path(__file__).resolve().parent.parent

TOKEN = "bench-twilio-token"
# One person's conversation: a search, the next page, details, another search, details, help.
SCRIPT = ("manger Strasbourg", "PLUS", "1", "douche Mulhouse", "2", "aide", "dormir Colmar", "PLUS")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text().split() if (task / "children").exists() else []
        found.extend(int(c) for c in text)
    return found


def start_server(
    database_url: str, port: int, workers: int, redis_url: str | None
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "SEED_SAMPLE": "false",
        "USER_KEY_SECRET": "bench-secret",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    code = (
        "import logging,sys; logging.basicConfig(level=logging.WARNING, stream=sys.stderr);"
        "from bot.app import serve; from bot.settings import Settings;"
        f"sys.exit(serve(Settings(), '127.0.0.1', {port}, {workers}))"
    )
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)


async def wait_ready(base: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("server did not become healthy")


class Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.lost = 0
        self.sent = 0


class Connection:
    """A minimal keep-alive HTTP/1.1 client: httpx costs ~3 ms of CPU per request, which on 2 cores
    would make the load generator, not the server, the bottleneck and inflate the latencies."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        assert self._reader is not None
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n{head}"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await self._writer.drain()
        status_line = await self._reader.readuntil(b"\r\n")
        length = 0
        while (line := await self._reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), await self._reader.readexactly(length)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


async def sender(
    number: str,
    base: str,
    budget: list[int],
    deadline: float,
    tally: Tally,
    script: tuple[str, ...] = SCRIPT,
    interval: float = 0.0,
) -> None:
    """Closed loop by default (the next message as soon as the reply arrives); with `interval`, one
    message every `interval` seconds at most, so that the offered rate is fixed (open loop)."""
    validator = RequestValidator(TOKEN)
    next_at = time.monotonic() + random.uniform(0, interval)
    url = f"{base}/sms/twilio"
    host, port = base.removeprefix("http://").split(":")
    connection = Connection(host, int(port))
    step = 0
    while budget[0] > 0 and time.monotonic() < deadline:
        budget[0] -= 1
        if interval:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            next_at += interval
        text = script[step % len(script)]
        step += 1
        form = {"MessageSid": f"SM{uuid.uuid4().hex}", "From": number, "To": "+33700000000", "Body": text}
        headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
        started = time.perf_counter()
        try:
            status, body = await connection.post("/sms/twilio", urlencode(form).encode(), headers)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            tally.errors += 1
            await connection.close()
            connection = Connection(host, int(port))
            continue
        tally.latencies.append(time.perf_counter() - started)
        tally.sent += 1
        if status != 200:
            tally.errors += 1
        elif b"<Message>" not in body:
            tally.lost += 1
    await connection.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def run(args: argparse.Namespace) -> int:
    folder = Path(tempfile.mkdtemp(prefix="solibot-bench-"))
    database_url = f"sqlite:///{folder / 'bench.db'}"
    now = datetime.now(PARIS)
    print(f"preparing the Alsace sample in {folder} ...")
    prepare(database_url, now=now).dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(database_url, port, args.workers, args.redis)
    try:
        await wait_ready(base)
        warm = Tally()
        await asyncio.gather(
            *(sender(f"+3369{i:07d}", base, [len(SCRIPT)], time.monotonic() + 30, warm) for i in range(2))
        )
        tally, budget = Tally(), [args.requests]
        script = tuple(args.script.split("|")) if args.script else SCRIPT
        interval = args.senders / args.rate if args.rate else 0.0
        pids = children(server.pid) if args.workers > 1 else [server.pid]
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        own_before = cpu_seconds(os.getpid())
        deadline = time.monotonic() + args.duration
        started = time.perf_counter()
        await asyncio.gather(
            *(
                sender(f"+3361{i:07d}", base, budget, deadline, tally, script, interval)
                for i in range(args.senders)
            )
        )
        elapsed = time.perf_counter() - started
        cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
        own = cpu_seconds(os.getpid()) - own_before
        rss = [r for r in (rss_mb(pid) for pid in pids) if r > 50 or args.workers == 1]
    finally:
        server.terminate()
        server.wait(timeout=30)
    replies = tally.sent - tally.lost - tally.errors
    print(
        f"workers={args.workers} senders={args.senders} requests={tally.sent} in {elapsed:.2f}s"
        f" {'offered ' + format(args.rate, 'g') + '/s' if args.rate else 'closed loop'}"
        f"{' redis' if args.redis else ' sqlite sessions'}"
    )
    print(
        f"replies/s={replies / elapsed:.1f}  p50={percentile(tally.latencies, 0.5) * 1000:.1f} ms"
        f"  p99={percentile(tally.latencies, 0.99) * 1000:.1f} ms  max={max(tally.latencies) * 1000:.1f} ms"
    )
    print(
        f"errors={tally.errors}  lost replies={tally.lost}  RSS per worker (MB)={[round(r, 1) for r in rss]}"
        f"  server CPU={cpu / elapsed * 100:.0f}% ({cpu / max(1, tally.sent) * 1000:.1f} ms/request)"
        f"  client CPU={own / elapsed * 100:.0f}%"
    )
    return 0 if tally.errors == 0 and tally.lost == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--duration", type=float, default=120, help="stop after this many seconds anyway")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--redis", metavar="URL", help="sessions and de-duplication in Redis")
    parser.add_argument(
        "--rate", type=float, help="offered replies/s in total (open loop); default: closed loop"
    )
    parser.add_argument("--script", help="messages each sender cycles through, separated by '|'")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
