"""The open data a reader downloads from the list: in the reader's language beside the codes,
with the case's texts, partners, figures and sources, the list's filters, and its licence."""

import csv
import datetime
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from casebook.models import Figure, Initiative, Source
from tests.factories import make_initiative, make_partner, make_theme

pytestmark = pytest.mark.django_db

EXPORTS = ("export.csv", "export-figures.csv", "export.json", "export.xlsx")

SPANISH_HEADER = (
    "Identificador (slug),Título,Resumen,Descripción,Lecciones aprendidas,Ciudad,"
    "Código de la ciudad,País,Código del país (ISO 3166-1),Lugar,Año de fundación,"
    "Año de finalización,Programación,Código de la programación,Escala,Código de la escala,"
    "Temas de trabajo,Códigos de los temas,Socios (funciones),Socios públicos,Socios privados,"
    "Socios comunitarios,Sitios web de los socios,Financiación,Códigos de la financiación,"
    "Problemas abordados,Códigos de los problemas,Solidez de las pruebas de sus cifras,"
    "Códigos de la solidez de las pruebas,Actividad,Código de la actividad,"
    "Última revisión de la ficha,Dirección (URL),Última actualización"
)
ENGLISH_HEADER = (
    "Identifier (slug),Title,Summary,Description,Lessons learned,City,City code,Country,"
    "Country code (ISO 3166-1),Place,Year founded,Year ended,Programming,Programming code,"
    "Scale,Scale code,Work themes,Work theme codes,Partners (roles),Public partners,"
    "Private partners,Community partners,Partner websites,Funding,Funding codes,"
    "Issues addressed,Issue codes,Evidence levels of its figures,Evidence level codes,Activity,"
    "Activity code,Record last checked,Address (URL),Last updated"
)


def body(response):
    return b"".join(response.streaming_content)


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"))))


def workbook(response):
    return load_workbook(io.BytesIO(body(response)), read_only=True)


def sheet_rows(book, name):
    return [list(row) for row in book[name].iter_rows(values_only=True)]


@pytest.mark.parametrize("lang, header", [("es", SPANISH_HEADER), ("en", ENGLISH_HEADER)])
def test_it_heads_the_csv_in_the_readers_language(client, casebook, lang, header):
    text = body(client.get(f"/{lang}/initiatives/export.csv")).decode("utf-8-sig")

    assert text.splitlines()[0] == header


def test_it_gives_the_spanish_reader_spanish_labels_beside_the_codes(client, casebook):
    rows = csv_rows(client.get("/es/initiatives/export.csv"))
    (row,) = [row for row in rows if row["Identificador (slug)"] == "peace-squares-sulamerica"]

    assert row["Temas de trabajo"] == "Compromiso; Desarrollo de capacidades"
    assert row["Códigos de los temas"] == "engagement; capacity-building"
    assert (row["Programación"], row["Código de la programación"]) == ("implícita", "implicit")
    assert (row["País"], row["Código del país (ISO 3166-1)"]) == ("Brasil", "BR")
    assert row["Código de la ciudad"] == "sao-paulo"
    assert row["Año de fundación"] == "2007"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", row["Última actualización"])
    assert "Financiación de socios privados" in row["Financiación"]
    assert "private-partner-funding" in row["Códigos de la financiación"]
    assert row["Descripción"] and row["Lecciones aprendidas"]


@pytest.mark.parametrize(
    "lang, column, expected",
    [
        ("es", "Socios (funciones)", "SulAmérica (financiador, colaborador en especie)"),
        ("en", "Partners (roles)", "SulAmérica (funder, in-kind supporter)"),
    ],
)
def test_it_names_a_partner_once_with_its_roles_together(client, casebook, lang, column, expected):
    rows = csv_rows(client.get(f"/{lang}/initiatives/export.csv", {"city": "sao-paulo"}))

    (row,) = rows
    assert row[column].count("SulAmérica") == 1
    assert expected in row[column].split("; ")


