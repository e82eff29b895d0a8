"""Benchmarks: scripts that print figures, run from the repository root as `python -m bench.<name>`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def startup_s(code: str, runs: int = 3) -> float:
    """Best of a few fresh interpreters running `code`, which prints the seconds it took: the first
    may pay for a cold disk cache."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return min(times)
