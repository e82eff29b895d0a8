"""A simulated month: thousands of seeded searches over the Alsace sample, through the real conversation
and recorder, in both departments and every channel, then the statistics report (issue 14).

Invented traffic, not a forecast: departments in the committee's proportions (Bas-Rhin 102,000 and
Haut-Rhin 28,000 searches a year), communes drawn by population, needs and hours of the day from a
plausible mix, SMS / Telegram / console, five languages, and a third of the searches followed by a
result's details. Writes the CSV files and report.html, prints a summary.

    .venv/bin/python -m bench.simulate_month [--searches 4000] [--seed 14] [--out stats-simulated]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

from bot.report import build, html_report, text_table, write_csv
from bot.surfaces import CONSOLE, SMS, TELEGRAM
from bot.wiring import Resources
from db import PARIS, communes
from db.sql import make_engine, prepare
from handlers import Channel, Incoming, Surface
from tests.e2e.support import make_settings

MONTH = datetime(2026, 11, 1, tzinfo=PARIS)
DEPARTMENTS = (("67", 102), ("68", 28))
CHANNELS: tuple[tuple[Channel, Surface, int], ...] = (
    (Channel.SMS, SMS, 50),
    (Channel.TELEGRAM, TELEGRAM, 35),
    (Channel.CONSOLE, CONSOLE, 15),
)
# (need, weight, words by language)
NEEDS = (
    ("food", 30, {"fr": "manger", "en": "food", "ar": "أكل", "uk": "їжа", "ru": "еда"}),
    ("shelter", 18, {"fr": "dormir", "en": "somewhere to sleep", "ru": "ночлег"}),
    ("shower", 12, {"fr": "douche", "en": "shower", "uk": "душ", "ru": "душ"}),
    ("health", 12, {"fr": "médecin", "en": "doctor"}),
    ("clothes", 8, {"fr": "vêtements", "en": "clothes"}),
    ("counselling", 8, {"fr": "assistante sociale", "en": "social worker"}),
    ("toilets", 6, {"fr": "toilettes", "en": "toilets"}),
    ("wifi", 6, {"fr": "wifi", "en": "wifi"}),
)
LANGUAGES = (("fr", 78), ("en", 8), ("ar", 6), ("uk", 4), ("ru", 4))
HOURS = [
    (h, w)
    for h, w in zip(
        range(24), (1, 1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 9, 7, 7, 7, 8, 9, 9, 8, 6, 4, 2, 1), strict=True
    )
]
DETAILS_SHARE = 0.35
EVENING = {"fr": "ce soir", "en": "tonight"}


def _pick(rng: random.Random, items: Sequence[tuple[object, int]]) -> object:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


def _messages(rng: random.Random, n: int) -> list[tuple[Incoming, bool]]:
    towns = {
        d: [c for c in communes().values() if c.dept == d and c.population >= 500] for d, _ in DEPARTMENTS
    }
    out = []
    for i in range(n):
        dept = str(_pick(rng, DEPARTMENTS))
        town = rng.choices(towns[dept], weights=[c.population for c in towns[dept]])[0]
        lang = str(_pick(rng, LANGUAGES))
        needs = [(words, w) for _, w, words in NEEDS if lang in words]
        words = rng.choices([x for x, _ in needs], weights=[w for _, w in needs])[0]
        channel, surface, _ = rng.choices(CHANNELS, weights=[w for *_, w in CHANNELS])[0]
        at = MONTH + timedelta(
            days=rng.randrange(30), hours=int(str(_pick(rng, HOURS))), minutes=rng.randrange(60)
        )
        evening = f" {EVENING[lang]}" if lang in EVENING and at.hour < 17 and rng.random() < 0.15 else ""
        text = f"{words[lang]}{evening} {town.name}"
        msg = Incoming(channel, f"sim{i:061d}", text, received_at=at, surface=surface)
        out.append((msg, rng.random() < DETAILS_SHARE))
    return out


async def simulate(url: str, searches: int, seed: int) -> tuple[int, int, float]:
    rng = random.Random(seed)
    messages = _messages(rng, searches)
    end = MONTH + timedelta(days=30)
    start = time.perf_counter()
    turns = 0
    async with Resources.open(make_settings(url), lambda: end) as resources:
        assert resources.events is not None
        for msg, details in messages:
            turn = await resources.converse(msg)
            turns += 1
            if details and turn.event is not None and turn.conversation.total:
                later = msg.received_at + timedelta(minutes=2) if msg.received_at else None
                await resources.converse(
                    Incoming(msg.channel, msg.user_key, "1", received_at=later, surface=msg.surface)
                )
                turns += 1
        await resources.events.flush()
        written = resources.events.written
    return turns, written, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--out", default="stats-simulated")
    args = parser.parse_args()
    with TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'simulated.db'}"
        prepare(url, now=MONTH).dispose()
        turns, written, seconds = asyncio.run(simulate(url, args.searches, args.seed))
        engine = make_engine(url)
        report = build(engine, ("67", "68"), "2026-11", "2026-11", MONTH + timedelta(days=30))
        engine.dispose()
    out = Path(args.out)
    write_csv(report, out)
    (out / "report.html").write_text(html_report(report), encoding="utf-8")
    for name in ("monthly", "categories", "channels", "quality", "absent"):
        print(text_table(report.table(name)), end="\n\n")
    unmet = report.table("unmet")
    named = sorted(unmet.rows, key=lambda r: (r[2] == "autres", -int(str(r[5]).replace("< 5", "0"))))
    print(text_table(type(unmet)(unmet.name, unmet.columns, tuple(named[:15]))), end="\n\n")
    pace = 1000 * seconds / turns
    print(f"{turns} turns in {seconds:.0f} s ({pace:.1f} ms a turn), {written} events recorded")
    print(f"report: {out / 'report.html'} and {len(report.tables)} CSV files in {out}/")


if __name__ == "__main__":
    main()