@pytest.mark.parametrize("slug", ["one-service-peterborough", "peace-squares-sulamerica"])
def test_it_lists_the_partners_in_the_order_of_the_cases_page(client, casebook, slug):
    page = client.get(f"/es/initiatives/{slug}/").content.decode()
    section = re.search(r'aria-labelledby="partners-heading">(.*?)</section>', page, re.S)
    on_page = list(dict.fromkeys(re.findall(r'href="/es/partners/([^/]+)/"', section.group(1))))

    data = json.loads(body(client.get("/es/initiatives/export.json")))
    (item,) = [item for item in data["results"] if item["slug"] == slug]

    assert [partner["slug"] for partner in item["partners"]] == on_page


def test_it_exports_one_row_per_figure_in_the_readers_language(client, casebook):
    rows = csv_rows(client.get("/es/initiatives/export-figures.csv", {"city": "memphis"}))

    assert [row["Cifra (clave)"] for row in rows] == ["homicides", "robberies", "violent-crime"]
    homicides = rows[0]
    assert homicides["Iniciativa (slug)"] == "memphis-fast-forward"
    assert homicides["Qué se midió"] == "Homicidios en Memphis"
    assert homicides["Cifra tal como se lee"] == "−40\u00a0%"  # a Spanish non-breaking space
    assert homicides["Período"] == "2006–2010"
    assert (homicides["Valor"], homicides["Código de la unidad"]) == ("40", "percent")
    assert (homicides["Sentido"], homicides["Código del sentido"]) == ("disminución", "decrease")
    assert (homicides["Desde el año"], homicides["Hasta el año"]) == ("2006", "2010")
    assert rows[2]["Valor"] == "23.6"  # a "." decimal point in every language
    # Its evidence: how far to trust it, and where it comes from.
    assert (
        homicides["Solidez de las pruebas"],
        homicides["Código de la solidez de las pruebas"],
    ) == (
        "declarada",
        "reported",
    )
    assert homicides["Código del método de medición"] == "not-stated"
    assert homicides["Código de efecto o cambio"] == "change-while-running"
    assert homicides["Fuente (clave)"] == "briefing-paper"
    assert "40%" in homicides["Palabras originales"]


def test_every_published_figure_is_in_the_figures_csv(client, casebook):
    rows = csv_rows(client.get("/en/initiatives/export-figures.csv"))

    published = Figure.objects.filter(initiative__status="published")
    assert len(rows) == published.count() > 0
    assert {(r["Initiative (slug)"], r["Figure (key)"]) for r in rows} == set(
        published.values_list("initiative__slug", "key")
    )


def test_the_json_nests_partners_figures_and_sources(client, casebook):
    data = json.loads(body(client.get("/es/initiatives/export.json", {"city": "memphis"})))

    (item,) = data["results"]
    assert item["description"] and item["lessons_learned"]
    assert {"code": "capacity-building", "label": "Desarrollo de capacidades"} in item["themes"]
    assert item["programming"] == {"code": "implicit", "label": "implícita"}
    assert item["country"] == {"code": "US", "label": "Estados Unidos"}
    assert {"code": "lead", "label": "socio principal"} in [
        role for partner in item["partners"] for role in partner["roles"]
    ]
    homicides = item["figures"][0]
    assert homicides["key"] == "homicides"
    assert homicides["value"] == 40 and homicides["period_start"] == 2006
    assert homicides["direction"] == {"code": "decrease", "label": "disminución"}
    assert homicides["evidence_level"] == {"code": "reported", "label": "declarada"}
    assert homicides["source"] == "briefing-paper"
    assert item["evidence_levels"] == [{"code": "reported", "label": "declarada"}]
    assert item["sources"][0]["key"] == "briefing-paper"
    assert item["sources"][0]["title"].startswith("Documento Informativo 3")


