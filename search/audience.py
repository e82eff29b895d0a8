"""Who a service is for and on what terms: Soliguide publics and modalities, and the asker's filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Filters:
    """Who is asking and what they need; a public restricts only where a place is exclusive (accueil 2)."""

    gender: str | None = None  # "men" | "women"
    age: int | None = None
    family: str | None = None  # "isolated" | "family" | "couple" | "pregnant"
    administrative: str | None = None  # "regular" | "asylum" | "refugee" | "undocumented"
    free: bool = False
    no_appointment: bool = False
    no_referral: bool = False  # "sans orientation": only places one enters without a social worker
    animals: bool = False
    wheelchair: bool = False


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a service is for (Soliguide `publics`): accueil 0 everyone, 1 preferred, 2 exclusive."""

    welcome: int = 0
    genders: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    family: tuple[str, ...] = ()
    administrative: tuple[str, ...] = ()
    other: tuple[str, ...] = ()
    description: str = ""


def strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def audience_of(publics: Mapping[str, Any]) -> Audience:
    raw_age = publics.get("age")
    age: Mapping[str, Any] = raw_age if isinstance(raw_age, Mapping) else {}
    welcome = publics.get("accueil")
    return Audience(
        welcome=welcome if isinstance(welcome, int) else 0,
        genders=strings(publics.get("gender")),
        age_min=age.get("min") if isinstance(age.get("min"), int) else None,
        age_max=age.get("max") if isinstance(age.get("max"), int) else None,
        family=strings(publics.get("familialle")),
        administrative=strings(publics.get("administrative")),
        other=strings(publics.get("other")),
        description=str(publics.get("description") or ""),
    )


def admits(audience: Audience, filters: Filters) -> bool:
    """Exclusive places (accueil 2) turn away whoever is outside their publics; others admit all."""
    if audience.welcome != 2:
        return True
    if filters.gender and audience.genders and filters.gender not in audience.genders:
        return False
    if filters.age is not None:
        if audience.age_min is not None and filters.age < audience.age_min:
            return False
        if audience.age_max is not None and filters.age > audience.age_max:
            return False
    if filters.family and audience.family and filters.family not in audience.family:
        return False
    if filters.family == "couple" and audience.genders and not {"men", "women"} <= set(audience.genders):
        return False  # a single-gender place cannot take in a couple together
    return not (
        filters.administrative
        and audience.administrative
        and filters.administrative not in audience.administrative
    )


def _checked(modalities: Mapping[str, Any], key: str) -> bool:
    value = modalities.get(key)
    return isinstance(value, Mapping) and value.get("checked") is True


def on_referral(modalities: Mapping[str, Any]) -> bool:
    return _checked(modalities, "orientation")


def conditions_of(modalities: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    out = []
    for key, kind in (
        ("appointment", "appointment"),
        ("inscription", "registration"),
        ("orientation", "referral"),
        ("price", "price"),
        ("animal", "animals"),
        ("pmr", "wheelchair"),
    ):
        if _checked(modalities, key):
            precisions = modalities[key].get("precisions")
            out.append((kind, str(precisions).strip() if precisions else ""))
    other = modalities.get("other")
    if isinstance(other, str) and other.strip():
        out.append(("other", other.strip()))
    return tuple(out)


def accepts(modalities: Mapping[str, Any], filters: Filters) -> bool:
    if filters.free and _checked(modalities, "price"):
        return False
    if filters.no_appointment and (
        _checked(modalities, "appointment") or _checked(modalities, "inscription")
    ):
        return False
    if filters.no_referral and _checked(modalities, "orientation"):
        return False
    if filters.animals and not _checked(modalities, "animal"):
        return False
    return not (filters.wheelchair and not _checked(modalities, "pmr"))
