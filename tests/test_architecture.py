"""The layers stay as docs/architecture.md draws them: bot → handlers → search → db, faces only, no circle."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"db": 0, "search": 1, "handlers": 2, "bot": 3}  # locales/ is data every layer may read
OURS = (*LAYERS, "locales")
# What another package may import from; the data·inclusion importer is a face of its own, imported by
# the command that runs it only (a web worker never loads it nor data·inclusion's models).
FACES = {"db", "db.sql", "db.sql.datainclusion", "search", "handlers", "locales"}
# The composition root, the command line and the adapters of storage, geocoding and the live sync choose
# real parts from every layer; everything else imports only the layer right below it.
REACH_EVERY_LAYER = {
    "bot.wiring",
    "bot.commands",
    "bot.stores",
    "bot.redis_stores",
    "bot.dedup",
    "bot.geocoding",
    "bot.sync",
    "bot.events",
    "bot.report",
    "bot.outbox",
    "bot.place_reports",
    "bot.printable",
    "bot.operators",
}
FORBIDDEN = {
    "db": ("telegram", "twilio", "starlette", "uvicorn", "redis", "httpx", "geopy"),
    "search": ("sqlalchemy", "sqlmodel", "alembic", "telegram", "twilio", "starlette", "redis", "geopy"),
    "handlers": ("sqlalchemy", "sqlmodel", "telegram", "twilio", "starlette", "redis", "httpx", "geopy"),
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in OURS:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(module, names) of every import, function-level ones included."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ()
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, tuple(alias.name for alias in node.names)


def _ours(module: str) -> str | None:
    """The module of ours an import names (the longest known prefix)."""
    while module and module not in MODULES:
        module = module.rpartition(".")[0]
    return module or None


def _edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for module, names in _imports(path):
            targets = [f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES] or [module]
            for target in targets:
                found = _ours(target)
                if found and found != name and found.split(".")[0] in OURS:
                    graph[name].add(found)
    return graph


def test_no_import_circle() -> None:
    graph = _edges()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles


def test_arrows_point_down_one_floor_at_a_time() -> None:
    wrong = []
    for name, targets in _edges().items():
        here = LAYERS.get(name.split(".")[0])
        for target in targets:
            there = LAYERS.get(target.split(".")[0])
            if here is None or there is None:
                continue
            if there > here:
                wrong.append(f"{name} imports {target} (upward)")
            elif here - there > 1 and name not in REACH_EVERY_LAYER:
                wrong.append(f"{name} imports {target} (skips a layer)")
    assert not wrong


def test_other_packages_are_reached_through_their_face() -> None:
    wrong = []
    for name, path in MODULES.items():
        package = name.split(".")[0]
        for module, _ in _imports(path):
            if module.split(".")[0] in OURS and module.split(".")[0] != package and module not in FACES:
                wrong.append(f"{name} imports {module}")
    assert not wrong


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_lower_layers_know_nothing_of_channels_or_storage(layer: str) -> None:
    wrong = [
        f"{name} imports {module}"
        for name, path in MODULES.items()
        if name.split(".")[0] == layer and not name.startswith("db.sql")
        for module, _ in _imports(path)
        if module.split(".")[0] in FORBIDDEN[layer]
    ]
    assert not wrong


@pytest.mark.parametrize("face", sorted(FACES))
def test_each_face_lists_its_names(face: str) -> None:
    module = importlib.import_module(face)
    names = getattr(module, "__all__", None)
    assert names, f"{face} has no __all__"
    assert all(hasattr(module, name) for name in names)
    assert not hasattr(module, "__getattr__"), "no lazy loader: names are real imports"


def test_no_sentence_outside_the_conversation_and_the_channels() -> None:
    """search/ and db/ say nothing a person reads: every sentence is handlers' or the channels'."""
    for name, path in MODULES.items():
        if name.split(".")[0] in ("search", "db"):
            assert "gettext" not in path.read_text(encoding="utf-8"), name
