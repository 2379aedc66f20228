"""Demo data at network scale: thousands of made-up initiatives for benchmarks and demos.

Deterministic (one seeded random generator), written with bulk inserts, and marked
``is_demo`` on every initiative, partner and city, so that it never mixes with the case book
and ``remove()`` takes all of it away again.

Proportions per initiative: about 2 partners, 6 partnerships, 3 figures, 1 to 3 of the five
themes, texts in Spanish and English; one city for every 25 initiatives, across many
countries; a tenth of the initiatives are drafts. Three "hub" partners take part in 10 %,
1 % and 0.1 % of the initiatives, so every size has a partner with hundreds or thousands
of initiatives.
"""

import random
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.text import slugify

from partners.models import KINDS_BY_SECTOR, Partner, Sector

from .models import (
    City,
    Correction,
    Direction,
    Figure,
    FigureKind,
    Funding,
    FundingLink,
    Initiative,
    Issue,
    IssueLink,
    Partnership,
    Programming,
    Qualifier,
    Role,
    Scale,
    Source,
    Status,
    Theme,
    ThemeLink,
    Unit,
)

BATCH = 2000
CITY_EVERY = 25
HUB_SHARES = (10, 100, 1000)  # one initiative in 10, in 100, in 1,000

COUNTRIES = [
    "AR",
    "BO",
    "BR",
    "CL",
    "CO",
    "CR",
    "CU",
    "DO",
    "EC",
    "SV",
    "GT",
    "HN",
    "MX",
    "NI",
    "PA",
    "PY",
    "PE",
    "UY",
    "VE",
    "ES",
    "PT",
    "FR",
    "IT",
    "DE",
    "NL",
    "BE",
    "GB",
    "IE",
    "SE",
    "NO",
    "DK",
    "FI",
    "PL",
    "CZ",
    "AT",
    "CH",
    "GR",
    "RO",
    "BG",
    "HR",
    "RS",
    "BA",
    "AL",
    "MK",
    "SI",
    "SK",
    "HU",
    "EE",
    "LV",
    "LT",
    "UA",
    "MD",
    "GE",
    "AM",
    "TR",
    "CY",
    "MA",
    "DZ",
    "TN",
    "EG",
    "JO",
    "LB",
    "IQ",
    "SA",
    "AE",
    "QA",
    "KW",
    "OM",
    "YE",
    "NG",
    "GH",
    "SN",
    "ML",
    "NE",
    "BF",
    "CI",
    "CM",
    "KE",
    "UG",
    "TZ",
    "RW",
    "ET",
    "SO",
    "ZA",
    "MZ",
    "ZW",
    "ZM",
    "AO",
    "BW",
    "NA",
    "IN",
    "PK",
    "BD",
    "LK",
    "NP",
    "ID",
    "MY",
    "PH",
    "TH",
    "VN",
    "KH",
    "JP",
    "KR",
    "MN",
    "KZ",
    "UZ",
    "KG",
    "TJ",
    "AU",
    "NZ",
    "CA",
    "US",
    "JM",
    "TT",
    "HT",
]

CITY_PARTS = [
    "Alba",
    "Bella",
    "Brava",
    "Calde",
    "Costa",
    "Doña",
    "Esper",
    "Flor",
    "Gran",
    "Horiz",
    "Isla",
    "Jardín",
    "Lago",
    "Luna",
    "Mar",
    "Mira",
    "Monte",
    "Nueva",
    "Olivo",
    "Palma",
    "Pied",
    "Puerto",
    "Real",
    "Río",
    "Roca",
    "Sal",
    "Santa",
    "Sierra",
    "Sol",
    "Torre",
    "Valle",
    "Verde",
    "Villa",
    "Vista",
]
CITY_ENDINGS = [
    "al",
    "ana",
    "anza",
    "ares",
    "edo",
    "ena",
    "era",
    "illa",
    "ino",
    "ita",
    "oria",
    "osa",
    "uela",
    "ura",
]