def keys_of(value):
    """The shape of a JSON document: its keys, all the way down, without the values."""
    if isinstance(value, dict):
        return {key: keys_of(item) for key, item in value.items()}
    if isinstance(value, list):
        return sorted({json.dumps(keys_of(item), sort_keys=True) for item in value})
    return None


def test_the_json_keys_are_the_same_in_both_languages(client, casebook):
    spanish = json.loads(body(client.get("/es/initiatives/export.json")))
    english = json.loads(body(client.get("/en/initiatives/export.json")))

    assert keys_of(spanish) == keys_of(english)
    assert {item["slug"] for item in spanish["results"]} == {
        item["slug"] for item in english["results"]
    }
    themes = {t["code"]: t["label"] for item in spanish["results"] for t in item["themes"]}
    themes_en = {t["code"]: t["label"] for item in english["results"] for t in item["themes"]}
    assert themes["education"] == "Educación" and themes_en["education"] == "Education"


def test_the_workbook_has_one_sheet_per_table_and_the_licence(client, casebook):
    response = client.get("/es/initiatives/export.xlsx", {"theme": "education"})

    assert response.streaming
    book = workbook(response)
    assert book.sheetnames == ["iniciativas", "socios", "cifras", "fuentes", "licencia"]
    initiatives = sheet_rows(book, "iniciativas")
    assert ",".join(initiatives[0]) == SPANISH_HEADER
    listed = csv_rows(client.get("/es/initiatives/export.csv", {"theme": "education"}))
    assert [row[0] for row in initiatives[1:]] == [r["Identificador (slug)"] for r in listed]
    socios = sheet_rows(book, "socios")
    assert socios[0][:4] == ["Iniciativa (slug)", "Socio (slug)", "Socio", "Sector"]
    assert {row[0] for row in socios[1:]} == {row[0] for row in initiatives[1:]}
    figures = sheet_rows(book, "cifras")
    assert figures[0][:3] == ["Iniciativa (slug)", "Cifra (clave)", "Qué se midió"]
    licence = [value for row in sheet_rows(book, "licencia") for value in row]
    assert "https://creativecommons.org/licenses/by/4.0/" in licence
    assert "CC BY 4.0" in book.properties.description


def test_the_workbook_groups_a_partners_roles_in_one_row(client, casebook):
    book = workbook(client.get("/en/initiatives/export.xlsx", {"city": "sao-paulo"}))

    rows = sheet_rows(book, "partners")
    header, sulamerica = rows[0], [row for row in rows if row[1] == "sulamerica"]
    assert len(sulamerica) == 1
    row = dict(zip(header, sulamerica[0], strict=True))
    assert row["Roles"] == "funder; in-kind supporter"
    assert row["Role codes"] == "funder; in-kind-supporter"
    assert (row["Sector"], row["Sector code"]) == ("private", "private")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_formula_looking_text_stays_text_in_every_cell_of_the_workbook(client, db, start):
    formula = f'{start}HYPERLINK("http://x")'
    club = make_partner(slug="club", name_en=formula, name_es=formula)
    initiative = make_initiative(slug="formula", title_en=formula, partners=[club])
    Figure.objects.create(
        initiative=initiative, key="f", label_es=formula, label_en=formula, value=1, unit="people"
    )
    Source.objects.create(initiative=initiative, key="s", title_es=formula, title_en=formula)

    book = load_workbook(io.BytesIO(body(client.get("/en/initiatives/export.xlsx"))))

    cells = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows(min_row=2)
        for cell in row
        if isinstance(cell.value, str) and "HYPERLINK" in cell.value
    ]
    assert len(cells) >= 5  # the title, the partner (three columns), the figure, the source
    for cell in cells:
        assert cell.data_type == "s"
        assert cell.value.startswith("'"), cell.value


