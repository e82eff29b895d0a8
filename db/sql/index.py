"""The search index in SQL (SQLite R*Tree, PostgreSQL earthdistance GiST) and the rows ranking reads."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Connection, Text, bindparam, cast, select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from db.geo import bounding_box
from db.index import Candidate, CardFacts, HoursFacts, IndexReader, Key
from db.sql.engine import Runner
from db.sql.models import PlaceRow, ServiceRow, StopRow

T = TypeVar("T")

RTREE_CODE_SCALE = 1e-4  # category codes in SQLite's R*Tree (see migration 0002)
_MARGIN_DEG = 1e-4  # the R*Tree keeps 32-bit floats rounded outwards: ~10 m keeps every edge point

_ID_COLUMNS: tuple[Any, ...] = (
    col(StopRow.id).label("stop_id"),
    col(ServiceRow.id).label("service_id"),
)
_HOURS_COLUMNS: tuple[Any, ...] = (
    PlaceRow.lieu_id,
    ServiceRow.category,
    StopRow.lat,
    StopRow.lon,
    PlaceRow.timezone,
    PlaceRow.department_code,
    cast(col(StopRow.hours), Text).label("stop_hours"),
    col(StopRow.closed_holidays).label("stop_holidays"),
    cast(col(PlaceRow.hours), Text).label("place_hours"),
    col(PlaceRow.closed_holidays).label("place_holidays"),
    cast(col(PlaceRow.temp_closure), Text).label("temp_closure"),
    cast(col(PlaceRow.temp_hours), Text).label("temp_hours"),
    ServiceRow.different_hours,
    cast(col(ServiceRow.hours), Text).label("service_hours"),
    col(ServiceRow.closed_holidays).label("service_holidays"),
    cast(col(ServiceRow.closure), Text).label("service_closure"),
)
_AUDIENCE_COLUMNS: tuple[Any, ...] = (
    cast(col(PlaceRow.publics), Text).label("place_publics"),
    cast(col(PlaceRow.modalities), Text).label("place_modalities"),
    cast(col(ServiceRow.publics), Text).label("service_publics"),
    cast(col(ServiceRow.modalities), Text).label("service_modalities"),
)
_CARD_COLUMNS: tuple[Any, ...] = (
    PlaceRow.source,
    col(PlaceRow.name).label("place_name"),
    col(PlaceRow.description).label("place_description"),
    PlaceRow.place_type,
    StopRow.address,
    StopRow.address_note,
    StopRow.postal_code,
    StopRow.city,
    cast(col(PlaceRow.phones), Text).label("phones"),
    PlaceRow.email,
    PlaceRow.website,
    cast(col(PlaceRow.languages), Text).label("languages"),
    cast(col(PlaceRow.temp_message), Text).label("temp_message"),
    PlaceRow.updated_by_user_at,
    col(ServiceRow.name).label("service_name"),
    col(ServiceRow.description).label("service_description"),
    ServiceRow.saturation,
)
_HOURS_FIELDS = tuple(c.key for c in _HOURS_COLUMNS)
_AUDIENCE_FIELDS = tuple(c.key for c in _AUDIENCE_COLUMNS)
_CARD_FIELDS = tuple(c.key for c in _CARD_COLUMNS)


def _joined(*columns: Any) -> Any:
    """Columns of (stop, service) pairs given by id: expanding IN parameters, built once, keep
    SQLAlchemy from coercing every id of every query."""
    return (
        select(*_ID_COLUMNS, *columns)
        .select_from(StopRow)
        .join(PlaceRow, PlaceRow.id == StopRow.place_id)  # type: ignore[arg-type]
        .join(ServiceRow, ServiceRow.place_id == PlaceRow.id)  # type: ignore[arg-type]
        .where(
            col(StopRow.id).in_(bindparam("stops", expanding=True)),
            col(ServiceRow.id).in_(bindparam("services", expanding=True)),
        )
    )


_HOURS = _joined(*_HOURS_COLUMNS)
_HOURS_AND_AUDIENCE = _joined(*_HOURS_COLUMNS, *_AUDIENCE_COLUMNS)
_CARDS = _joined(*_CARD_COLUMNS, *_AUDIENCE_COLUMNS)


def _pairs(keys: Collection[Key]) -> dict[str, list[int]]:
    return {"stops": sorted({k[0] for k in keys}), "services": sorted({k[1] for k in keys})}


def _aware(value: datetime | str | None) -> datetime | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:  # SQLite keeps no offset: it was stored in UTC
        value = value.replace(tzinfo=UTC)
    return value


class _Reader:
    """One search's reads on one connection (see db.index.IndexReader)."""

    def __init__(self, conn: Connection, sqlite: bool) -> None:
        self._conn, self._sqlite = conn, sqlite

    def _candidates_sql(self, ranges: int) -> Any:
        """SQLite reads the 3-D R*Tree alone (its auxiliary columns carry ids and exact coordinates);
        PostgreSQL reads search_point through the earthdistance GiST index."""
        if self._sqlite:
            where = (
                "min_lat >= :min_lat AND max_lat <= :max_lat AND min_lon >= :min_lon AND max_lon <= :max_lon"
            )
            table = "search_rtree"
            code = "min_code >= :lo{i} AND max_code <= :hi{i}"  # codes are stored scaled by RTREE_CODE_SCALE
            code_column = "min_code"
        else:
            where = "earth_box(ll_to_earth(:lat, :lon), :radius_m) @> ll_to_earth(lat, lon)"
            table = "search_point"
            code = "category_code BETWEEN :lo{i} AND :hi{i}"
            code_column = "category_code"
        if ranges:
            where += " AND (" + " OR ".join(code.format(i=i) for i in range(ranges)) + ")"
        columns = f"place_id, stop_id, service_id, lat, lon, {code_column}, hour_mask"
        return text(f"SELECT {columns} FROM {table} WHERE {where}")  # noqa: S608 - fixed fragments, bound values

    def candidates(
        self, lat: float, lon: float, radius_m: float, code_ranges: Sequence[tuple[int, int]]
    ) -> list[Candidate]:
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)
        params: dict[str, Any] = {
            "min_lat": min_lat - _MARGIN_DEG,
            "max_lat": max_lat + _MARGIN_DEG,
            "min_lon": min_lon - _MARGIN_DEG,
            "max_lon": max_lon + _MARGIN_DEG,
            "lat": lat,
            "lon": lon,
            "radius_m": radius_m,
        }
        scale = RTREE_CODE_SCALE if self._sqlite else 1
        for i, (low, high) in enumerate(code_ranges):
            params[f"lo{i}"], params[f"hi{i}"] = (low - 0.5) * scale, (high + 0.5) * scale
        rows = self._conn.execute(self._candidates_sql(len(code_ranges)), params).all()
        return [Candidate(r[0], r[1], r[2], r[3], r[4], round(r[5] / scale), _mask(r[6])) for r in rows]

    def hours(self, keys: Collection[Key], *, audience: bool) -> dict[Key, HoursFacts]:
        statement = _HOURS_AND_AUDIENCE if audience else _HOURS
        fields = _HOURS_FIELDS + (_AUDIENCE_FIELDS if audience else ())
        return {
            (row.stop_id, row.service_id): HoursFacts(**{f: row._mapping[f] for f in fields})
            for row in self._conn.execute(statement, _pairs(keys))
        }

    def cards(self, keys: Collection[Key]) -> dict[Key, CardFacts]:
        if not keys:
            return {}
        found: dict[Key, CardFacts] = {}
        for row in self._conn.execute(_CARDS, _pairs(keys)):
            values = {f: row._mapping[f] for f in _CARD_FIELDS + _AUDIENCE_FIELDS}
            values["updated_by_user_at"] = _aware(values["updated_by_user_at"])
            found[(row.stop_id, row.service_id)] = CardFacts(**values)
        return found


@lru_cache(maxsize=8192)
def _mask(value: str) -> int:
    """Hour masks are stored as hex; the distinct values are few (shared weekly patterns)."""
    return int(value, 16)


class SqlIndex:
    """The search index of the directory database (db.index.Index), one thread hop per search."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._runner = Runner(engine)
        self._sqlite = engine.dialect.name == "sqlite"

    async def read(self, work: Callable[[IndexReader], T]) -> T:
        return await self._runner.read(self._in_connection, work)

    def _in_connection(self, conn: Connection, work: Callable[[IndexReader], T]) -> T:
        return work(_Reader(conn, self._sqlite))