PARTNER_NAMES = {
    "local-authority": ("Ayuntamiento de {city}", "{city} City Council"),
    "national-government": ("Ministerio del Interior de {country}", "{country} Home Ministry"),
    "police": ("Policía Local de {city}", "{city} Police"),
    "educational-institution": ("Universidad de {city}", "University of {city}"),
    "health-service": ("Servicio de Salud de {city}", "{city} Health Service"),
    "trusted-local-business": ("Comercios de {city}", "{city} Traders"),
    "sports-team": ("Club Deportivo {city}", "{city} Sports Club"),
    "multinational-corporation": ("Grupo {word} Internacional", "{word} International Group"),
    "national-company": ("Compañía {word} de {country}", "{word} Company of {country}"),
    "small-medium-business": ("Talleres {word}", "{word} Workshops"),
    "foundation": ("Fundación {word}", "{word} Foundation"),
    "grassroots-initiative": ("Vecinos por {city}", "Neighbours for {city}"),
    "volunteer-group": ("Voluntariado {word} de {city}", "{word} Volunteers of {city}"),
    "youth-group": ("Jóvenes de {city}", "{city} Youth"),
    "community-centre": ("Centro Comunitario {word}", "{word} Community Centre"),
    "charity": ("Asociación {word}", "{word} Trust"),
    "ngo": ("ONG {word}", "{word} NGO"),
}
WORDS = [
    "Aurora",
    "Horizonte",
    "Puente",
    "Raíces",
    "Semilla",
    "Faro",
    "Encuentro",
    "Brújula",
    "Camino",
    "Ágora",
    "Futuro",
    "Mosaico",
    "Vínculo",
    "Impulso",
    "Abrazo",
    "Colmena",
    "Manantial",
    "Sendero",
    "Ceiba",
    "Arcoíris",
]

PROGRAMMES = [
    ("Deporte para la convivencia", "Sport for living together"),
    ("Mentores de barrio", "Neighbourhood mentors"),
    ("Empleo joven", "Jobs for young people"),
    ("Diálogo en las aulas", "Dialogue in the classroom"),
    ("Plazas seguras", "Safe squares"),
    ("Voces contra el odio", "Voices against hate"),
    ("Segunda oportunidad", "Second chance"),
    ("Arte y calle", "Art on the street"),
    ("Escuelas abiertas", "Open schools"),
    ("Redes de confianza", "Networks of trust"),
    ("Innovación social", "Social innovation"),
    ("Prevención comunitaria", "Community prevention"),
]
AUDIENCES = [
    ("los jóvenes", "young people"),
    ("las familias recién llegadas", "newly arrived families"),
    ("los vecinos", "residents"),
    ("los alumnos de secundaria", "secondary school pupils"),
    ("las personas que salen de prisión", "people leaving prison"),
    ("los comerciantes del centro", "town-centre traders"),
]
AIMS = [
    ("reducir la violencia entre bandas", "reduce gang violence"),
    ("prevenir la radicalización violenta", "prevent violent radicalisation"),
    ("ofrecer empleo y formación", "offer jobs and training"),
    ("recuperar los espacios públicos", "win back public spaces"),
    ("acercar a la policía y a la comunidad", "bring police and community closer"),
    ("evitar la reincidencia", "prevent reoffending"),
]
LESSONS = [
    (
        "La confianza con los vecinos se ganó antes de pedir nada.",
        "Trust with residents was won before anything was asked of them.",
    ),
    (
        "Un socio privado conocido abrió puertas que la administración no podía abrir.",
        "A well-known private partner opened doors the council could not.",
    ),
    (
        "Medir desde el primer año permitió ajustar el programa a tiempo.",
        "Measuring from the first year let the programme adjust in time.",
    ),
    (
        "Los jóvenes participaron en el diseño y no solo como destinatarios.",
        "Young people took part in the design, not only as an audience.",
    ),
]
FIGURES = [
    ("Homicidios", "Homicides", FigureKind.OUTCOME, Unit.PERCENT, Direction.DECREASE),
    ("Participantes", "Participants", FigureKind.OUTPUT, Unit.PEOPLE, Direction.LEVEL),
    ("Reincidencia", "Reoffending", FigureKind.OUTCOME, Unit.PERCENT, Direction.DECREASE),
    ("Empleos creados", "Jobs created", FigureKind.OUTPUT, Unit.PEOPLE, Direction.LEVEL),
    ("Organizaciones implicadas", "Organisations involved", FigureKind.OUTPUT,
     Unit.ORGANISATIONS, Direction.LEVEL),
    ("Inversión", "Investment", FigureKind.FUNDING, Unit.EUR, Direction.LEVEL),
    ("Actividades", "Events held", FigureKind.OUTPUT, Unit.EVENTS, Direction.LEVEL),
]  # fmt: skip


