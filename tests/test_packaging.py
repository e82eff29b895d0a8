"""The installed package (Docker, `pip install .`) carries every data file the code reads."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_package_data_covers_every_data_file() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    missing = []
    for package, patterns in config["package-data"].items():
        base = ROOT / package.replace(".", "/")
        for path in base.rglob("*"):
            if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
                continue
            relative = path.relative_to(base).as_posix()
            if not any(
                fnmatch(relative, p) and (p.count("/") == relative.count("/") or "**" in p) for p in patterns
            ):
                missing.append(f"{package}/{relative}")
    assert not missing, missing
