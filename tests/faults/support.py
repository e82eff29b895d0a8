"""What the fault suite drives: `solibot serve` as a real process (killed, restarted, measured), a TCP
proxy that can stall or slow PostgreSQL, a Redis server of our own to kill. Loopback only."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.e2e.support import TWILIO_TOKEN, messages, twilio_form

SECRET = "fault-suite-user-key-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def memory_kib(pid: int, field: str = "VmRSS") -> int:
    """A line of /proc/PID/status: VmRSS (now) or VmHWM (the peak), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


class Server:
    """`solibot serve` on a free loopback port, one worker (its pid is the server's)."""

    def __init__(self, database_url: str, folder: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"serve-{self.port}.log"
        self.env = {
            "PATH": os.environ["PATH"],
            "DATABASE_URL": database_url,
            "USER_KEY_SECRET": SECRET,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "PUBLIC_BASE_URL": self.base,
            "SEED_SAMPLE": "false",
            "LOG_LEVEL": "WARNING",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        command = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        until = time.monotonic() + 60
        while time.monotonic() < until:
            if self.process.poll() is not None:
                pytest.fail(f"solibot serve exited:\n{self.log.read_text(errors='replace')}")
            with suppress(httpx.TransportError):
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code in (200, 503):
                    return self
            time.sleep(0.2)
        pytest.fail(f"solibot serve did not start:\n{self.log.read_text(errors='replace')}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, as when a machine or a container dies."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def sms(self, body: str, sender: str, sid: str | None = None, timeout: float = 30) -> list[str]:
        return post(self.base, twilio_form(body, sender, sid=sid), timeout=timeout)


def post(base: str, form: Mapping[str, str], timeout: float = 30) -> list[str]:
    url = f"{base}/sms/twilio"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, dict(form))
    response = httpx.post(url, data=dict(form), headers={"X-Twilio-Signature": signature}, timeout=timeout)
    assert response.status_code == 200, response.text
    return messages(response.text)


@contextmanager
def serving(database_url: str, folder: Path, **env: str) -> Iterator[Server]:
    server = Server(database_url, folder, **env).start()
    try:
        yield server
    finally:
        server.stop()


class Proxy:
    """A TCP proxy in front of PostgreSQL that passes, stalls (accepts and forwards nothing, as a
    blackholed host) or slows every chunk by `delay` seconds each way."""

    def __init__(self, target_port: int = 5432) -> None:
        self.target_port = target_port
        self.delay = 0.0
        self.port = 0
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None

    def stall(self) -> None:
        self._flowing.clear()

    def flow(self, delay: float = 0.0) -> None:
        self.delay = delay
        self._flowing.set()

    async def __aenter__(self) -> Proxy:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        with suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(65536):
                await self._flowing.wait()
                if self.delay:
                    await asyncio.sleep(self.delay)
                writer.write(chunk)
                await writer.drain()
        finally:
            writer.close()


class RedisServer:
    """A redis-server of our own on a free port, so that killing it touches nothing else."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        command = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        try:
            self.process = subprocess.Popen(
                command, cwd=self.folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        except FileNotFoundError as exc:
            pytest.fail(f"redis-server is needed by the fault suite: {exc}")
        until = time.monotonic() + 10
        while time.monotonic() < until:
            with suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return self
            time.sleep(0.05)
        pytest.fail("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