class DemoDataError(Exception):
    pass


def remove():
    """Delete every demo row, fast: children first, by set, without loading them.

    Returns how many initiatives, partners and cities went. Refuses, deleting nothing, when
    a case-book or staff initiative uses a demo partner or city.
    """
    demo_initiatives = Initiative.objects.filter(is_demo=True)
    mixed = Initiative.objects.filter(is_demo=False).filter(
        Q(partnerships__partner__is_demo=True) | Q(city__is_demo=True)
    )
    if mixed.exists():
        names = ", ".join(sorted({i.slug for i in mixed[:10]}))
        raise DemoDataError(
            f"Initiatives that are not demo data use demo partners or cities ({names}); "
            "change them before removing the demo data."
        )
    counts = {
        "initiatives": demo_initiatives.count(),
        "partners": Partner.objects.filter(is_demo=True).count(),
        "cities": City.objects.filter(is_demo=True).count(),
    }
    demo_ids = demo_initiatives.values("pk")
    with transaction.atomic():
        Theme.objects.filter(example__in=demo_ids).update(example=None)
        for model in (Correction, Figure, Source, Partnership):
            _delete_fast(model.objects.filter(initiative__in=demo_ids))
        for link in (Initiative.themes, Initiative.fundings, Initiative.issues):
            _delete_fast(link.through.objects.filter(initiative__in=demo_ids))
        _delete_fast(Initiative.objects.filter(is_demo=True))
        _delete_fast(Partner.objects.filter(is_demo=True))
        _delete_fast(City.objects.filter(is_demo=True))
    return counts


def _delete_fast(queryset):
    # One DELETE statement for the set: no per-row signals, which the page cache does not
    # need (the command clears it once) and which would refresh search documents one by one.
    return queryset._raw_delete(queryset.db)


