"""Deliberately boring helpers that make rows with the ORM."""

import itertools

from django.utils import timezone

from casebook.models import City, Figure, Funding, Initiative, Issue, Partnership, Theme
from partners.models import Partner

_numbers = itertools.count(1)


def number():
    return next(_numbers)


def make_city(**fields):
    n = number()
    defaults = {
        "slug": f"city-{n}",
        "name_es": f"Ciudad {n}",
        "name_en": f"City {n}",
        "country": "ES",
    }
    return City.objects.create(**{**defaults, **fields})


def make_theme(**fields):
    n = number()
    defaults = {
        "slug": f"theme-{n}",
        "order": n,
        "name_es": f"Tema {n}",
        "name_en": f"Theme {n}",
        "description_es": "Descripción.",
        "description_en": "Description.",
    }
    return Theme.objects.create(**{**defaults, **fields})


def make_funding(**fields):
    n = number()
    defaults = {"slug": f"funding-{n}", "name_es": f"Financiación {n}", "name_en": f"Funding {n}"}
    return Funding.objects.create(**{**defaults, **fields})


def make_issue(**fields):
    n = number()
    defaults = {"slug": f"issue-{n}", "name_es": f"Problema {n}", "name_en": f"Issue {n}"}
    return Issue.objects.create(**{**defaults, **fields})


def make_partner(**fields):
    n = number()
    defaults = {
        "slug": f"partner-{n}",
        "name_es": f"Socio {n}",
        "name_en": f"Partner {n}",
        "sector": "private",
        "kind": "sports-team",
        "country": "ES",
    }
    return Partner.objects.create(**{**defaults, **fields})


def make_initiative(*, themes=(), partners=(), fundings=(), issues=(), figures=0, **fields):
    n = number()
    published = fields.get("status", "published") == "published"
    defaults = {
        "slug": f"initiative-{n}",
        "title_es": f"Iniciativa {n}",
        "title_en": f"Initiative {n}",
        "summary_es": f"Resumen de la iniciativa {n}.",
        "summary_en": f"Summary of initiative {n}.",
        "country": "ES",
        "programming": "explicit",
        "scale": "local",
        "status": "published",
        "published_at": timezone.now() if published else None,
        "year_founded": 2010,
    }
    initiative = Initiative.objects.create(**{**defaults, **fields})
    initiative.themes.set(themes)
    initiative.fundings.set(fundings)
    initiative.issues.set(issues)
    for order, item in enumerate(partners):
        partner, role = item if isinstance(item, tuple) else (item, "lead")
        Partnership.objects.create(initiative=initiative, partner=partner, role=role, order=order)
    for index in range(figures):
        Figure.objects.create(
            initiative=initiative,
            key=f"figure-{index}",
            label_es=f"Cifra {index}",
            label_en=f"Figure {index}",
            kind="output",
            value=10 + index,
            unit="people",
        )
    return initiative


PASSWORD = "correct horse battery staple"


def make_staff(username, group):
    """A staff account in one of the groups the migrations create ("Editors", "Reviewers")."""
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user
