"""How many SMS segments a place sent to a person takes (issue 13: within 3 where it fits), per language.

Figures, not a test. On the Alsace sample (a fresh SQLite copy): the first 20 results of six needs
around Mulhouse, Strasbourg and Colmar, each composed as the SMS a person receives
(`handlers.sending.sms_text` within `SmsSurface(3)`, then `bot.gsm.for_sms`), counted by `bot.gsm`.

    .venv/bin/python -m bench.send_segments [--langs fr ar ru en]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections import Counter
from pathlib import Path

from bot.gsm import for_sms, segments
from bot.surfaces import SmsSurface
from db.sql import SqlIndex, make_async_engine, prepare
from handlers.sending import sms_text
from search import Directory, Point, Query
from tests.conftest import NOW

POINTS = (
    Point(47.7508, 7.3359),
    Point(48.5734, 7.7521),
    Point(48.0794, 7.3585),
)  # Mulhouse, Strasbourg, Colmar
NEEDS = ("food", "shower", "accomodation_and_housing", "health", "counseling", "hygiene_and_wellness")


async def measure(url: str, langs: list[str]) -> None:
    engine = make_async_engine(url)
    directory = Directory(SqlIndex(engine))
    surface = SmsSurface(3)
    for lang in langs:
        counts: Counter[int] = Counter()
        encodings: Counter[str] = Counter()
        for point in POINTS:
            for need in NEEDS:
                page = await directory.search(Query(point=point, at=NOW, categories=(need,), limit=20))
                for result in page.results:
                    found = segments(for_sms(sms_text(result, NOW, NOW, lang, surface.fits)))
                    counts[found.count] += 1
                    encodings[found.encoding.value] += 1
        shown = ", ".join(f"{n} × {k}" for k, n in sorted(counts.items()))
        print(f"{lang}: {sum(counts.values())} sends, segments {shown}; {dict(encodings)}")  # noqa: T201
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--langs", nargs="+", default=["fr", "ar", "ru", "en"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'sample.db'}"
        prepare(url, now=NOW).dispose()
        asyncio.run(measure(url, args.langs))


if __name__ == "__main__":
    main()