class Generator:
    def __init__(self, initiatives, seed=2016):
        self.total = initiatives
        self.random = random.Random(seed)
        self.themes = list(Theme.objects.order_by("order"))
        self.fundings = list(Funding.objects.order_by("slug"))
        self.issues = list(Issue.objects.order_by("slug"))
        if len(self.themes) < 5 or not self.fundings or not self.issues:
            raise DemoDataError(
                "The themes, funding types and issues come from the case book: "
                "run `manage.py load_casebook` first."
            )
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    # Cities and partners ------------------------------------------------------------------

    def city_name(self):
        return self.random.choice(CITY_PARTS) + self.random.choice(CITY_ENDINGS)

    def make_cities(self):
        cities = []
        for number in range(max(10, self.total // CITY_EVERY)):
            name = self.city_name()
            cities.append(
                City(
                    slug=f"demo-{slugify(name)}-{number + 1}",
                    name_es=name,
                    name_en=name,
                    name=name,
                    country=COUNTRIES[number % len(COUNTRIES)],
                    description_es=f"Ciudad de demostración número {number + 1}.",
                    description_en=f"Demonstration city number {number + 1}.",
                    is_network_member=self.random.random() < 0.3,
                    is_demo=True,
                )
            )
        return City.objects.bulk_create(cities, batch_size=BATCH)

    def make_partner(self, number, city, sector=None, kind=None):
        sector = sector or self.random.choice(list(Sector))
        kind = kind or self.random.choice(KINDS_BY_SECTOR[sector])
        pattern_es, pattern_en = PARTNER_NAMES[kind]
        word = self.random.choice(WORDS)
        names = {}
        for language, pattern in (("es", pattern_es), ("en", pattern_en)):
            # The country named in each name's own language, whatever language is active.
            with translation.override(language):
                country = str(city.country.name)
            names[language] = pattern.format(city=city.name, word=word, country=country)
        name_es, name_en = names["es"], names["en"]
        partner = Partner(
            slug=f"demo-partner-{number + 1}",
            name_es=name_es,
            name_en=name_en,
            name=name_es,
            sector=sector,
            kind=kind,
            country=city.country,
            description_es=f"Socio de demostración ({kind}).",
            description_en=f"Demonstration partner ({kind}).",
            is_demo=True,
        )
        partner.search_name = partner.folded_names()
        return partner

    def make_partners(self, cities):
        hubs = [
            self.make_partner(0, cities[0], Sector.PRIVATE, "foundation"),
            self.make_partner(1, cities[1], Sector.PUBLIC, "national-government"),
            self.make_partner(2, cities[2], Sector.COMMUNITY, "ngo"),
        ]
        others = [
            self.make_partner(number, self.random.choice(cities))
            for number in range(len(hubs), max(len(hubs) + 6, 2 * self.total))
        ]
        partners = Partner.objects.bulk_create(hubs + others, batch_size=BATCH)
        return partners[: len(hubs)], partners[len(hubs) :]

    # Initiatives --------------------------------------------------------------------------

    def make_initiative(self, number, city):
        rng = self.random
        programme_es, programme_en = rng.choice(PROGRAMMES)
        audience_es, audience_en = rng.choice(AUDIENCES)
        aim_es, aim_en = rng.choice(AIMS)
        lesson_es, lesson_en = rng.choice(LESSONS)
        founded = rng.randint(1990, 2025)
        ended = founded + rng.randint(1, 8) if rng.random() < 0.25 else None
        is_draft = rng.random() < 0.1
        title_es = f"{programme_es} en {city.name}"
        title_en = f"{programme_en} in {city.name}"
        return Initiative(
            slug=f"demo-{number + 1:06d}-{slugify(title_en)}"[:120],
            title_es=title_es,
            title_en=title_en,
            title=title_es,
            summary_es=(
                f"Socios públicos, privados y comunitarios de {city.name} se unen para "
                f"{aim_es} con {audience_es}."
            ),
            summary_en=(
                f"Public, private and community partners in {city.name} join forces to "
                f"{aim_en} with {audience_en}."
            ),
            description_es=(
                f"El programa «{programme_es}» nació en {founded} y trabaja con "
                f"{audience_es} de {city.name}. Es un caso de demostración."
            ),
            description_en=(
                f"The “{programme_en}” programme began in {founded} and works with "
                f"{audience_en} in {city.name}. It is a demonstration case."
            ),
            lessons_learned_es=lesson_es,
            lessons_learned_en=lesson_en,
            source_note_es="Datos de demostración generados; no es un caso real.",
            source_note_en="Generated demonstration data; not a real case.",
            city=city,
            country=city.country,
            year_founded=founded,
            month_founded=rng.randint(1, 12) if rng.random() < 0.5 else None,
            year_ended=min(ended, 2026) if ended else None,
            programming=rng.choice(Programming.values),
            scale=rng.choice([Scale.LOCAL, Scale.LOCAL, Scale.CITY, Scale.CITY, Scale.NATIONAL]),
            status=Status.DRAFT if is_draft else Status.PUBLISHED,
            published_at=None if is_draft else self.now - timedelta(minutes=number),
            is_demo=True,
        )

    def make_partnerships(self, initiative, number, hubs, partners):
        rng = self.random
        chosen = [hub for hub, share in zip(hubs, HUB_SHARES, strict=True) if number % share == 0]
        while len(chosen) < 6:
            partner = rng.choice(partners)
            if partner not in chosen:
                chosen.append(partner)
        return [
            Partnership(
                initiative=initiative,
                partner=partner,
                role=Role.LEAD if order == 0 else rng.choice(Role.values),
                description_es="Aporta su red y su experiencia.",
                description_en="Brings its network and experience.",
                order=order,
            )
            for order, partner in enumerate(chosen)
        ]

    def make_figures(self, initiative):
        rng = self.random
        figures = []
        for order, (label_es, label_en, kind, unit, direction) in enumerate(rng.sample(FIGURES, 3)):
            value = rng.randint(5, 90) if unit == Unit.PERCENT else rng.randint(10, 50000)
            start = initiative.year_founded
            figures.append(
                Figure(
                    initiative=initiative,
                    key=f"figure-{order + 1}",
                    label_es=label_es,
                    label_en=label_en,
                    label=label_es,
                    kind=kind,
                    qualifier=rng.choice([Qualifier.EXACT, Qualifier.EXACT, Qualifier.ABOUT]),
                    value=value,
                    unit=unit,
                    direction=direction,
                    period_start=start,
                    period_end=start + rng.randint(0, 4),
                    order=order,
                )
            )
        return figures

    def run(self):
        cities = self.make_cities()
        hubs, partners = self.make_partners(cities)
        created = 0
        for start in range(0, self.total, BATCH):
            numbers = range(start, min(start + BATCH, self.total))
            initiatives = [self.make_initiative(n, self.random.choice(cities)) for n in numbers]
            partnerships = {}
            for number, initiative in zip(numbers, initiatives, strict=True):
                rows = self.make_partnerships(initiative, number, hubs, partners)
                partnerships[number] = rows
                its_partners = [row.partner for row in rows]
                initiative.search_document = initiative.build_search_document(its_partners)
                initiative.set_partner_masks(its_partners)
            Initiative.objects.bulk_create(initiatives, batch_size=BATCH)
            self.link(initiatives, numbers, partnerships)
            created += len(initiatives)
        return {
            "initiatives": created,
            "partners": len(hubs) + len(partners),
            "cities": len(cities),
        }

    def link(self, initiatives, numbers, partnerships):
        rng = self.random
        themes, fundings, issues, rows, figures = [], [], [], [], []
        for number, initiative in zip(numbers, initiatives, strict=True):
            for theme in rng.sample(self.themes, rng.randint(1, 3)):
                themes.append(ThemeLink(initiative_id=initiative.pk, theme_id=theme.pk))
            for funding in rng.sample(self.fundings, rng.randint(1, 2)):
                fundings.append(FundingLink(initiative_id=initiative.pk, funding_id=funding.pk))
            for issue in rng.sample(self.issues, rng.randint(1, 3)):
                issues.append(IssueLink(initiative_id=initiative.pk, issue_id=issue.pk))
            for row in partnerships[number]:
                row.initiative_id = initiative.pk
                rows.append(row)
            figures.extend(self.make_figures(initiative))
        ThemeLink.objects.bulk_create(themes, batch_size=BATCH)
        FundingLink.objects.bulk_create(fundings, batch_size=BATCH)
        IssueLink.objects.bulk_create(issues, batch_size=BATCH)
        Partnership.objects.bulk_create(rows, batch_size=BATCH)
        Figure.objects.bulk_create(figures, batch_size=BATCH)


def generate(initiatives, seed=2016):
    """Replace any demo data with ``initiatives`` new demo initiatives; return the counts."""
    with transaction.atomic():
        remove()
        counts = Generator(initiatives, seed).run()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return counts
