"""The text that search reads for one initiative, in both languages: its own texts, its place,
its partners' names, and what kind of partner each is (with a few words people search for a
kind by: a sports team is found by “football” or “deporte”)."""

from django.utils import translation

from partners.models import Kind

# Words a visitor uses for a partner kind that its name does not hold, in each language.
KIND_WORDS = {
    Kind.SPORTS_TEAM: {
        "es": "fútbol deporte club deportivo",
        "en": "football soccer sport club",
    },
}

TEXT_FIELDS = ("title", "summary", "description", "lessons_learned", "place")


def build(initiative, partners):
    """One string: every text of ``initiative`` and of its ``partners`` search reads, each
    part once. It reads attributes only, so that a migration can give it its own models."""
    parts = []
    for language in ("es", "en"):
        for field in TEXT_FIELDS:
            parts.append(getattr(initiative, f"{field}_{language}", "") or "")
        with translation.override(language):
            parts.append(str(initiative.country.name))
            if initiative.city_id:
                parts.append(getattr(initiative.city, f"name_{language}", "") or "")
            for partner in partners:
                parts.append(getattr(partner, f"name_{language}", "") or "")
            for kind in sorted({partner.kind for partner in partners if partner.kind}):
                if kind in Kind.values:
                    parts.append(str(Kind(kind).label))
                    parts.append(KIND_WORDS.get(kind, {}).get(language, ""))
    seen, unique_parts = set(), []
    for part in parts:
        if part and part not in seen:
            seen.add(part)
            unique_parts.append(part)
    return "\n".join(unique_parts)
