"""Scores the conversation on the crisis corpus (tests/handlers/crisis.jsonl), end to end.

Each message is sent as a first SMS at 23:00 on a Tuesday, through `handlers.respond` over the sample
directory; what counts is what the person reads: the emergency lines the replies carry
(`Reply.alerts`). A category is caught when every line it needs is there:

    suicide        3114, and 15 or 112        medical        15 or 112
    child, minor   119                        violence_now   17 or 112, and 114 (by text)
    domestic       3919                       shelter_night  115

A control message (no label) is a false alarm when it gets any emergency line (3114, 3919, 119, 114,
17, 15, 112, or a 115 safety line) but the number it asks about ("le 115 c'est quoi ?" is answered by
the 115 line). The place the reader finds must be the labelled commune, or none.

    .venv/bin/python -m tests.handlers.crisis [-v] [corpus.jsonl]   # the table per category and language
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.surfaces import SMS
from db import communes
from db.sql import SqlIndex, make_async_engine, prepare
from handlers import PARIS, Channel, Conversation, Deps, Incoming, respond
from handlers.safety import read_alerts
from search import Directory, understand

CORPUS = Path(__file__).with_name("crisis.jsonl")
AT = datetime(2026, 11, 17, 23, 0, tzinfo=PARIS)
CATEGORIES = ("suicide", "medical", "child", "minor", "violence_now", "domestic", "shelter_night")
_NUMBER = re.compile(r"(?<![\d:,.])(3114|3919|119|115|114|112|17|15)(?![\d:h])")
NEEDS: dict[str, tuple[tuple[str, ...], ...]] = {  # all of these groups, one number of each group
    "suicide": (("3114",), ("15", "112")),
    "medical": (("15", "112"),),
    "child": (("119",),),
    "minor": (("119",),),
    "violence_now": (("17", "112"), ("114",)),
    "domestic": (("3919",),),
    "shelter_night": (("115",),),
}


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    lang: str
    text: str
    labels: tuple[str, ...]
    place: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    numbers: frozenset[str]
    place_insee: str | None
    place_right: bool

    def caught(self, category: str) -> bool:
        return all(any(n in self.numbers for n in group) for group in NEEDS[category])

    @property
    def false_alarm(self) -> bool:
        return not self.case.labels and bool(self.numbers - set(_NUMBER.findall(self.case.text)))


def cases(corpus: Path = CORPUS) -> list[Case]:
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Case(r["id"], r["lang"], r["text"], tuple(r["labels"]), r["place"]) for r in rows]


def _insees(name: str) -> set[str]:
    wanted = name.casefold().replace("-", " ").replace("st ", "saint ")
    return {c.insee for c in communes().values() if c.name.casefold().replace("-", " ") == wanted}


async def run(deps: Deps, corpus: Sequence[Case]) -> list[Outcome]:
    out = []
    for case in corpus:
        msg = Incoming(Channel.SMS, f"crisis-{case.id}", case.text, received_at=AT, surface=SMS)
        turn = await respond(Conversation(), msg, deps)
        read = "\n".join(line for r in turn.replies for line in r.alerts)
        numbers = frozenset(_NUMBER.findall(read))
        place = understand(case.text, AT, not_places=read_alerts(case.text).spans).place  # as the bot reads
        insee = place.insee if place else None
        right = insee is None if case.place is None else insee in _insees(case.place)
        out.append(Outcome(case, numbers, insee, right))
    return out


def report(outcomes: Sequence[Outcome]) -> str:
    langs = sorted({o.case.lang for o in outcomes})
    lines = [f"{'category':<14} {'recall':>7} {'n':>4}  " + " ".join(f"{lang:>5}" for lang in langs)]
    for category in CATEGORIES:
        labelled = [o for o in outcomes if category in o.case.labels]
        per_lang = defaultdict(list)
        for o in labelled:
            per_lang[o.case.lang].append(o.caught(category))
        cells = " ".join(
            f"{sum(per_lang[lang]):>2}/{len(per_lang[lang]):<2}" if per_lang[lang] else "    -"
            for lang in langs
        )
        caught = sum(o.caught(category) for o in labelled)
        lines.append(f"{category:<14} {caught / len(labelled):>7.3f} {len(labelled):>4}  {cells}")
    controls = [o for o in outcomes if not o.case.labels]
    alarms = sum(o.false_alarm for o in controls)
    lines.append(f"false alarms   {alarms / len(controls):>7.3f} {len(controls):>4}  ({alarms} controls)")
    places = sum(o.place_right for o in outcomes)
    lines.append(f"places right   {places / len(outcomes):>7.3f} {len(outcomes):>4}")
    return "\n".join(lines)


def misses(outcomes: Sequence[Outcome]) -> list[str]:
    found = []
    for o in outcomes:
        missed = [c for c in o.case.labels if not o.caught(c)]
        if missed or o.false_alarm or not o.place_right:
            what = ",".join(missed) or ("false alarm" if o.false_alarm else "")
            place = "" if o.place_right else f" place={o.place_insee} (want {o.case.place})"
            found.append(f"{o.case.id}: {what}{place} numbers={sorted(o.numbers)} | {o.case.text}")
    return found


async def _main() -> None:
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/crisis.db"
        prepare(url, now=AT).dispose()
        engine = make_async_engine(url)
        deps = Deps(directory=Directory(SqlIndex(engine)), understand=understand, clock=lambda: AT)
        args = [a for a in sys.argv[1:] if a != "-v"]
        outcomes = await run(deps, cases(Path(args[0]) if args else CORPUS))
        await engine.dispose()
    print(report(outcomes))  # noqa: T201
    if "-v" in sys.argv:
        print("\n".join(misses(outcomes)))  # noqa: T201


if __name__ == "__main__":
    asyncio.run(_main())
