"""MongoDB Extended JSON read back into plain values: the one place where `{"$oid": …}` becomes "…".

mongoexport writes ObjectIds, dates and (in canonical mode) every number as one-key objects:
`{"$oid": "…"}`, `{"$date": "2024-01-31T08:00:00Z"}` or `{"$date": {"$numberLong": "1706688000000"}}`,
`{"$numberInt": "3"}`, `{"$numberLong": "…"}`, `{"$numberDouble": "47.5"}`, `{"$numberDecimal": "…"}`.
Every export shape builds its objects through `unwrap` (db/sql/exports.py), so validation only ever
sees what a JSON array of Soliguide's own export holds: strings for ids, ISO 8601 strings for
dates, numbers for numbers.
A wrapper whose value does not convert (a date out of range, "abc" as a number) is left as it was,
and validation rejects the record if the field matters.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _date(value: Any) -> Any:
    if isinstance(value, str):
        return value  # relaxed: ISO 8601 already
    if isinstance(value, dict) and len(value) == 1 and "$numberLong" in value:
        value = _integer(value["$numberLong"])
    if isinstance(value, int) and not isinstance(value, bool):  # milliseconds since the epoch
        try:
            instant = _EPOCH + timedelta(milliseconds=value)
        except OverflowError as exc:
            raise ValueError("date out of range") from exc
        return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"
    raise ValueError("not a date")


def _integer(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        return int(value)
    raise ValueError("not an integer")


def _double(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        return float(value)  # also "Infinity", "-Infinity", "NaN": validation refuses them where it counts
    raise ValueError("not a number")


def _decimal(value: Any) -> int | float:
    if not isinstance(value, str):
        raise ValueError("not a decimal")
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError("not a decimal") from exc
    if number.is_finite() and number == number.to_integral_value():
        return int(number)
    return float(number)


def _oid(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise ValueError("not an ObjectId")


_WRAPPERS: dict[str, Callable[[Any], Any]] = {
    "$oid": _oid,
    "$date": _date,
    "$numberInt": _integer,
    "$numberLong": _integer,
    "$numberDouble": _double,
    "$numberDecimal": _decimal,
}


def unwrap(obj: dict[str, Any]) -> Any:
    """The plain value of a one-key `{"$…": …}` object, or the object itself when it is not one we
    know (json.loads' `object_hook`: called on every object, innermost first)."""
    if len(obj) != 1:
        return obj
    for key, value in obj.items():
        convert = _WRAPPERS.get(key)
        if convert is None:
            return obj
        try:
            return convert(value)
        except (ValueError, TypeError, OverflowError):
            return obj
    return obj
