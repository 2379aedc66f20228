"""The case book in fixtures/ against the facts of the briefing paper (seeds/000_…, 002_…).

Each case is one row of a table; the tests read the data as `load_casebook` leaves it.
"""

import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command

from casebook.models import City, Figure, Funding, Initiative, Partnership, Theme
from partners.models import KINDS_BY_SECTOR, Partner

pytestmark = pytest.mark.django_db

SLUGS = {
    "converse-community-impact-program",
    "extreme-dialogue",
    "red-card-to-crime",
    "think-4-peace",
    "ruta-n",
    "memphis-fast-forward",
    "one-service-peterborough",
    "peace-squares-sulamerica",
    "gcerf",
}

THEME_ORDER = [
    ("trust-building", "converse-community-impact-program"),
    ("engagement", "peace-squares-sulamerica"),
    ("capacity-building", "memphis-fast-forward"),
    ("education", "extreme-dialogue"),
    ("messaging", "red-card-to-crime"),
]

FUNDING_SLUGS = {
    "private-partner-funding",
    "public-funding",
    "social-impact-bond",
    "grants",
    "in-kind-support",
    "public-private-partnership",
}


def figure(kind, qualifier, value, unit, direction="level", period=(None, None), value_max=None):
    return {
        "kind": kind,
        "qualifier": qualifier,
        "value": Decimal(value),
        "value_max": Decimal(value_max) if value_max is not None else None,
        "unit": unit,
        "direction": direction,
        "period_start": period[0],
        "period_end": period[1],
    }


