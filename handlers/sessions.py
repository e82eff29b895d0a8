"""Where a conversation waits between two messages: its JSON codec and the in-memory store.

Every store keeps two records per user: the conversation, which expires after its time-to-live (so the
needs and places a person wrote are not kept beyond it), and the opt-out, which never expires: someone
who sent STOP must stay silent even if they write again weeks later. The SQL and Redis stores are the
web service's (bot/stores.py); they share this codec.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, get_args, get_type_hints

from handlers.model import Conversation, Pending, Stored
from search import Filters

DEFAULT_TTL_SECONDS = 24 * 3600
Clock = Callable[[], float]
# Each field of Filters and the one type it holds: "str | None" -> str, "bool" -> bool.
_FILTER_TYPES: dict[str, type] = {
    name: next(t for t in (get_args(hint) or (hint,)) if t is not type(None))
    for name, hint in get_type_hints(Filters).items()
}


def dump(conv: Conversation) -> str:
    data: dict[str, Any] = {
        "lang": conv.lang,
        "lang_chosen": conv.lang_chosen,
        "opted_out": conv.opted_out,
        "pending": conv.pending,
        "need": list(conv.need),
        "place": list(conv.place) if conv.place else None,
        "when": [conv.when[0].isoformat(), conv.when[1].isoformat()] if conv.when else None,
        "at": conv.at.isoformat() if conv.at else None,
        "filters": {k: v for k in _FILTER_TYPES if (v := getattr(conv.filters, k)) not in (None, False)},
        "page": conv.page,
        # A list widened past its first radius (parts) keeps its first part at the top, as the previous
        # release reads it (its workers share Redis during a rolling deploy: numbers past the first
        # part are then "no such result" there, never another place); the whole list under "list".
        "radius_km": conv.parts[0][0] if conv.parts else conv.radius_km,
        "total": conv.parts[0][1] if conv.parts else conv.total,
        "list": {"radius_km": conv.radius_km, "total": conv.total, "parts": [list(p) for p in conv.parts]}
        if conv.parts
        else None,
        "options": list(conv.options),
        "updated_at": conv.updated_at.isoformat() if conv.updated_at else None,
        "detailed": conv.detailed,
        "walk_km": conv.walk_km,
        "here": list(conv.here) if conv.here else None,
        "shown": conv.shown,
        "sending": conv.sending,
        "suicide": conv.suicide,
    }
    # Workers of the previous release share Redis during a rolling deploy and read these three from
    # "extra": written there too for one release, so a PLUS or a number sent meanwhile still works.
    data["extra"] = {"at": data["at"], "filters": data["filters"], "total": data["total"]}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _filters(value: object) -> Filters:
    """Only the fields Filters has, each of the type it expects (a hand-edited or foreign record is
    read as no filter rather than a wrong one)."""
    if not isinstance(value, dict):
        return Filters()
    kept: dict[str, Any] = {}
    for name, wanted in _FILTER_TYPES.items():
        found = value.get(name)
        if isinstance(found, wanted) and not (wanted is int and isinstance(found, bool)):
            kept[name] = found
    return Filters(**kept)


def _pending(value: object) -> Pending | None:
    try:
        return Pending(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _here(value: object) -> tuple[float, float] | None:
    """A position as kept by `dump`, or None for anything else (a hand-edited or foreign record)."""
    if not (isinstance(value, list) and len(value) == 2 and all(type(v) in (int, float) for v in value)):
        return None
    lat, lon = float(value[0]), float(value[1])
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _widened(value: object) -> tuple[float, int, tuple[tuple[float, int], ...]] | None:
    """A list widened past its first radius: its last radius, its places, its parts before the last;
    None unless every part is a positive count within a radius growing to the last one (a record
    that is not is read as its first part: a number must never name another place than the one
    shown)."""
    if not isinstance(value, dict):
        return None
    radius, total, parts = value.get("radius_km"), value.get("total"), value.get("parts")
    if not (isinstance(radius, int | float) and isinstance(parts, list) and parts):
        return None
    if not isinstance(total, int) or not _count(total):
        return None
    found: list[tuple[float, int]] = []
    for part in parts:
        if not (isinstance(part, list) and len(part) == 2 and isinstance(part[0], int | float)):
            return None
        if not _count(part[1]) or not (found[-1][0] if found else 0) < part[0] < radius:
            return None
        found.append((float(part[0]), int(part[1])))
    if sum(count for _, count in found) >= total:
        return None
    return float(radius), int(total), tuple(found)


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def load(data: str) -> Conversation:
    """The inverse of `dump`, tolerant of records written by older versions (an `extra` dict, a
    `results` list) and of fields added or removed since."""
    raw = json.loads(data)
    if not isinstance(raw, dict):
        return Conversation()
    extra: dict[str, Any] = raw["extra"] if isinstance(raw.get("extra"), dict) else {}
    place = raw.get("place")
    when = raw.get("when")
    start, end = (
        (_instant(when[0]), _instant(when[1])) if isinstance(when, list) and len(when) == 2 else (None, None)
    )
    radius = raw.get("radius_km")
    total = int(raw.get("total", extra.get("total")) or 0)
    parts: tuple[tuple[float, int], ...] = ()
    if (widened := _widened(raw.get("list"))) is not None:
        radius, total, parts = widened
    return Conversation(
        lang=raw.get("lang") if isinstance(raw.get("lang"), str) else None,
        lang_chosen=raw.get("lang_chosen") is True,
        opted_out=raw.get("opted_out") is True,
        pending=_pending(raw.get("pending")),
        need=_strings(raw.get("need")),
        place=(float(place[0]), float(place[1]), str(place[2]))
        if isinstance(place, list) and len(place) == 3
        else None,
        when=(start, end) if start and end else None,
        at=_instant(raw.get("at", extra.get("at"))),
        filters=_filters(raw.get("filters", extra.get("filters"))),
        page=int(raw.get("page") or 0),
        radius_km=float(radius) if isinstance(radius, int | float) else None,
        total=total,
        parts=parts,
        options=_strings(raw.get("options")),
        updated_at=_instant(raw.get("updated_at")),
        detailed=raw.get("detailed") is True,
        walk_km=float(walk) if isinstance(walk := raw.get("walk_km"), int | float) and walk > 0 else None,
        here=_here(raw.get("here")),
        shown=shown if isinstance(shown := raw.get("shown"), int) and not isinstance(shown, bool) else None,
        sending=raw["sending"] if isinstance(raw.get("sending"), str) else None,
        suicide=raw.get("suicide") is True,
    )


def with_opt_out(conv: Conversation | None, lang: str | None) -> Conversation:
    if conv is None:
        return Conversation(lang=lang, opted_out=True)
    return replace(conv, opted_out=True)


class MemorySessionStore:
    """For tests and a single console process."""

    def __init__(self, ttl_seconds: int = DEFAULT_TTL_SECONDS, clock: Clock = time.time) -> None:
        self._ttl, self._clock = ttl_seconds, clock
        self._sessions: dict[str, tuple[float, str, int]] = {}  # expires at, JSON, version
        self._opt_outs: dict[str, str | None] = {}

    async def load(self, user_key: str) -> Stored:
        found = self._sessions.get(user_key)
        version = found[2] if found else 0
        conv = load(found[1]) if found and found[0] > self._clock() else None
        if user_key in self._opt_outs:
            conv = with_opt_out(conv, self._opt_outs[user_key])
        return Stored(conv, version)

    async def save(
        self, user_key: str, conv: Conversation, *, version: int, lift_opt_out: bool = False
    ) -> bool:
        found = self._sessions.get(user_key)
        if (found[2] if found else 0) != version:
            return False
        self._sessions[user_key] = (self._clock() + self._ttl, dump(conv), version + 1)
        if conv.opted_out:
            self._opt_outs[user_key] = conv.lang
        elif lift_opt_out:
            self._opt_outs.pop(user_key, None)
        return True

    async def forget(self, user_key: str) -> None:
        """Drops the conversation; an opt-out stays, since it is what the person asked us to remember."""
        self._sessions.pop(user_key, None)
