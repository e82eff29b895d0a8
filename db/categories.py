"""The Soliguide category taxonomy: ids, parents, labels in 12 languages, legacy numeric ids."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

LANGUAGES = ("fr", "en", "ar", "es", "ru", "ps", "fa", "uk", "ca", "ka", "ro", "pt")


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    parent: str | None
    level: int
    rank: int
    labels: dict[str, str]
    legacy_ids: tuple[int, ...]

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.labels.get("fr") or self.id


@dataclass(frozen=True, slots=True)
class Taxonomy:
    by_id: dict[str, Category]
    by_legacy_id: dict[int, str]
    children: dict[str, tuple[str, ...]]

    def resolve(self, value: object) -> str | None:
        """A category id or a legacy numeric id (Soliguide's `categorie`) → the id, None if unknown."""
        if isinstance(value, str) and value in self.by_id:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return self.by_legacy_id.get(value)
        return None

    def descendants(self, category_id: str) -> frozenset[str]:
        """The category and every category below it: a search for a parent matches its children."""
        found = {category_id}
        stack = [category_id]
        while stack:
            for child in self.children.get(stack.pop(), ()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return frozenset(found)

    def expand(self, category_ids: tuple[str, ...] | list[str]) -> frozenset[str]:
        out: set[str] = set()
        for cid in category_ids:
            out |= self.descendants(cid)
        return frozenset(out)


@cache
def taxonomy() -> Taxonomy:
    raw = json.loads(resources.files("db").joinpath("data/soliguide_categories.json").read_text("utf-8"))
    by_id: dict[str, Category] = {}
    legacy: dict[int, str] = {}
    children: dict[str, list[str]] = {}
    for row in raw:
        labels = dict(row.get("labels") or {})
        labels.setdefault("fr", row.get("fr") or row["id"])
        labels.setdefault("en", row.get("en") or row["id"])
        cat = Category(
            id=row["id"],
            parent=row.get("parent"),
            level=int(row.get("level") or 0),
            rank=int(row.get("rank") or 0),
            labels=labels,
            legacy_ids=tuple(int(x) for x in row.get("legacy_ids") or ()),
        )
        by_id[cat.id] = cat
        for old in cat.legacy_ids:
            legacy[old] = cat.id
        if cat.parent:
            children.setdefault(cat.parent, []).append(cat.id)
    return Taxonomy(by_id, legacy, {k: tuple(v) for k, v in children.items()})
