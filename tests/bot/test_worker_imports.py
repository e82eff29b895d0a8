"""What a web worker imports and how it allocates (issue 12: its memory at 1,000,000 services): modules
it never uses unless configured to are loaded at first use, and still load then; glibc's malloc arenas
are few."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# The data·inclusion importer, the scheduled sync, Twilio's REST client (and requests): a worker
# without SOLIGUIDE_SYNC_EVERY or a Twilio sender never uses them.
UNUSED = (
    "db.datainclusion",
    "db.sql.datainclusion",
    "bot.sync",
    "bot.soliguide_api",
    "twilio.rest",
    "requests",
)


def test_the_web_app_imports_neither_the_importers_nor_the_sync_nor_the_rest_client() -> None:
    code = f"import sys, bot.app; print([m for m in {UNUSED!r} if m in sys.modules])"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


@pytest.mark.parametrize(("environment", "limited"), [({}, True), ({"MALLOC_ARENA_MAX": "4"}, False)])
def test_a_served_worker_limits_its_malloc_arenas_unless_the_environment_says(
    environment: dict[str, str], limited: bool
) -> None:
    code = "from bot.app import few_malloc_arenas; print(few_malloc_arenas())"
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"} | environment
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert found.stdout.strip() == str(limited)  # glibc, as on this project's machines and image
