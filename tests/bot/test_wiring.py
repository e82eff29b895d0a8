"""The composition root: what the settings choose for the conversation."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.settings import Settings
from bot.wiring import conversation_deps
from db.sql import make_async_engine
from handlers import PARIS


async def test_settings_choose_the_geocoder_and_home_departments(tmp_path: Path) -> None:
    now = datetime(2026, 11, 17, 10, 15, tzinfo=PARIS)
    engine = make_async_engine(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        offline = conversation_deps(Settings(), engine, lambda: now)
        assert offline.locate is None
        place = offline.understand("dormir munster", now).place
        assert place is not None and place.label.endswith("(68)")
        moselle = conversation_deps(
            Settings(geocoder="ban", geocoder_domain="addok.local", home_departments=("57",)),
            engine,
            lambda: now,
        )
        assert moselle.locate is not None
        place = moselle.understand("dormir munster", now).place
        assert place is not None and place.label.endswith("(57)")
    finally:
        await engine.dispose()
