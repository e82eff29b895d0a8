"""The Soliguide category taxonomy: ids, parents, labels in 12 languages (with our corrections of its
translations, locales/<lang>/categories.tsv), legacy numeric ids."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import locales


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
    codes: dict[str, tuple[int, int]]  # depth-first numbering: a category and its descendants are one range
    by_code: dict[int, str]

    def code(self, category_id: str) -> int:
        return self.codes[category_id][0]

    def code_ranges(self, category_ids: tuple[str, ...] | list[str]) -> tuple[tuple[int, int], ...]:
        """The merged code ranges covering these categories and everything below them."""
        merged: list[tuple[int, int]] = []
        for low, high in sorted(self.codes[c] for c in category_ids):
            if merged and low <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], high))
            else:
                merged.append((low, high))
        return tuple(merged)

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
    corrected: dict[str, dict[str, str]] = {
        lang: {row[0]: row[1] for row in locales.rows(lang, "categories") if len(row) > 1}
        for lang in locales.LANGUAGES
    }
    for row in raw:
        labels = dict(row.get("labels") or {})
        labels.setdefault("fr", row.get("fr") or row["id"])
        labels.setdefault("en", row.get("en") or row["id"])
        labels.update({lang: fixes[row["id"]] for lang, fixes in corrected.items() if row["id"] in fixes})
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
    kids = {k: tuple(sorted(v, key=lambda c: (by_id[c].rank, c))) for k, v in children.items()}
    codes: dict[str, tuple[int, int]] = {}

    def number(category_id: str, next_code: int) -> int:
        first = next_code
        next_code += 1
        for child in kids.get(category_id, ()):
            next_code = number(child, next_code)
        codes[category_id] = (first, next_code - 1)
        return next_code

    counter = 1
    for root in sorted((c for c in by_id.values() if not c.parent), key=lambda c: (c.rank, c.id)):
        counter = number(root.id, counter)
    return Taxonomy(by_id, legacy, kids, codes, {low: cid for cid, (low, _) in codes.items()})
