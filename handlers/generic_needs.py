"""What a person in need means by a generic word: "dormir" is a bed tonight, "manger" is a meal."""

from __future__ import annotations

from search import taxonomy

# A generic parent of the Soliguide taxonomy, as the reader understands "dormir", "sleep", "manger",
# "eat", "médecin", "malade", mapped to the sub-categories that answer a person writing from the
# street. Searching the parent would expand to all its descendants: long-term housing agencies and
# housing advice for "dormir", drinking fountains, cooking workshops and community gardens for
# "manger", a support centre for victims of sexual violence, family planning, a children's clinic
# and a veterinarian for "médecin". An explicit sub-need ("logement à long terme", "eau potable",
# "dentiste", "psy") is searched as it is: only the bare parent is mapped, and the conversation keeps
# the parent for its labels ("Hébergement et logement", "Santé").
SEARCHED_FOR: dict[str, tuple[str, ...]] = {
    "accomodation_and_housing": ("emergency_accommodation", "overnight_stop", "citizen_housing"),
    "food": (
        "food_distribution",
        "food_packages",
        "food_voucher",
        "social_grocery_stores",
        "solidarity_fridge",
        "baby_parcel",
    ),
    # A doctor for someone ill or hurt: general practice, the hospitals' free care desks (PASS) and
    # other help to get treated, nurses, health check-ups.
    "health": ("general_practitioner", "find_healthcare", "infirmary", "health_assessment"),
}

SLEEP = "accomodation_and_housing"  # "where can I sleep": searched as SEARCHED_FOR says
# What a bed tonight is searched as: asking for one of these always brings the 115 line.
SHELTER = frozenset(
    {"accomodation_and_housing", "emergency_accommodation", "overnight_stop", "citizen_housing"}
)

# Somewhere warm for a while: at night, outside, the places that answer are the night ones.
WARM = frozenset({"day_hosting", "welcome"})

# A veterinarian is under "health" in the taxonomy, but a night with a sick dog is not a case for 15.
# Health categories whose closed doors at night call for no 15: an animal's, and clean material
# (syringes, kits: "seringues" at 21:30 had a paid SMS more, "Urgence médicale : 15").
_NO_NIGHT_EMERGENCY = frozenset({"vet_care", "addiction_prevention_and_material"})


def searched_categories(needs: tuple[str, ...]) -> tuple[str, ...]:
    """The categories to search for the needs the person named, in order, without repeats."""
    found: list[str] = []
    for need in needs:
        for category in SEARCHED_FOR.get(need, (need,)):
            if category not in found:
                found.append(category)
    return tuple(found)


def is_health(needs: tuple[str, ...]) -> bool:
    """Health or any of its descendants (psychologist, dental care…): at night, the emergency is 15."""
    human = taxonomy().expand(["health"]) - _NO_NIGHT_EMERGENCY
    return any(need in human for need in needs)


def is_shelter(needs: tuple[str, ...]) -> bool:
    """A bed for tonight, asked directly or through a broader need that contains one."""
    tax = taxonomy()
    return any(need in SHELTER or tax.expand([need]) & SHELTER for need in needs)