# Per case: place and time, programming, scale, themes (exact), fundings (exact), issues that
# must be there, partners as (slug, sector, kind, role) (exact), figures by key (exact).
CASES = {
    "converse-community-impact-program": {
        "city": "boston",
        "country": "US",
        "year": None,
        "month": None,
        "programming": "implicit",
        "scale": "local",
        "themes": {"trust-building", "engagement"},
        "fundings": set(),
        "issues": set(),
        "partners": {
            ("converse", "private", "multinational-corporation", "lead"),
            ("boys-and-girls-club-of-boston", "community", "youth-group", "delivery-partner"),
            ("institute-of-contemporary-art-boston", "community", "charity", "delivery-partner"),
            ("artists-for-humanity", "community", "charity", "delivery-partner"),
        },
        "figures": {},
    },
    "extreme-dialogue": {
        "city": None,
        "country": "CA",
        "year": None,
        "month": None,
        "programming": "explicit",
        "scale": "national",
        "themes": {"education", "messaging"},
        "fundings": {"public-funding"},
        "issues": {"violent-extremism"},
        "partners": {
            ("public-safety-canada", "public", "national-government", "funder"),
            ("institute-for-strategic-dialogue", "community", "charity", "delivery-partner"),
            ("duckrabbit", "private", "small-medium-business", "content-producer"),
            (
                "tim-parry-johnathan-ball-foundation-for-peace",
                "community",
                "charity",
                "delivery-partner",
            ),
        },
        "figures": {},
    },
    "red-card-to-crime": {
        "city": "bromley",
        "country": "GB",
        "year": 2009,
        "month": None,
        "programming": "explicit",
        "scale": "local",
        "themes": {"trust-building", "messaging"},
        "fundings": set(),
        "issues": {"knife-crime", "gang-violence", "gun-crime"},
        "partners": {
            ("crystal-palace-fc-foundation", "private", "foundation", "lead"),
            ("crystal-palace-fc", "private", "sports-team", "lead"),
            ("crystal-palace-fc", "private", "sports-team", "messenger"),
            ("bromley-council", "public", "local-authority", "lead"),
            ("metropolitan-police", "public", "police", "lead"),
        },
        "figures": {},
    },
    "think-4-peace": {
        "city": "leicester",
        "country": "GB",
        "year": None,
        "month": None,
        "programming": "explicit",
        "scale": "local",
        "themes": {"education", "messaging"},
        "fundings": set(),
        "issues": {"violent-extremism"},
        "partners": {
            (
                "tim-parry-johnathan-ball-foundation-for-peace",
                "community",
                "charity",
                "commissioner",
            ),
            ("breakthrough-media", "private", "small-medium-business", "content-producer"),
        },
        "figures": {},
    },
    "ruta-n": {
        "city": "medellin",
        "country": "CO",
        "year": None,
        "month": None,
        "programming": "implicit",
        "scale": "city",
        "themes": {"capacity-building"},
        "fundings": {"public-private-partnership"},
        "issues": {"unemployment", "gang-violence", "drug-crime", "homicide"},
        "partners": {("city-of-medellin", "public", "local-authority", "funder")},
        "figures": {
            "private-partners": figure("output", "more-than", "100", "organisations"),
            "homicide-rate-1991": figure(
                "context", "exact", "380", "per-100000", period=(1991, 1991)
            ),
            "homicide-rate-fall": figure(
                "outcome", "more-than", "90", "percent", "decrease", period=(1991, None)
            ),
        },
    },
    "memphis-fast-forward": {
        "city": "memphis",
        "country": "US",
        "year": 2006,
        "month": None,
        "programming": "implicit",
        "scale": "city",
        "themes": {"capacity-building"},
        "fundings": set(),
        "issues": {"gang-violence", "youth-violence", "violent-crime", "unemployment"},
        "partners": {
            ("city-of-memphis", "public", "local-authority", "lead"),
            ("memphis-chamber-of-commerce", "private", "trusted-local-business", "lead"),
        },
        "figures": {
            "homicides": figure("outcome", "exact", "40", "percent", "decrease", (2006, 2010)),
            "robberies": figure("outcome", "exact", "39", "percent", "decrease", (2006, 2010)),
            "violent-crime": figure(
                "outcome", "exact", "23.6", "percent", "decrease", (2006, 2010)
            ),
        },
    },
    "one-service-peterborough": {
        "city": "peterborough",
        "country": "GB",
        "year": 2010,
        "month": 9,
        "programming": "explicit",
        "scale": "local",
        "themes": {"capacity-building"},
        "fundings": {"social-impact-bond", "public-funding"},
        "issues": {"reoffending"},
        "partners": {
            ("social-finance-uk", "private", "national-company", "lead"),
            ("social-finance-uk", "private", "national-company", "intermediary"),
            ("ministry-of-justice-uk", "public", "national-government", "outcome-payer"),
            ("st-giles-trust", "community", "charity", "delivery-partner"),
            ("ormiston-children-and-families-trust", "community", "charity", "delivery-partner"),
            ("ymca", "community", "ngo", "delivery-partner"),
            ("sova", "community", "ngo", "delivery-partner"),
        },
        "figures": {
            "capital-raised": figure("funding", "exact", "5000000", "eur"),
            "private-investors": figure("funding", "exact", "17", "investors"),
            "programme-period": figure("context", "exact", "6", "years"),
            "prisoners-served": figure("output", "exact", "3000", "people"),
            "short-sentence-reoffending": figure("context", "more-than", "60", "percent"),
        },
    },
    "peace-squares-sulamerica": {
        "city": "sao-paulo",
        "country": "BR",
        "year": 2007,
        "month": None,
        "programming": "implicit",
        "scale": "local",
        "themes": {"engagement", "capacity-building"},
        "fundings": {"private-partner-funding", "in-kind-support"},
        "issues": {"gang-violence", "drug-crime", "fear-and-insecurity", "integration"},
        "partners": {
            ("instituto-sou-da-paz", "community", "ngo", "lead"),
            ("sulamerica", "private", "national-company", "funder"),
            ("sulamerica", "private", "national-company", "in-kind-supporter"),
            ("ministry-of-housing-brazil", "public", "national-government", "delivery-partner"),
        },
        "figures": {
            "community-leaders-trained": figure(
                "output", "exact", "59", "people", period=(2012, 2012)
            ),
            "events-organised": figure("output", "exact", "75", "events", period=(2012, 2012)),
            "people-assisted": figure("output", "more-than", "7000", "people", period=(2012, 2012)),
        },
    },
    "gcerf": {
        "city": None,
        "country": "CH",
        "year": 2014,
        "month": 9,
        "programming": "implicit",
        "scale": "global",
        "themes": {"engagement", "capacity-building", "education", "messaging"},
        "fundings": {"public-funding", "private-partner-funding", "in-kind-support", "grants"},
        "issues": {"violent-extremism"},
        "partners": {("goldman-sachs", "private", "multinational-corporation", "board-member")},
        "figures": {
            "grant-size": figure(
                "funding", "exact", "10000", "usd", period=(2015, 2015), value_max="50000"
            ),
            "beneficiary-countries": figure(
                "output", "exact", "3", "countries", period=(2015, 2015)
            ),
        },
    },
}

