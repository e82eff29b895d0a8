"""Search events in SQL: append-only inserts, the retention fold into monthly aggregates, and the cells
the statistics report reads (issue 14; migration 0008). The same SQL on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, text

DIMENSIONS = ("kind", "department", "commune", "categories", "channel", "lang", "role", "hour")
MEASURES = ("events", "measured", "unmet", "nothing_found", "none_open_30km")
EVENT_COLUMNS = (
    "kind",
    "day",
    "hour",
    "department",
    "commune",
    "categories",
    "channel",
    "lang",
    "role",
    "nothing_found",
    "open_1km",
    "open_5km",
    "open_30km",
    "nearest_open_km",
)
FOLD_BATCH = 5000


@dataclass(frozen=True, slots=True)
class StatCell:
    """Events of one month sharing every dimension, with their counts."""

    month: str  # 2026-11
    kind: str
    department: str
    commune: str
    categories: str
    channel: str
    lang: str
    role: str
    hour: int
    events: int
    measured: int  # events whose open places were measured
    unmet: int  # nothing open within 5 km at the asked time, or nothing at all
    nothing_found: int  # no matching service within the widest radius, open or not
    none_open_30km: int


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def insert_events(conn: Connection, rows: Sequence[Mapping[str, object]]) -> int:
    """One multi-row insert; rows carry exactly EVENT_COLUMNS."""
    if not rows:
        return 0
    names = ", ".join(EVENT_COLUMNS)
    values = ", ".join(f":{c}" for c in EVENT_COLUMNS)
    conn.execute(text(f"INSERT INTO search_event ({names}) VALUES ({values})"), list(rows))  # noqa: S608
    return len(rows)


_MEASURE_SQL = (
    "COUNT(*), COUNT(open_5km), "
    "SUM(CASE WHEN nothing_found OR open_5km = 0 THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN nothing_found THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN open_30km = 0 THEN 1 ELSE 0 END)"
)


def _add(cells: dict[tuple[object, ...], list[int]], key: tuple[object, ...], counts: Iterable[int]) -> None:
    known = cells.setdefault(key, [0] * len(MEASURES))
    for i, n in enumerate(counts):
        known[i] += int(n or 0)


def _cells(found: dict[tuple[object, ...], list[int]]) -> list[StatCell]:
    cells = []
    for key, counts in found.items():
        month, kind, dept, commune, categories, channel, lang, role, hour = (str(k) for k in key)
        cells.append(
            StatCell(month, kind, dept, commune, categories, channel, lang, role, int(hour), *counts)
        )
    return sorted(cells, key=lambda c: (c.month, c.department, c.commune, c.categories, c.kind, c.hour))


def read_cells(
    conn: Connection, start: str, end: str, departments: Sequence[str] | None = None
) -> list[StatCell]:
    """Every cell of the months start..end (inclusive, "2026-01"), raw events and folded months
    together, for some departments or all."""
    first = date(int(start[:4]), int(start[5:7]), 1)
    last_year, last_month = int(end[:4]), int(end[5:7])
    after = date(last_year + last_month // 12, last_month % 12 + 1, 1)
    where, params = "", {"first": first, "after": after, "start": start, "end": end}
    if departments:
        where = " AND department IN (" + ", ".join(f":d{i}" for i in range(len(departments))) + ")"
        params.update({f"d{i}": d for i, d in enumerate(departments)})
    dims = ", ".join(DIMENSIONS)
    found: dict[tuple[object, ...], list[int]] = {}
    raw = conn.execute(
        text(
            f"SELECT day, {dims}, {_MEASURE_SQL} FROM search_event "  # noqa: S608 - constants only
            f"WHERE day >= :first AND day < :after{where} GROUP BY day, {dims}"
        ),
        params,
    )
    for row in raw:
        day = row[0] if isinstance(row[0], date) else date.fromisoformat(str(row[0]))
        _add(found, (month_of(day), *row[1 : 1 + len(DIMENSIONS)]), row[1 + len(DIMENSIONS) :])
    folded = conn.execute(
        text(
            f"SELECT month, {dims}, {', '.join(MEASURES)} FROM search_month "  # noqa: S608
            f"WHERE month >= :start AND month <= :end{where}"
        ),
        params,
    )
    for row in folded:
        _add(found, tuple(row[: 1 + len(DIMENSIONS)]), row[1 + len(DIMENSIONS) :])
    return _cells(found)


def fold_events(conn: Connection, before: date, batch: int = FOLD_BATCH) -> int:
    """Deletes up to `batch` raw events of days before `before` and adds exactly the deleted ones to
    their month's aggregates, in the caller's transaction. Two workers folding at once cannot count an
    event twice: each adds only the rows its own DELETE removed (RETURNING). Returns how many."""
    dims = ", ".join(DIMENSIONS)
    deleted = conn.execute(
        text(
            "DELETE FROM search_event WHERE id IN "  # noqa: S608 - constants only
            "(SELECT id FROM search_event WHERE day < :before ORDER BY id LIMIT :n) "
            f"RETURNING day, {dims}, open_5km, open_30km, nothing_found"
        ),
        {"before": before, "n": batch},
    ).all()
    found: dict[tuple[object, ...], list[int]] = {}
    for row in deleted:
        day = row[0] if isinstance(row[0], date) else date.fromisoformat(str(row[0]))
        open_5km, open_30km, nothing = row[-3], row[-2], bool(row[-1])
        counts = (1, open_5km is not None, nothing or open_5km == 0, nothing, open_30km == 0)
        _add(found, (month_of(day), *row[1 : 1 + len(DIMENSIONS)]), (int(c) for c in counts))
    names = ("month", *DIMENSIONS, *MEASURES)
    added = ", ".join(f"{m} = search_month.{m} + excluded.{m}" for m in MEASURES)
    upsert = text(
        f"INSERT INTO search_month ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)}) "  # noqa: S608
        f"ON CONFLICT (month, {dims}) DO UPDATE SET {added}"
    )
    if found:
        conn.execute(
            upsert, [dict(zip(names, (*key, *counts), strict=True)) for key, counts in found.items()]
        )
    return len(deleted)
