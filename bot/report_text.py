"""Every sentence of the statistics report, in French only: it is read by the territory's steering
committee, not by the people who write to the bot (their sentences are in locales/)."""

from __future__ import annotations

OTHER = "autres"  # communes whose count for a month is under the threshold, merged
SUPPRESSED = "< 5"
TEXT = {
    "title": "solibot — recherches, besoins non couverts et qualité des données",
    "period": "Départements {departments}, de {start} à {end}. Généré le {generated}.",
    "privacy": (
        "Aucun texte de message, aucun identifiant, aucun numéro de téléphone ni aucune position plus fine "
        "que la commune n'est enregistré. Les effectifs inférieurs à 5 pour une commune et un mois sont "
        "regroupés dans « autres » ; un regroupement lui-même inférieur à 5 est affiché « < 5 »."
    ),
    "monthly": "Recherches par mois",
    "categories": "Recherches par besoin",
    "channels": "Recherches par canal et par langue",
    "unmet": "Besoins non couverts : rien d'ouvert à moins de 5 km à l'heure demandée, ou rien du tout",
    "communes": "Recherches par commune et par mois",
    "absent": "Besoins demandés sans aucun service dans le département",
    "quality": "Indice de qualité des données (chaque note sur 5)",
    "quality_communes": "Indice de qualité par commune (communes avec un lieu ou 2 000 habitants)",
    "priorities": "Lieux à mettre à jour en premier (ancienneté × recherches × signalements)",
    "method": (
        "Méthode : docs/indicators.md. Exhaustivité : part de la population à moins de 10 km d'un lieu "
        "pour chacun des besoins essentiels (alimentation, hébergement, hygiène, santé, conseil). "
        "Complétude : champs utiles par service, pondérés (horaires 3, téléphone 2, adresse 2, publics 1, "
        "conditions 1, langues 1). Récence : part des lieux vérifiés par une personne depuis moins "
        "de 6 mois. "
        "Aucun signalement d'erreur n'existe encore dans solibot : ce facteur vaut 1 pour tous les lieux. "
        "Les EPCI ne figurent pas dans les données de référence : pas d'indice par EPCI."
    ),
    "chart_months": "Recherches par mois et par département",
    "chart_needs": "Recherches et besoins non couverts par besoin",
    "chart_map": "Besoins non couverts par commune ({department})",
    "chart_quality": "Indice de qualité par département",
    "none": "Aucune donnée pour cette période.",
    "success_note": (
        "Succès fort : le détail d'un résultat a été demandé après la recherche (une fois par recherche)."
    ),
}
COLUMNS = {
    "month": "mois",
    "department": "département",
    "commune": "commune",
    "insee": "code INSEE",
    "need": "besoin",
    "hours": "créneau",
    "channel": "canal",
    "lang": "langue",
    "searches": "recherches",
    "successes": "succès forts",
    "success_rate": "taux de succès fort",
    "unmet": "sans réponse",
    "unmet_rate": "part sans réponse",
    "nothing": "rien du tout",
    "exhaustivite": "exhaustivité /5",
    "completude": "complétude /5",
    "recence": "récence /5",
    "places": "lieux",
    "services": "services",
    "population": "population",
    "di_score": "score_qualite data·inclusion (0-1)",
    "ages": "ancienneté de la dernière vérification",
    "name": "lieu",
    "lieu_id": "lieu_id",
    "months_stale": "mois sans vérification",
    "demand": "recherches à 10 km",
    "reports": "signalements",
    "score": "priorité",
    "covered": "part de la population couverte",
}
NEEDS = {
    "food": "alimentation",
    "shelter": "hébergement",
    "hygiene": "hygiène",
    "health": "santé",
    "counselling": "conseil",
}
CHANNELS = {"sms": "SMS", "telegram": "Telegram", "console": "console"}
NEVER = "jamais"
