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
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.text import slugify

from partners.models import KINDS_BY_SECTOR, Kind, Partner, Sector

from .models import (
    Activity,
    Attribution,
    City,
    Correction,
    Direction,
    EvidenceLevel,
    Figure,
    FigureKind,
    Funding,
    FundingLink,
    Initiative,
    Issue,
    IssueLink,
    MeasurementMethod,
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

# Where demo cities are placed: around one of the three most populous cities of their country
# (GeoNames, latitude and longitude in degrees), within about 40 km of it, so that they fall on
# land or near it and the map looks like real data.
ANCHORS = {
    "AR": ((-34.61, -58.38), (-31.41, -64.19), (-32.95, -60.64)),
    "BO": ((-16.50, -68.15), (-17.79, -63.18), (-17.38, -66.16)),
    "BR": ((-23.55, -46.64), (-22.91, -43.18), (-19.92, -43.94)),
    "CL": ((-33.46, -70.65), (-33.61, -70.58), (-33.51, -70.77)),
    "CO": ((4.61, -74.08), (3.43, -76.52), (6.25, -75.57)),
    "CR": ((9.93, -84.08), (9.99, -83.04), (9.99, -84.13)),
    "CU": ((23.13, -82.38), (20.02, -75.82), (21.38, -77.92)),
    "DO": ((18.47, -69.89), (19.45, -70.69), (18.50, -70.00)),
    "EC": ((-0.23, -78.52), (-2.20, -79.89), (-2.90, -79.00)),
    "SV": ((13.69, -89.19), (13.71, -89.14), (13.48, -88.18)),
    "GT": ((14.64, -90.51), (14.53, -90.59), (14.63, -90.61)),
    "HN": ((14.08, -87.21), (15.51, -88.03), (14.03, -86.58)),
    "MX": ((19.43, -99.13), (32.50, -117.00), (19.36, -99.06)),
    "NI": ((12.13, -86.25), (12.44, -86.88), (11.97, -86.10)),
    "PA": ((8.99, -79.52), (9.05, -79.47), (9.04, -79.44)),
    "PY": ((-25.29, -57.65), (-25.50, -54.65), (-25.34, -57.51)),
    "PE": ((-12.04, -77.03), (-12.05, -77.13), (-16.40, -71.54)),
    "UY": ((-34.90, -56.19), (-31.39, -57.96), (-34.90, -54.95)),
    "VE": ((10.49, -66.88), (10.64, -71.61), (10.16, -68.00)),
    "ES": ((40.42, -3.70), (41.39, 2.16), (39.47, -0.38)),
    "PT": ((38.73, -9.15), (41.15, -8.61), (41.55, -8.42)),
    "FR": ((48.85, 2.35), (43.30, 5.38), (45.75, 4.85)),
    "IT": ((41.89, 12.51), (45.46, 9.19), (40.85, 14.27)),
    "DE": ((52.52, 13.41), (53.55, 9.99), (48.14, 11.58)),
    "NL": ((51.92, 4.48), (52.37, 4.89), (52.08, 4.30)),
    "BE": ((50.85, 4.35), (51.22, 4.40), (51.05, 3.72)),
    "GB": ((51.51, -0.13), (52.48, -1.90), (55.87, -4.26)),
    "IE": ((53.33, -6.25), (53.29, -6.34), (51.90, -8.47)),
    "SE": ((59.33, 18.07), (57.71, 11.97), (55.61, 13.00)),
    "NO": ((59.91, 10.75), (60.39, 5.32), (63.43, 10.40)),
    "DK": ((55.68, 12.57), (56.16, 10.21), (55.40, 10.39)),
    "FI": ((60.17, 24.94), (60.21, 24.65), (61.50, 23.79)),
    "PL": ((52.23, 21.01), (50.06, 19.94), (51.10, 17.03)),
    "CZ": ((50.09, 14.42), (49.20, 16.61), (49.83, 18.28)),
    "AT": ((48.21, 16.37), (47.07, 15.44), (48.31, 14.29)),
    "CH": ((47.37, 8.55), (46.20, 6.15), (47.56, 7.57)),
    "GR": ((37.98, 23.73), (40.64, 22.93), (38.25, 21.74)),
    "RO": ((44.43, 26.11), (44.42, 26.17), (47.17, 27.60)),
    "BG": ((42.70, 23.32), (42.15, 24.75), (43.22, 27.91)),
    "HR": ((45.81, 15.98), (43.51, 16.44), (45.33, 14.44)),
    "RS": ((44.80, 20.47), (43.32, 21.90), (45.25, 19.84)),
    "BA": ((43.85, 18.36), (44.78, 17.21), (44.20, 17.90)),
    "AL": ((41.33, 19.82), (41.32, 19.45), (40.47, 19.48)),
    "MK": ((42.00, 21.43), (42.13, 21.72), (41.35, 21.55)),
    "SI": ((46.05, 14.51), (46.56, 15.65), (46.23, 15.26)),
    "SK": ((48.15, 17.11), (48.71, 21.26), (48.12, 17.13)),
    "HU": ((47.50, 19.04), (47.50, 19.08), (47.50, 19.03)),
    "EE": ((59.44, 24.75), (59.43, 24.86), (58.38, 26.73)),
    "LV": ((56.95, 24.11), (55.88, 26.53), (56.50, 21.01)),
    "LT": ((54.69, 25.28), (54.90, 23.91), (55.71, 21.14)),
    "UA": ((50.45, 30.52), (49.98, 36.25), (46.49, 30.74)),
    "MD": ((47.01, 28.86), (46.84, 29.63), (47.76, 27.93)),
    "GE": ((41.69, 44.83), (41.64, 41.63), (42.27, 42.69)),
    "AM": ((40.18, 44.51), (40.17, 44.45), (40.16, 44.48)),
    "TR": ((41.01, 28.95), (39.92, 32.85), (40.20, 29.06)),
    "CY": ((35.17, 33.35), (34.68, 33.04), (34.92, 33.63)),
    "MA": ((33.59, -7.61), (34.01, -6.83), (34.03, -5.00)),
    "DZ": ((36.73, 3.09), (35.70, -0.64), (36.37, 6.61)),
    "TN": ((36.82, 10.17), (34.74, 10.76), (35.83, 10.64)),
    "EG": ((30.06, 31.25), (31.20, 29.92), (30.01, 31.21)),
    "JO": ((31.96, 35.95), (32.07, 36.09), (32.56, 35.85)),
    "LB": ((33.89, 35.50), (33.90, 35.48), (34.43, 35.84)),
    "IQ": ((33.34, 44.40), (36.33, 43.11), (30.50, 47.82)),
    "SA": ((21.49, 39.19), (24.69, 46.72), (21.43, 39.83)),
    "AE": ((25.08, 55.31), (24.45, 54.40), (25.33, 55.41)),
    "QA": ((25.29, 51.53), (25.29, 51.42), (25.42, 51.51)),
    "KW": ((29.08, 48.08), (29.33, 48.03), (29.33, 48.08)),
    "OM": ((23.58, 58.41), (23.67, 58.19), (23.58, 58.40)),
    "YE": ((15.35, 44.21), (12.78, 45.04), (13.58, 44.02)),
    "NG": ((6.45, 3.39), (12.00, 8.52), (7.38, 3.91)),
    "GH": ((6.69, -1.62), (5.56, -0.20), (9.40, -0.84)),
    "SN": ((14.69, -17.44), (14.76, -17.39), (14.86, -15.88)),
    "ML": ((12.61, -7.98), (11.32, -5.67), (12.39, -5.47)),
    "NE": ((13.51, 2.11), (13.50, 7.10), (13.81, 8.99)),
    "BF": ((12.37, -1.53), (11.18, -4.29), (12.25, -2.37)),
    "CI": ((5.35, -4.00), (5.42, -4.02), (7.69, -5.03)),
    "CM": ((4.05, 9.70), (3.87, 11.52), (5.96, 10.15)),
    "KE": ((-1.28, 36.82), (0.28, 34.75), (-4.05, 39.66)),
    "UG": ((0.32, 32.58), (0.36, 32.53), (0.40, 32.63)),
    "TZ": ((-6.82, 39.27), (-2.52, 32.90), (-6.17, 35.74)),
    "RW": ((-1.95, 30.06), (-1.70, 29.26), (-1.50, 29.63)),
    "ET": ((9.02, 38.75), (9.35, 42.80), (12.60, 37.47)),
    "SO": ((2.04, 45.34), (9.94, 43.18), (9.56, 44.06)),
    "ZA": ((-26.20, 28.04), (-33.93, 18.42), (-29.86, 31.03)),
    "MZ": ((-25.97, 32.58), (-25.96, 32.46), (-15.12, 39.27)),
    "ZW": ((-17.83, 31.05), (-20.15, 28.58), (-18.01, 31.08)),
    "ZM": ((-15.41, 28.29), (-12.80, 28.21), (-12.96, 28.64)),
    "AO": ((-8.84, 13.23), (-8.87, 13.33), (-8.91, 13.37)),
    "BW": ((-24.65, 25.91), (-21.17, 27.51), (-24.63, 25.87)),
    "NA": ((-22.56, 17.08), (-17.92, 19.77), (-22.96, 14.51)),
    "IN": ((19.07, 72.88), (28.65, 77.23), (12.97, 77.59)),
    "PK": ((31.56, 74.35), (24.86, 67.01), (34.01, 71.58)),
    "BD": ((23.71, 90.41), (22.34, 91.83), (24.00, 90.42)),
    "LK": ((6.94, 79.85), (6.84, 79.87), (6.85, 79.93)),
    "NP": ((27.70, 85.32), (28.27, 83.97), (27.68, 84.44)),
    "ID": ((-6.21, 106.85), (-7.25, 112.75), (-6.23, 106.99)),
    "MY": ((3.14, 101.69), (1.47, 103.76), (3.15, 101.53)),
    "PH": ((14.65, 121.05), (7.07, 125.61), (14.65, 120.97)),
    "TH": ((13.75, 100.50), (13.60, 100.60), (13.86, 100.51)),
    "VN": ((10.82, 106.63), (21.02, 105.84), (20.86, 106.68)),
    "KH": ((11.56, 104.92), (10.99, 104.78), (13.36, 103.86)),
    "JP": ((35.69, 139.69), (35.43, 139.65), (34.69, 135.50)),
    "KR": ((37.57, 126.98), (35.10, 129.03), (37.46, 126.71)),
    "MN": ((47.91, 106.88), (49.03, 104.08), (49.49, 105.92)),
    "KZ": ((43.25, 76.91), (51.18, 71.45), (42.31, 69.60)),
    "UZ": ((41.26, 69.22), (40.78, 72.35), (41.00, 71.67)),
    "KG": ((42.87, 74.59), (40.53, 72.80), (40.94, 72.99)),
    "TJ": ((38.54, 68.78), (40.13, 70.63), (39.91, 69.00)),
    "AU": ((-33.87, 151.21), (-37.81, 144.96), (-27.47, 153.03)),
    "NZ": ((-36.85, 174.76), (-43.53, 172.63), (-41.29, 174.78)),
    "CA": ((43.71, -79.40), (45.51, -73.59), (51.05, -114.09)),
    "US": ((40.71, -74.01), (34.05, -118.24), (40.65, -73.95)),
    "JM": ((18.00, -76.79), (18.01, -76.78), (17.99, -76.96)),
    "TT": ((10.52, -61.42), (10.28, -61.45), (10.28, -61.47)),
    "HT": ((18.54, -72.34), (18.53, -72.40), (18.54, -72.30)),
}
JITTER = 0.35

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


# The evidence ladder as demo figures climb it: most are reported or measured, few evaluated;
# each level with the methods that can reach it.
LEVELS = [
    (EvidenceLevel.REPORTED, 40, [MeasurementMethod.NOT_STATED, MeasurementMethod.SELF_REPORTED]),
    (EvidenceLevel.MEASURED, 30, [MeasurementMethod.SELF_REPORTED,
     MeasurementMethod.OFFICIAL_STATISTICS, MeasurementMethod.SURVEY]),
    (EvidenceLevel.COMPARED, 20, [MeasurementMethod.OFFICIAL_STATISTICS, MeasurementMethod.SURVEY]),
    (EvidenceLevel.EVALUATED, 10, [MeasurementMethod.INDEPENDENT_EVALUATION,
     MeasurementMethod.PEER_REVIEWED_STUDY]),
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
        self.places = random.Random(f"{seed}:places")
        # The evidence and the gaps draw from a generator of their own, so that the rest of
        # the data stays as it was for each seed.
        self.evidence_random = random.Random(f"{seed}:evidence")
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

    def place(self, country):
        """A position near a real city of the country, from a generator of its own: the
        rest of the demo data is the same as it would be without it."""
        latitude, longitude = self.places.choice(ANCHORS[country])
        return (
            round(Decimal(latitude + self.places.uniform(-JITTER, JITTER)), 4),
            round(Decimal(longitude + self.places.uniform(-JITTER, JITTER)), 4),
        )

    def make_cities(self):
        cities = []
        for number in range(max(10, self.total // CITY_EVERY)):
            name = self.city_name()
            country = COUNTRIES[number % len(COUNTRIES)]
            latitude, longitude = self.place(country)
            cities.append(
                City(
                    slug=f"demo-{slugify(name)}-{number + 1}",
                    name_es=name,
                    name_en=name,
                    name=name,
                    country=country,
                    latitude=latitude,
                    longitude=longitude,
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
        names, kinds = {}, {}
        for language, pattern in (("es", pattern_es), ("en", pattern_en)):
            # The country (and the kind) named in each text's own language, whatever language
            # is active.
            with translation.override(language):
                country = str(city.country.name)
                kinds[language] = str(Kind(kind).label)
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
            description_es=f"Socio de demostración ({kinds['es']}).",
            description_en=f"Demonstration partner ({kinds['en']}).",
            is_demo=True,
        )
        partner.set_derived_names()
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

    def add_activity_and_gaps(self, initiative):
        """Whether it still runs, when it was last checked (never, long ago, lately), and a
        few missing founding years: the gaps the data-quality page counts."""
        rng = self.evidence_random
        if rng.random() < 0.06:
            initiative.year_founded = initiative.month_founded = initiative.year_ended = None
        if initiative.year_ended:
            initiative.activity = Activity.ENDED
        else:
            initiative.activity = rng.choice(
                [Activity.RUNNING, Activity.RUNNING, Activity.UNKNOWN, Activity.ENDED]
            )
        roll = rng.random()
        if roll < 0.2:
            initiative.last_checked = None
        elif roll < 0.45:
            initiative.last_checked = date(2019, 1, 1) + timedelta(days=rng.randint(0, 1000))
        else:
            initiative.last_checked = date(2025, 1, 1) + timedelta(days=rng.randint(0, 360))

    def add_evidence(self, figure):
        rng = self.evidence_random
        level, _weight, methods = rng.choices(LEVELS, [row[1] for row in LEVELS])[0]
        figure.evidence_level, figure.method = level, rng.choice(methods)
        if figure.kind != FigureKind.OUTCOME:
            figure.attribution = Attribution.NOT_A_CHANGE
        elif figure.evidence_level == EvidenceLevel.EVALUATED:
            figure.attribution = rng.choice([Attribution.EFFECT, Attribution.CHANGE_WHILE_RUNNING])
        elif figure.evidence_level == EvidenceLevel.COMPARED:
            figure.attribution = Attribution.CHANGE_WHILE_RUNNING
        else:
            figure.attribution = Attribution.NOT_ESTABLISHED
        if rng.random() < 0.7:
            figure.checked_by = figure.checked_by_es = "Equipo de demostración"
            figure.checked_by_en = "Demonstration team"
            figure.checked_on = date(2020, 1, 1) + timedelta(days=rng.randint(0, 2100))
        return figure

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
            qualifier = rng.choice([Qualifier.EXACT, Qualifier.EXACT, Qualifier.ABOUT])
            span = rng.randint(0, 4)
            figure = Figure(
                initiative=initiative,
                key=f"figure-{order + 1}",
                label_es=label_es,
                label_en=label_en,
                label=label_es,
                kind=kind,
                qualifier=qualifier,
                value=value,
                unit=unit,
                direction=direction,
                period_start=start,
                period_end=start + span if start else None,
                order=order,
            )
            figures.append(self.add_evidence(figure))
        return figures

    def run(self):
        cities = self.make_cities()
        hubs, partners = self.make_partners(cities)
        created = 0
        for start in range(0, self.total, BATCH):
            numbers = range(start, min(start + BATCH, self.total))
            initiatives = [self.make_initiative(n, self.random.choice(cities)) for n in numbers]
            for initiative in initiatives:
                self.add_activity_and_gaps(initiative)
            partnerships = {}
            for number, initiative in zip(numbers, initiatives, strict=True):
                rows = self.make_partnerships(initiative, number, hubs, partners)
                partnerships[number] = rows
                its_partners = [row.partner for row in rows]
                initiative.search_document = initiative.build_search_document(its_partners)
                initiative.set_partner_masks(its_partners)
                initiative.set_sort_titles()
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
            its_figures = self.make_figures(initiative)
            initiative.set_figure_masks(its_figures)
            figures.extend(its_figures)
        ThemeLink.objects.bulk_create(themes, batch_size=BATCH)
        FundingLink.objects.bulk_create(fundings, batch_size=BATCH)
        IssueLink.objects.bulk_create(issues, batch_size=BATCH)
        Partnership.objects.bulk_create(rows, batch_size=BATCH)
        Figure.objects.bulk_create(figures, batch_size=BATCH)
        Initiative.objects.bulk_update(
            initiatives, ["evidence_levels", "figure_methods"], batch_size=BATCH
        )


def generate(initiatives, seed=2016):
    """Replace any demo data with ``initiatives`` new demo initiatives; return the counts."""
    with transaction.atomic():
        remove()
        counts = Generator(initiatives, seed).run()
    if connection.vendor == "postgresql":
        # Statistics for the tables the demo data fills, not the whole database: ANALYZE
        # of everything also takes the catalogs every database shares, and would wait for
        # another database's ANALYZE (another test run on the same server) to commit.
        tables = sorted(
            {
                model._meta.db_table
                for app in ("casebook", "partners")
                for model in apps.get_app_config(app).get_models(include_auto_created=True)
                if model._meta.managed and not model._meta.proxy
            }
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
    return counts