def test_a_text_with_control_characters_still_downloads(client, db):
    make_initiative(slug="odd", title_en="Bell\x07 and escape\x1b in a title")

    book = workbook(client.get("/en/initiatives/export.xlsx"))

    assert sheet_rows(book, "initiatives")[1][1] == "Bell and escape in a title"


def today():
    return datetime.date.today().isoformat()


FILE_NAMES = [
    ("/es/initiatives/export.csv?theme=education", "ppci-casos-tema-educacion-{day}.csv"),
    ("/en/initiatives/export.csv?theme=education", "ppci-cases-theme-education-{day}.csv"),
    (
        "/es/initiatives/export-figures.csv?country=br&programming=implicit",
        "ppci-cifras-programacion-implicita-pais-brasil-{day}.csv",
    ),
    ("/en/initiatives/export.xlsx?year_from=2010", "ppci-cases-from-2010-{day}.xlsx"),
    ("/es/initiatives/export.json", "ppci-casos-{day}.json"),
    ("/es/initiatives/export.csv?q=jóvenes", "ppci-casos-busqueda-jovenes-{day}.csv"),
]


def test_the_file_name_says_what_was_filtered(client, casebook):
    for url, expected in FILE_NAMES:
        response = client.get(url)

        disposition = response["Content-Disposition"]
        assert disposition.startswith(("attachment;", "inline;")), url
        name = re.search(r'filename="([^"]+)"', disposition).group(1)
        assert name == expected.format(day=today()), url


def test_the_file_name_stays_short_and_plain(client, casebook):
    query = "ñandú " * 60 + '"; rm -rf / ../../etc'
    response = client.get("/es/initiatives/export.csv", {"q": query, "theme": "education"})

    name = re.search(r'filename="([^"]+)"', response["Content-Disposition"]).group(1)
    assert re.fullmatch(r"[a-z0-9.-]+", name)
    assert len(name) <= 120


@pytest.mark.parametrize("export", EXPORTS)
def test_every_export_names_its_licence_in_a_link_header(client, db, export):
    make_initiative()
    response = client.get(f"/es/initiatives/{export}")

    assert '<https://creativecommons.org/licenses/by/4.0/>; rel="license"' in response["Link"]
    assert 'datapackage.json>; rel="describedby"' in response["Link"]


def test_the_json_carries_its_licence(client, casebook):
    data = json.loads(body(client.get("/es/initiatives/export.json")))

    assert data["license"]["name"] == "CC-BY-4.0"
    assert data["license"]["path"] == "https://creativecommons.org/licenses/by/4.0/"
    assert "Creative Commons" in data["license"]["attribution"]
    assert data["sources"][0]["title"]


FILTERS = [
    {"theme": "education"},
    {"theme": ["education", "messaging"]},
    {"sector": "community"},
    {"kind": "sports-team"},
    {"programming": "explicit"},
    {"funding": "social-impact-bond"},
    {"scale": ["city", "national"]},
    {"country": "gb"},
    {"city": "medellin"},
    {"year_from": "2005", "year_to": "2010"},
    {"q": "jóvenes"},
    {"q": "medellin", "sort": "title"},
    {"sort": "-year"},
    {"theme": "education", "sector": "private"},
]


def listed_slugs(client, params):
    page = client.get("/es/initiatives/", params)
    return [initiative.slug for initiative in page.context["initiatives"]]


def test_every_export_honours_every_filter_of_the_list(client, casebook, settings):
    settings.INITIATIVES_PER_PAGE = 100
    for params in FILTERS:
        honours_the_filter(client, params)


