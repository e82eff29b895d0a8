"""Cold starts as a person meets them: whole processes, timed from exec to exit (or to the first answer).

    .venv/bin/python -m bench.startup [--runs 5] [--repo /tmp/work/before-startup]

Three processes, each run `--runs` times on the Alsace sample (a SQLite file prepared once, outside
the timings), medians printed: `solibot chat --once "manger Mulhouse"`, `solibot parse "manger
Mulhouse"`, and `solibot serve` until GET /healthz answers 200, then one signed SMS whose latency is
the "first SMS". `--repo` runs another checkout's code with this interpreter (before/after on the same
machine). Targets (issue 12): chat ≤ 1.2 s, parse ≤ 1.0 s, first SMS ≤ 50 ms. Last line:
`startup chat_s=… chat_cpu_s=… parse_s=… parse_cpu_s=… serve_ready_s=… first_sms_ms=… runs=…`; the
CPU seconds of each process are printed too, since on a shared machine the wall clock also counts
the neighbours' load.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-twilio-token"
ACCOUNT = "AC" + "0" * 32
MESSAGE = "manger Mulhouse"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(repo: Path, database_url: str, cache: Path, port: int = 0) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(repo),
        "USER_KEY_SECRET": "bench-secret",
        "TWILIO_AUTH_TOKEN": TOKEN,
        "CACHE_DIR": str(cache),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("REDIS_URL", None)
    # Byte-code kept, as an installed package has it (pip compiles at install): without it every
    # process compiles the project's 200 modules again, about a second on this machine.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


CPU: list[float] = []  # CPU seconds (user + system) of each timed process, in order


def timed(command: list[str], repo: Path, env: dict[str, str]) -> float:
    """Wall-clock seconds of the whole process; its CPU seconds go to CPU (on a shared machine the
    wall clock also counts the neighbours' load)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=repo, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"{command[3:]} failed: {done.stderr.decode()[-2000:]}")
    return elapsed


def signature(url: str, form: dict[str, str]) -> str:
    """Twilio's scheme (the twilio package's RequestValidator), written out so that the bench loads
    nothing the timed server would also have to."""
    import base64
    import hashlib
    import hmac

    payload = url + "".join(f"{k}{form[k]}" for k in sorted(form))
    digest = hmac.new(TOKEN.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def serve_once(repo: Path, database_url: str, cache: Path) -> tuple[float, float]:
    """(seconds from exec to a 200 from /healthz, seconds of the first SMS after it)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = environment(repo, database_url, cache, port) | {"SEED_SAMPLE": "false"}
    command = [sys.executable, "-m", "bot", "serve", "--port", str(port)]
    started = time.perf_counter()
    server = subprocess.Popen(command, cwd=repo, env=env)
    try:
        while True:
            if server.poll() is not None:
                raise RuntimeError("serve exited before it was ready")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.01)
        ready = time.perf_counter() - started
        url = f"{base}/sms/twilio"
        form = {
            "MessageSid": f"SM{uuid.uuid4().hex}",  # a new message: not a retry answered from the store
            "AccountSid": ACCOUNT,
            "From": "+33612345678",
            "To": "+33700000000",
            "Body": MESSAGE,
        }
        request = urllib.request.Request(
            url, data=urlencode(form).encode(), headers={"X-Twilio-Signature": signature(url, form)}
        )
        sent = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as answer:
            body = answer.read()
        first = time.perf_counter() - sent
        if b"<Message>" not in body:
            raise RuntimeError(f"the first SMS got no reply: {body[:300]!r}")
        return ready, first
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repo", type=Path, default=ROOT, help="the checkout whose code is timed")
    args = parser.parse_args()
    repo = args.repo.resolve()
    folder = Path(tempfile.mkdtemp(prefix="solibot-startup-"))
    database_url = f"sqlite:///{folder / 'sample.db'}"
    cache = folder / "cache"
    env = environment(repo, database_url, cache)
    python = [sys.executable, "-m", "bot"]
    try:
        # Seeds the sample and fills the index cache (where the checkout has one): not timed.
        timed([*python, "chat", "--once", MESSAGE], repo, env)
        CPU.clear()
        chat = [timed([*python, "chat", "--once", MESSAGE], repo, env) for _ in range(args.runs)]
        parse = [timed([*python, "parse", MESSAGE], repo, env) for _ in range(args.runs)]
        chat_cpu, parse_cpu = CPU[: args.runs], CPU[args.runs :]
        served = [serve_once(repo, database_url, cache) for _ in range(args.runs)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ready = [r for r, _ in served]
    first = [f * 1000 for _, f in served]

    def row(name: str, values: list[float], unit: str) -> None:
        shown = " ".join(f"{v:.2f}" for v in values)
        print(f"{name:<16} median {statistics.median(values):8.2f} {unit}   runs: {shown}")

    print(f"repo={repo} runs={args.runs}")
    row("chat --once", chat, "s")
    row("  its CPU", chat_cpu, "s")
    row("parse", parse, "s")
    row("  its CPU", parse_cpu, "s")
    row("serve → ready", ready, "s")
    row("first SMS", first, "ms")
    print(
        f"startup chat_s={statistics.median(chat):.2f} chat_cpu_s={statistics.median(chat_cpu):.2f}"
        f" parse_s={statistics.median(parse):.2f} parse_cpu_s={statistics.median(parse_cpu):.2f}"
        f" serve_ready_s={statistics.median(ready):.2f} first_sms_ms={statistics.median(first):.1f}"
        f" runs={args.runs}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
