"""Production deployment: docker-compose.yml, the Dockerfile and the lock the image installs from.

These machines have no container daemon. So the files are read for what production needs (and every
check is shown failing on a broken copy), and the compose topology runs here: the migration job, then
`solibot serve` with several workers over PostgreSQL and Redis, from the compose file's own commands and
environment, against the local servers.
"""

from __future__ import annotations

import copy
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import tomllib
import uuid
from collections.abc import Callable, Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
import redis
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from twilio.request_validator import RequestValidator

from bot.identity import user_key
from db.sql import make_engine, place_count
from handlers import Channel
from tests.conftest import REDIS_URL, fresh_pg_database, service_missing
from tests.e2e.support import messages, twilio_form

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
LOCK = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"

# An image reference pinned to a version (at least major.minor) and to the digest of its content.
PINNED = re.compile(r"^[\w./-]+:(?P<version>\d+(?:\.\d+)+)(?:-[\w.-]+)?@sha256:[0-9a-f]{64}$")
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD")
FALSE = ("false", "0", "no", "off")


# --- reading the files ---------------------------------------------------------------------------------


def load_compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def load_pyproject() -> dict[str, Any]:
    return tomllib.loads(PYPROJECT.read_text("utf-8"))


class MissingVariable(Exception):
    """A `${VAR:?message}` whose variable is unset: compose refuses to start."""


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}` (and their colon-less forms)."""

    def one(match: re.Match[str]) -> str:
        op, arg = match["op"] or "", match["arg"] or ""
        value = env.get(match["name"])
        if value is not None and not (value == "" and op.startswith(":")):
            return value
        if op.endswith("?"):
            raise MissingVariable(f"{match['name']}: {arg}")
        return arg if op.endswith("-") else ""

    return INTERPOLATION.sub(one, text.replace("$$", "\0")).replace("\0", "$")


def command_of(service: Mapping[str, Any]) -> list[str]:
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(word) for word in command]


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments left out."""
    result = []
    for line in re.sub(r"\\\n", " ", dockerfile).splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def image_env(dockerfile: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in instructions(dockerfile):
        if word == "ENV":
            env.update(item.partition("=")[::2] for item in shlex.split(rest) if "=" in item)
    return env


def base_python(dockerfile: str) -> str:
    """The Python version of the final stage's `FROM python:X.Y.Z-…` ("" when it is not that form)."""
    froms = [rest.split()[0] for word, rest in instructions(dockerfile) if word == "FROM"]
    match = re.match(r"^python:(\d+\.\d+\.\d+)-", froms[-1]) if froms else None
    return match[1] if match else ""


def container_environment(
    service: Mapping[str, Any], dockerfile: str, shell: Mapping[str, str]
) -> dict[str, str]:
    """What a container of this service sees: the image's ENV, then the service's environment, where a
    name without a value takes the shell's value or stays unset."""
    env = image_env(dockerfile)
    for name, value in (service.get("environment") or {}).items():
        if value is None:
            if name in shell:
                env[name] = shell[name]
        else:
            env[name] = interpolate(str(value), shell)
    return env


def lock_pins(lock: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """name → (pinned version or "" when not pinned with ==, its hashes)."""
    pins: dict[str, tuple[str, tuple[str, ...]]] = {}
    for line in re.sub(r"\\\n", " ", lock).splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        first, *rest = line.split()
        requirement = Requirement(first)
        specifiers = list(requirement.specifier)
        exact = len(specifiers) == 1 and specifiers[0].operator == "=="
        hashes = tuple(word.removeprefix("--hash=") for word in rest if word.startswith("--hash=sha256:"))
        pins[canonicalize_name(requirement.name)] = (specifiers[0].version if exact else "", hashes)
    return pins


def target_environment(python: str) -> dict[str, str]:
    """Marker values inside the image (Debian, CPython of the base image)."""
    return {
        "python_version": ".".join(python.split(".")[:2]),
        "python_full_version": python,
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": "x86_64",
        "extra": "",
    }


def applies(marker: Marker | None, env: dict[str, str]) -> bool:
    return marker is None or marker.evaluate(env)


def extra_requirements(requirement: Requirement, env: dict[str, str]) -> list[Requirement]:
    """What `name[extra]` adds to `name` (read from the installed distribution's metadata), markers
    already evaluated."""
    added: list[Requirement] = []
    if not requirement.extras:
        return added
    for text in metadata.requires(requirement.name) or []:
        candidate = Requirement(text)
        for extra in requirement.extras:
            if applies(candidate.marker, {**env, "extra": extra}) and not applies(candidate.marker, env):
                added.append(Requirement(str(candidate).split(";")[0]))
    return added


# --- what production needs -----------------------------------------------------------------------------


def compose_problems(compose: Mapping[str, Any], scripts: Mapping[str, str]) -> list[str]:
    services = compose.get("services") or {}
    missing = [f"no {name} service" for name in ("app", "postgres", "redis") if name not in services]
    if missing:
        return missing
    problems: list[str] = []
    app, postgres, redis_ = services["app"], services["postgres"], services["redis"]

    for name, service in services.items():
        if "build" not in service and not PINNED.match(str(service.get("image", ""))):
            problems.append(f"{name}: image {service.get('image')!r} is not pinned to a version and a digest")
        for key, value in (service.get("environment") or {}).items():
            literal = value is not None and not re.fullmatch(r"\$\{[^}]+\}", str(value))
            if SECRET_NAME.search(key) and literal:
                problems.append(f"{name}: {key} has a value in the file; secrets come from the environment")
    for name in ("app", "postgres", "redis"):
        if services[name].get("restart") not in ("always", "unless-stopped"):
            problems.append(f"{name}: no restart policy")

    depends = app.get("depends_on") or {}
    if not isinstance(depends, dict):
        depends = {}
    for name in ("postgres", "redis"):
        if (depends.get(name) or {}).get("condition") != "service_healthy":
            problems.append(f"app: does not wait for {name} to be healthy")
    for name, how in depends.items():
        if name not in ("postgres", "redis") and how.get("condition") != "service_completed_successfully":
            problems.append(f"app: does not wait for {name} to complete")

    command = command_of(app)
    if len(command) < 2 or scripts.get(command[0]) != "bot.__main__:main" or command[1] != "serve":
        problems.append(f"app: command {command} is not the `solibot serve` console script")
    try:
        workers = int(interpolate(command[command.index("--workers") + 1], {}))
    except (ValueError, IndexError, MissingVariable):
        workers = 1
    if workers < 2:
        problems.append("app: fewer than 2 workers")

    env = app.get("environment") or {}
    if env.get("SOLIBOT_ENV") != "production":
        problems.append("app: SOLIBOT_ENV is not production")
    if str(env.get("SEED_SAMPLE")).lower() not in FALSE:
        problems.append("app: SEED_SAMPLE is not false")
    if not re.fullmatch(r"\$\{USER_KEY_SECRET:\?[^}]+\}", str(env.get("USER_KEY_SECRET"))):
        problems.append("app: USER_KEY_SECRET is not required (${USER_KEY_SECRET:?message})")
    database = urlparse(str(env.get("DATABASE_URL")))
    if database.scheme != "postgresql" or database.hostname != "postgres" or database.password:
        problems.append("app: DATABASE_URL is not postgresql://user@postgres/… without a password")
    if urlparse(str(env.get("REDIS_URL"))).hostname != "redis":
        problems.append("app: REDIS_URL does not point at the redis service (workers share state there)")

    redis_command = command_of(redis_)
    flags = dict(zip(redis_command, redis_command[1:], strict=False))
    if flags.get("--appendonly") != "yes":
        problems.append("redis: persistence off (--appendonly yes)")
    if not any(str(volume).endswith(":/data") for volume in redis_.get("volumes") or []):
        problems.append("redis: no volume for /data")

    named = set(compose.get("volumes") or {})
    volumes = [str(volume).split(":") for volume in postgres.get("volumes") or []]
    if not any(v[0] in named and v[1] == "/var/lib/postgresql/data" for v in volumes if len(v) > 1):
        problems.append("postgres: no named volume for /var/lib/postgresql/data")
    probe = (postgres.get("healthcheck") or {}).get("test", [])
    if "pg_isready" not in " ".join(str(word) for word in probe):
        problems.append("postgres: no pg_isready healthcheck")
    return problems


def dockerfile_problems(dockerfile: str, packages: list[str], dockerignore: str) -> list[str]:
    problems: list[str] = []
    steps = instructions(dockerfile)
    froms = [rest.split()[0] for word, rest in steps if word == "FROM"]
    if not froms or not PINNED.match(froms[-1]) or not base_python(dockerfile):
        problems.append(f"base image {froms[-1] if froms else None!r} is not python:X.Y.Z-… pinned by digest")

    installs = [rest for word, rest in steps if word == "RUN" and "pip install" in rest]
    locked = [run for run in installs if "--require-hashes" in run and "-r requirements.lock" in run]
    if not locked:
        problems.append("no `pip install --require-hashes -r requirements.lock`")
    for run in installs:
        if run not in locked and "--no-deps" not in run:
            problems.append(f"a pip install resolves dependencies outside the lock: {run[:60]}")

    users = [rest.split(":")[0] for word, rest in steps if word == "USER"]
    if not users or users[-1] in ("root", "0"):
        problems.append("runs as root (no USER)")
    if not any(word == "HEALTHCHECK" and rest.upper() != "NONE" for word, rest in steps):
        problems.append("no HEALTHCHECK")

    env = image_env(dockerfile)
    if env.get("SOLIBOT_ENV") != "production":
        problems.append("SOLIBOT_ENV=production is not set")
    if env.get("SEED_SAMPLE", "").lower() not in FALSE:
        problems.append("SEED_SAMPLE=false is not set")

    copied = {src.rstrip("/") for word, rest in steps if word == "COPY" for src in rest.split()[:-1]}
    for name in [*packages, "pyproject.toml", "README.md", "requirements.lock"]:
        if name not in copied:
            problems.append(f"{name} is not copied into the image")
    ignored = [line.strip() for line in dockerignore.splitlines()]
    if "*" in ignored:
        problems.extend(f"{src} is left out by .dockerignore" for src in copied if f"!{src}" not in ignored)
    return problems


def lock_problems(lock: str, pyproject: Mapping[str, Any], python: str) -> list[str]:
    problems: list[str] = []
    header = re.search(r"--python-version (\S+)", lock)
    if not python or not header or header[1] != python:
        problems.append(f"the lock is not resolved for the image's Python {python}: run make lock")
    pins = lock_pins(lock)
    for name, (version, hashes) in pins.items():
        if not version:
            problems.append(f"{name} is not pinned with == in the lock")
        elif not hashes:
            problems.append(f"{name} has no hash in the lock")

    env = target_environment(python or "3.11.0")
    wanted = [*pyproject["project"]["dependencies"], *pyproject["build-system"]["requires"]]
    requirements = [Requirement(text) for text in wanted]
    for requirement in [*requirements, *(r for req in requirements for r in extra_requirements(req, env))]:
        if not applies(requirement.marker, env):
            continue
        name = canonicalize_name(requirement.name)
        version = pins.get(name, ("", ()))[0]
        if not version:
            problems.append(f"{requirement} is not in the lock: run make lock")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{name}=={version} in the lock does not satisfy {requirement}: run make lock")
    return problems


def top_level_packages(pyproject: Mapping[str, Any]) -> list[str]:
    return sorted({name.split(".")[0] for name in pyproject["tool"]["setuptools"]["packages"]})


# --- the files as they are -----------------------------------------------------------------------------


def test_compose_file_is_production_ready() -> None:
    assert compose_problems(load_compose(), load_pyproject()["project"]["scripts"]) == []


def test_dockerfile_is_production_ready() -> None:
    packages = top_level_packages(load_pyproject())
    assert {"bot", "handlers", "search", "db", "locales"} <= set(packages)
    problems = dockerfile_problems(DOCKERFILE.read_text("utf-8"), packages, DOCKERIGNORE.read_text("utf-8"))
    assert problems == []


def test_lock_is_in_step_with_pyproject() -> None:
    python = base_python(DOCKERFILE.read_text("utf-8"))
    assert lock_problems(LOCK.read_text("utf-8"), load_pyproject(), python) == []


def test_compose_refuses_to_start_without_the_secrets() -> None:
    app = load_compose()["services"]["app"]
    dockerfile = DOCKERFILE.read_text("utf-8")
    with pytest.raises(MissingVariable, match="USER_KEY_SECRET"):
        container_environment(app, dockerfile, {"POSTGRES_PASSWORD": "p"})
    with pytest.raises(MissingVariable, match="POSTGRES_PASSWORD"):
        container_environment(app, dockerfile, {"USER_KEY_SECRET": "s"})
    env = container_environment(app, dockerfile, {"USER_KEY_SECRET": "s", "POSTGRES_PASSWORD": "p"})
    assert env["USER_KEY_SECRET"] == "s" and env["SOLIBOT_ENV"] == "production"
    assert "TWILIO_AUTH_TOKEN" not in env  # unset in the shell: unset in the container, not ""


# --- every check fails on a broken copy ------------------------------------------------------------------


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def mutate(compose: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node = compose
        for key in parents:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value

    return mutate


COMPOSE_BREAKS = {
    "no redis service": _set("services/redis", None),
    "wait for postgres": _set("services/app/depends_on/postgres", {"condition": "service_started"}),
    "wait for redis": _set("services/app/depends_on", ["postgres", "redis"]),
    "fewer than 2 workers": _set(
        "services/app/command", ["solibot", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "1"]
    ),
    "console script": _set("services/app/command", ["python", "-m", "bot", "serve", "--workers", "4"]),
    "USER_KEY_SECRET is not required": _set(
        "services/app/environment/USER_KEY_SECRET", "${USER_KEY_SECRET:-dev}"
    ),
    "USER_KEY_SECRET has a value": _set("services/app/environment/USER_KEY_SECRET", "s3cret"),
    "POSTGRES_PASSWORD has a value": _set("services/postgres/environment/POSTGRES_PASSWORD", "s3cret"),
    "SOLIBOT_ENV": _set("services/app/environment/SOLIBOT_ENV", "development"),
    "SEED_SAMPLE": _set("services/app/environment/SEED_SAMPLE", "true"),
    "DATABASE_URL": _set("services/app/environment/DATABASE_URL", "sqlite:///data/solibot.db"),
    "REDIS_URL": _set("services/app/environment/REDIS_URL", None),
    "redis: image": _set("services/redis/image", "redis:latest"),
    "postgres: image": _set("services/postgres/image", "postgres:15.19-bookworm"),
    "persistence off": _set("services/redis/command", ["redis-server", "--appendonly", "no"]),
    "redis: no volume": _set("services/redis/volumes", None),
    "postgres: no named volume": _set("services/postgres/volumes", None),
    "pg_isready": _set("services/postgres/healthcheck", None),
    "redis: no restart": _set("services/redis/restart", None),
    "wait for migrate": _set("services/app/depends_on/migrate", {"condition": "service_started"}),
}


@pytest.mark.parametrize("expected", COMPOSE_BREAKS)
def test_each_compose_check_can_fail(expected: str) -> None:
    compose = copy.deepcopy(load_compose())
    COMPOSE_BREAKS[expected](compose)
    problems = compose_problems(compose, load_pyproject()["project"]["scripts"])
    assert any(expected in problem for problem in problems), problems


DOCKERFILE_BREAKS = {
    "base image": (r"FROM python:\S+", "FROM python:3.11-slim"),
    "--require-hashes": (r"--require-hashes ", ""),
    "outside the lock": (r"pip install --no-deps", "pip install"),
    "runs as root": (r"\nUSER solibot", "\nUSER root"),
    "HEALTHCHECK": (r"\nHEALTHCHECK ", "\n# "),
    "SOLIBOT_ENV": (r"SOLIBOT_ENV=production", "SOLIBOT_ENV=development"),
    "SEED_SAMPLE": (r"SEED_SAMPLE=false", "SEED_SAMPLE=true"),
    "locales is not copied": (r"\nCOPY locales \S+", ""),
}


@pytest.mark.parametrize("expected", DOCKERFILE_BREAKS)
def test_each_dockerfile_check_can_fail(expected: str) -> None:
    pattern, replacement = DOCKERFILE_BREAKS[expected]
    original = DOCKERFILE.read_text("utf-8")
    broken = re.sub(pattern, replacement, original, count=1)
    assert broken != original, pattern
    packages = top_level_packages(load_pyproject())
    problems = dockerfile_problems(broken, packages, DOCKERIGNORE.read_text("utf-8"))
    assert any(expected in problem for problem in problems), problems


def test_a_copied_folder_left_out_of_the_build_context_is_found() -> None:
    packages = top_level_packages(load_pyproject())
    ignore = DOCKERIGNORE.read_text("utf-8").replace("!locales\n", "")
    problems = dockerfile_problems(DOCKERFILE.read_text("utf-8"), packages, ignore)
    assert "locales is left out by .dockerignore" in problems


def _new_dependency(text: str) -> Callable[[str, dict[str, Any]], str]:
    """pyproject.toml gains a dependency that nobody locked."""

    def mutate(lock: str, pyproject: dict[str, Any]) -> str:
        pyproject["project"]["dependencies"].append(text)
        return lock

    return mutate


LOCK_BREAKS: dict[str, Callable[[str, dict[str, Any]], str]] = {
    "not in the lock": _new_dependency("left-pad-never-locked>=1"),
    "does not satisfy": _new_dependency("redis>=99"),
    "has no hash": lambda lock, _: re.sub(r"(?m)^(tqdm==\S+) \\\n(\s+--hash=\S+( \\)?\n)+", r"\1\n", lock),
    "not pinned with ==": lambda lock, _: re.sub(r"(?m)^tqdm==", "tqdm>=", lock),
    "psycopg-binary": lambda lock, _: re.sub(r"(?m)^psycopg-binary==", "# psycopg-binary==", lock),
    "the image's Python": lambda lock, _: lock.replace("--python-version ", "--python-version 3.12.0 --x "),
}


@pytest.mark.parametrize("expected", LOCK_BREAKS)
def test_each_lock_check_can_fail(expected: str) -> None:
    pyproject = load_pyproject()
    original = LOCK.read_text("utf-8")
    lock = LOCK_BREAKS[expected](original, pyproject)
    assert lock != original or pyproject != load_pyproject()
    problems = lock_problems(lock, pyproject, base_python(DOCKERFILE.read_text("utf-8")))
    assert any(expected in problem for problem in problems), problems


# --- the topology, without containers ------------------------------------------------------------------

TOKEN = "twilio-deploy-test-token"


@pytest.fixture
def local_database(pg_server: str) -> Iterator[str]:
    with fresh_pg_database(pg_server, migrated=False) as url:  # the compose file's job migrates it
        yield url


@pytest.fixture
def local_redis() -> str:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except (redis.exceptions.ConnectionError, OSError) as exc:
        service_missing(f"Redis at {REDIS_URL}", exc)
    finally:
        client.close()
    return REDIS_URL


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"solibot serve exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"solibot serve not healthy after 90 s:\n{log.read_text(errors='replace')}")


def _sms(base: str, body: str, sender: str, sid: str | None = None) -> list[str]:
    """A signed Twilio post on a connection of its own, so that any worker may take it."""
    form = twilio_form(body, sender, sid=sid)
    url = f"{base}/sms/twilio"
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    headers = {"X-Twilio-Signature": signature, "Connection": "close"}
    response = httpx.post(url, data=form, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return messages(response.text)


def test_the_compose_topology_runs_without_containers(
    local_database: str, local_redis: str, tmp_path: Path
) -> None:
    """The migration job, then several workers of the app service, as compose starts them: their
    commands and environment come from docker-compose.yml and the Dockerfile's ENV; only the service
    host names (which do not resolve here), the listening address and the executables' paths change."""
    services = load_compose()["services"]
    dockerfile = DOCKERFILE.read_text("utf-8")
    secret = uuid.uuid4().hex * 2
    shell = {
        "USER_KEY_SECRET": secret,
        "POSTGRES_PASSWORD": "unused-locally",
        "TWILIO_AUTH_TOKEN": TOKEN,
        "SOLIBOT_WORKERS": "2",  # several, and as few as that: CI machines have two cores
    }
    local = {"DATABASE_URL": local_database, "REDIS_URL": local_redis, "PATH": os.environ["PATH"]}
    bindir = Path(sys.executable).parent

    migrate = [interpolate(word, shell) for word in command_of(services["migrate"])]
    assert migrate[0] == "python"
    env = {**container_environment(services["migrate"], dockerfile, shell), **local}
    done = subprocess.run(
        [sys.executable, *migrate[1:]], env=env, cwd=tmp_path, capture_output=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")

    command = [interpolate(word, shell) for word in command_of(services["app"])]
    assert command[command.index("--workers") + 1] == "2"
    port = _free_port()
    command[0] = str(bindir / command[0])
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    env = {**container_environment(services["app"], dockerfile, shell), **local}
    assert env["SOLIBOT_ENV"] == "production" and env["SEED_SAMPLE"].lower() in FALSE

    log = tmp_path / "serve.log"
    sender = f"+3363{uuid.uuid4().int % 10**7:07d}"
    sids = [f"SM{uuid.uuid4().hex}" for _ in range(2)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_healthy(base, process, log)
        first = _sms(base, "manger Colmar", sender, sid=sids[0])
        assert first
        # Twilio's retries, wherever they land, get the reply kept for that MessageSid (in Redis).
        for _ in range(3):
            assert _sms(base, "manger Colmar", sender, sid=sids[0]) == first
        assert _sms(base, "STOP", sender, sid=sids[1])
        for _ in range(3):
            assert _sms(base, "manger Colmar", sender) == []
        assert _sms(base, "START", sender)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        client = redis.Redis.from_url(local_redis)
        key = user_key(secret.encode(), Channel.SMS.value, sender)
        for pattern in [f"*{key}*", *(f"*{sid}*" for sid in sids)]:
            for found in client.scan_iter(match=pattern):
                client.delete(found)
        client.close()

    engine = make_engine(local_database)
    try:
        assert place_count(engine) == 0, "serve seeded a production database"
    finally:
        engine.dispose()
    text = log.read_text(errors="replace")
    assert "not ready" not in text, text  # the migration job ran first: no worker raced another
