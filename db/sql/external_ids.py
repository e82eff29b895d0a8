"""Identifiers of other directories kept beside solibot's own: a text id → the place's lieu_id.

A place is identified by (source, lieu_id), an integer, as Soliguide numbers its places. data·inclusion
names its structures with text ("dora--42", "france-travail--ccas-…"): each gets a lieu_id here the
first time it is imported and the same one ever after, so a re-import replaces the place instead of
adding it again, and the original id stays in the database beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, func, insert, select
from sqlmodel import col

from db.sql.models import ExternalIdRow

__all__ = ["LieuIds"]


class LieuIds:
    """Hands out lieu_ids within one transaction: known ids keep theirs, new ones take the next
    number after every lieu_id given so far (to any source), so ids never repeat across sources."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._next = (
            int(conn.execute(select(func.coalesce(func.max(col(ExternalIdRow.lieu_id)), 0))).scalar_one()) + 1
        )

    def of(self, source: str, external_ids: Sequence[str]) -> dict[str, int]:
        wanted = sorted(set(external_ids))
        known: dict[str, int] = {}
        for chunk in range(0, len(wanted), 500):
            found = self._conn.execute(
                select(col(ExternalIdRow.external_id), col(ExternalIdRow.lieu_id)).where(
                    col(ExternalIdRow.source) == source,
                    col(ExternalIdRow.external_id).in_(wanted[chunk : chunk + 500]),
                )
            )
            known.update((external_id, lieu_id) for external_id, lieu_id in found)
        new = [external_id for external_id in wanted if external_id not in known]
        if new:
            given = {external_id: self._next + n for n, external_id in enumerate(new)}
            rows = [{"source": source, "external_id": e, "lieu_id": n} for e, n in given.items()]
            self._conn.execute(insert(ExternalIdRow), rows)
            known.update(given)
            self._next += len(new)
        return known

    def find(self, source: str, external_id: str) -> list[int]:
        """The lieu_ids of an external id and of the places named after it (`<id>@<where>`)."""
        rows = self._conn.execute(
            select(col(ExternalIdRow.lieu_id)).where(
                col(ExternalIdRow.source) == source,
                (col(ExternalIdRow.external_id) == external_id)
                | col(ExternalIdRow.external_id).startswith(f"{external_id}@", autoescape=True),
            )
        )
        return [int(lieu_id) for lieu_id in rows.scalars()]