case_table = pytest.mark.parametrize("slug, expected", list(CASES.items()), ids=list(CASES))


def initiative(slug):
    return Initiative.objects.select_related("city").get(slug=slug)


def slugs(related):
    return set(related.values_list("slug", flat=True))


def test_it_has_exactly_the_nine_initiatives_of_the_spec(casebook):
    assert set(CASES) == SLUGS
    assert set(Initiative.objects.values_list("slug", flat=True)) == SLUGS


@case_table
def test_it_records_the_facts_of_each_case(casebook, slug, expected):
    case = initiative(slug)

    # Place and time.
    assert (case.city.slug if case.city else None) == expected["city"]
    assert case.country.code == expected["country"]
    if case.city:
        assert case.city.country.code == case.country.code
    assert case.year_founded == expected["year"]
    assert case.month_founded == expected["month"]
    assert case.year_ended is None

    # Classification.
    assert case.programming == expected["programming"]
    assert case.scale == expected["scale"]
    assert slugs(case.themes) == expected["themes"]
    assert slugs(case.fundings) == expected["fundings"]
    assert expected["issues"] <= slugs(case.issues)

    # Published, in Spanish and in English.
    assert case.status == "published"
    assert case.published_at is not None
    for field in ("title", "summary", "description", "lessons_learned", "source_note"):
        assert getattr(case, f"{field}_es").strip(), field
        assert getattr(case, f"{field}_en").strip(), field
    for field in ("summary", "description", "lessons_learned", "source_note"):
        assert getattr(case, f"{field}_es") != getattr(case, f"{field}_en"), field
    assert bool(case.place_es) == bool(case.place_en)

    # Cited to the briefing paper.
    source = case.sources.get(key="briefing-paper")
    assert source.title_es.startswith("Documento Informativo 3")
    assert source.title_en.startswith("Briefing Paper 3")
    assert source.publisher == "Strong Cities Network (Institute for Strategic Dialogue)"
    assert source.url == "https://strongcitiesnetwork.org"
    assert source.year is None
    assert source.locator_es.startswith("Libro de casos")
    assert source.locator_en.startswith("Case book")


@case_table
def test_it_records_the_partners_and_figures_of_each_case(casebook, slug, expected):
    partnerships = list(Partnership.objects.filter(initiative__slug=slug).select_related("partner"))
    assert {
        (p.partner.slug, p.partner.sector, p.partner.kind, p.role) for p in partnerships
    } == expected["partners"]
    for partnership in partnerships:
        assert partnership.description_es.strip(), partnership
        assert partnership.description_en.strip(), partnership

    figures = list(Figure.objects.filter(initiative__slug=slug))
    assert {
        f.key: {
            "kind": f.kind,
            "qualifier": f.qualifier,
            "value": f.value,
            "value_max": f.value_max,
            "unit": f.unit,
            "direction": f.direction,
            "period_start": f.period_start,
            "period_end": f.period_end,
        }
        for f in figures
    } == expected["figures"]
    for f in figures:
        assert f.label_es.strip() and f.label_en.strip(), f.key


def test_it_gives_every_case_its_own_publication_time(casebook):
    times = list(Initiative.objects.values_list("published_at", flat=True))
    assert len(set(times)) == len(times) == 9


def test_it_translates_most_titles(casebook):
    translated = [i.slug for i in Initiative.objects.all() if i.title_es != i.title_en]
    assert {
        "converse-community-impact-program",
        "red-card-to-crime",
        "peace-squares-sulamerica",
        "gcerf",
    } <= set(translated)
    assert Initiative.objects.get(slug="red-card-to-crime").title_en == "Red Card to Crime"
    assert (
        Initiative.objects.get(slug="red-card-to-crime").title_es == "Sácale tarjeta roja al delito"
    )