def honours_the_filter(client, params):
    listed = listed_slugs(client, params)

    rows = csv_rows(client.get("/es/initiatives/export.csv", params))
    data = json.loads(body(client.get("/es/initiatives/export.json", params)))
    figures = csv_rows(client.get("/es/initiatives/export-figures.csv", params))
    book = workbook(client.get("/es/initiatives/export.xlsx", params))

    assert listed or params.get("q"), params  # the filters of the test find something
    assert [row["Identificador (slug)"] for row in rows] == listed, params
    assert [item["slug"] for item in data["results"]] == listed, params
    assert [row[0] for row in sheet_rows(book, "iniciativas")[1:]] == listed, params
    with_figures = Figure.objects.filter(initiative__slug__in=listed)
    assert sorted(row["Iniciativa (slug)"] for row in figures) == sorted(
        with_figures.values_list("initiative__slug", flat=True)
    )
    assert {row[0] for row in sheet_rows(book, "fuentes")[1:]} == set(
        Source.objects.filter(initiative__slug__in=listed).values_list(
            "initiative__slug", flat=True
        )
    )


def test_a_draft_never_reaches_an_export(client, casebook):
    draft = make_initiative(
        slug="secret-draft", title_en="Secret draft", title_es="Borrador secreto", status="draft"
    )
    Figure.objects.create(initiative=draft, key="k", label_es="Cifra secreta", value=1)
    Source.objects.create(initiative=draft, key="s", title_es="Fuente secreta")

    for lang, export in [(lang, export) for lang in ("es", "en") for export in EXPORTS]:
        content = body(client.get(f"/{lang}/initiatives/{export}"))
        if export.endswith(".xlsx"):
            book = load_workbook(io.BytesIO(content), read_only=True)
            content = repr(
                [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
            ).encode()
        text = content.decode("utf-8")
        assert "secret" not in text.lower() and "secreta" not in text.lower()
        assert "Borrador" not in text


@pytest.mark.parametrize("export", EXPORTS)
def test_a_bad_parameter_is_refused_with_a_message(client, db, export):
    response = client.get(f"/es/initiatives/{export}", {"theme": "nonsense", "year_to": "soon"})

    assert response.status_code == 400
    text = response.content.decode()
    assert "nonsense" in text and "Fundada hasta" in text


@pytest.mark.parametrize("export", EXPORTS)
def test_an_export_streams_with_the_same_queries_for_few_rows_and_many(client, db, export):
    theme = make_theme(slug="messaging", order=5)

    def queries(count):
        Initiative.objects.all().delete()
        for n in range(count):
            club = make_partner()
            initiative = make_initiative(themes=[theme], partners=[club, (club, "funder")])
            Figure.objects.create(initiative=initiative, key="k", label_es="C", value=n)
            Source.objects.create(initiative=initiative, key="s", title_es="F")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/en/initiatives/{export}")
            assert response.streaming
            body(response)
        return len(captured)

    assert queries(2) == queries(12)


@pytest.mark.parametrize(
    "lang, heading, licence",
    [
        ("es", "Descargar esta lista como datos abiertos", "Creative Commons Atribución 4.0"),
        ("en", "Download this list as open data", "Creative Commons Attribution 4.0"),
    ],
)
def test_the_list_offers_every_file_and_states_the_licence(
    client, casebook, lang, heading, licence
):
    page = client.get(f"/{lang}/initiatives/", {"theme": "education", "page": "1"})
    html = page.content.decode()

    section = re.search(r'<section class="downloads".*?</section>', html, re.S).group(0)
    assert heading in section and licence in section
    assert 'rel="license"' in section
    for export in EXPORTS:
        assert f'href="/{lang}/initiatives/{export}?theme=education"' in section
    assert f'href="/{lang}/initiatives/datapackage.json"' in section


def test_a_workbook_too_large_to_build_in_time_is_refused_with_a_message(client, db, monkeypatch):
    from casebook import exports

    for _ in range(3):
        make_initiative()
    monkeypatch.setattr(exports, "XLSX_MAX_INITIATIVES", 2)

    response = client.get("/es/initiatives/export.xlsx")

    assert response.status_code == 400
    text = response.content.decode()
    assert "como máximo 2 iniciativas" in text and "tiene 3" in text
    assert client.get("/es/initiatives/export.csv").status_code == 200