def test_it_names_gcerf_beneficiary_states_of_2015(casebook):
    gcerf = Initiative.objects.get(slug="gcerf")
    assert [country.code for country in gcerf.reach_countries] == ["BD", "ML", "NG"]
    assert gcerf.city is None
    assert Initiative.objects.exclude(slug="gcerf").filter(reach_countries="").count() == 8


def test_it_orders_the_five_themes_with_their_example_cases(casebook):
    themes = list(Theme.objects.order_by("order").select_related("example"))
    assert [(t.order, t.slug, t.example.slug) for t in themes] == [
        (position, slug, example) for position, (slug, example) in enumerate(THEME_ORDER, start=1)
    ]
    for theme in themes:
        assert theme.initiatives.filter(pk=theme.example.pk).exists()
        for field in ("name", "summary", "description"):
            assert getattr(theme, f"{field}_es").strip()
            assert getattr(theme, f"{field}_en").strip()
    assert [t.name_es for t in themes] == [
        "Fortalecimiento de la confianza",
        "Compromiso",
        "Desarrollo de capacidades",
        "Educación",
        "Mensajería",
    ]


def test_it_has_the_funding_vocabulary(casebook):
    assert set(Funding.objects.values_list("slug", flat=True)) == FUNDING_SLUGS


def test_it_has_the_cities_and_only_murcia_is_a_network_member_without_cases(casebook):
    cities = {c.slug: c for c in City.objects.all()}
    assert {slug: c.country.code for slug, c in cities.items()} == {
        "boston": "US",
        "bromley": "GB",
        "leicester": "GB",
        "medellin": "CO",
        "memphis": "US",
        "peterborough": "GB",
        "sao-paulo": "BR",
        "murcia": "ES",
    }
    murcia = cities["murcia"]
    assert murcia.is_network_member
    assert murcia.network_note_es.strip() and murcia.network_note_en.strip()
    assert not murcia.initiatives.exists()
    assert [c.slug for c in cities.values() if c.is_network_member] == ["murcia"]
    assert cities["bromley"].name_en == "Bromley (London)"
    assert cities["sao-paulo"].name_es == "São Paulo"
    assert not City.objects.filter(slug="geneva").exists()


def test_it_keeps_every_partner_kind_within_its_sector(casebook):
    partners = list(Partner.objects.all())
    assert partners
    for partner in partners:
        assert partner.kind in KINDS_BY_SECTOR[partner.sector], partner.slug
        assert partner.name_es.strip() and partner.name_en.strip(), partner.slug
        assert partner.description_es.strip() and partner.description_en.strip(), partner.slug


def test_it_only_lists_partners_that_take_part_in_a_case(casebook):
    assert not Partner.objects.filter(partnerships__isnull=True).exists()
    assert not Partner.objects.filter(slug__icontains="tottenham").exists()


def model_snapshot():
    """Every row of every case-book model and many-to-many table, as plain values."""
    snapshot = {}
    for app in ("casebook", "partners"):
        for model in apps.get_app_config(app).get_models():
            snapshot[model._meta.label] = list(model.objects.order_by("pk").values())
            for field in model._meta.many_to_many:
                through = field.remote_field.through
                snapshot[through._meta.label] = list(through.objects.order_by("pk").values())
    return snapshot


def test_it_changes_nothing_when_loaded_twice(casebook):
    before = model_snapshot()
    updated_before = {
        "initiatives": dict(Initiative.objects.values_list("slug", "updated_at")),
        "partners": dict(Partner.objects.values_list("slug", "updated_at")),
    }
    out = io.StringIO()
    call_command("load_casebook", stdout=out)
    assert "0 created, 0 updated" in out.getvalue()
    after = model_snapshot()
    assert {label: len(rows) for label, rows in after.items()} == {
        label: len(rows) for label, rows in before.items()
    }
    assert after == before
    assert updated_before == {
        "initiatives": dict(Initiative.objects.values_list("slug", "updated_at")),
        "partners": dict(Partner.objects.values_list("slug", "updated_at")),
    }
