"""The description of the open data: a Frictionless ``datapackage.json`` per language that real
exports validate against, and the list page's schema.org ``Dataset`` markup."""

import json
import re
from urllib.parse import urlsplit

import frictionless
import pytest

from tests.factories import make_initiative

pytestmark = pytest.mark.django_db

LICENCE = "https://creativecommons.org/licenses/by/4.0/"


def package_of(client, lang):
    response = client.get(f"/{lang}/initiatives/datapackage.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def downloaded(client, url, folder):
    """The export at ``url``, fetched as a visitor would and kept as a file."""
    parts = urlsplit(url)
    response = client.get(parts.path)
    assert response.status_code == 200, url
    path = folder / parts.path.rsplit("/", 1)[-1]
    path.write_bytes(b"".join(response.streaming_content))
    return path


@pytest.mark.parametrize("lang", ["es", "en"])
def test_real_exports_validate_against_the_data_package(client, casebook, tmp_path, lang):
    package = package_of(client, lang)
    folder = tmp_path / lang
    folder.mkdir()
    files = {}
    for resource in package["resources"]:
        if resource["path"] not in files:
            files[resource["path"]] = downloaded(client, resource["path"], folder)
        resource["path"] = files[resource["path"]].name
    (folder / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False))

    report = frictionless.validate(str(folder / "datapackage.json"))

    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    tables = [task for task in report.tasks if task.type == "table"]
    assert len(tables) == 6  # the two CSV files and the workbook's four sheets
    assert all(task.stats["rows"] > 0 for task in tables)


@pytest.mark.parametrize(
    "lang, title, figures",
    [("es", "Título", "Cifra tal como se lee"), ("en", "Title", "Figure as read")],
)
def test_the_data_package_describes_every_export_in_the_readers_language(
    client, db, lang, title, figures
):
    package = package_of(client, lang)

    assert package["licenses"] == [
        {
            "name": "CC-BY-4.0",
            "path": LICENCE,
            "title": "Creative Commons Attribution 4.0 International",
        }
    ]
    assert package["sources"][0]["title"]
    paths = {urlsplit(resource["path"]).path for resource in package["resources"]}
    assert paths == {
        f"/{lang}/initiatives/export.csv",
        f"/{lang}/initiatives/export-figures.csv",
        f"/{lang}/initiatives/export.xlsx",
        f"/{lang}/initiatives/export.json",
    }
    by_name = {resource["name"]: resource for resource in package["resources"]}
    fields = by_name["initiatives"]["schema"]["fields"]
    assert {"name": title, "title": title, "type": "string"} in fields
    assert {field["type"] for field in fields} >= {"string", "year", "datetime"}
    assert figures in [field["title"] for field in by_name["figures"]["schema"]["fields"]]
    value = [f for f in by_name["figures"]["schema"]["fields"] if f["type"] == "number"]
    assert len(value) == 2  # the value and the upper value, with a "." decimal point


def test_the_data_package_keeps_drafts_out(client, db):
    make_initiative(slug="secret-draft", status="draft")

    assert "secret-draft" not in json.dumps(package_of(client, "en"))


def dataset_of(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    datasets = [json.loads(block) for block in blocks]
    (dataset,) = [data for data in datasets if data.get("@type") == "Dataset"]
    return dataset


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_list_page_describes_the_dataset_for_search_engines(client, casebook, lang):
    html = client.get(f"/{lang}/initiatives/").content.decode()

    dataset = dataset_of(html)
    assert dataset["@context"] == "https://schema.org"
    assert dataset["name"]
    assert len(dataset["description"]) >= 50
    assert dataset["license"] == LICENCE
    assert dataset["creator"]["@type"] == "Organization" and dataset["creator"]["name"]
    assert dataset["url"] == f"http://testserver/{lang}/initiatives/"
    assert dataset["inLanguage"] == lang
    assert dataset["isAccessibleForFree"] is True
    assert len(dataset["keywords"]) >= 5
    downloads = {d["contentUrl"]: d["encodingFormat"] for d in dataset["distribution"]}
    assert {d["@type"] for d in dataset["distribution"]} == {"DataDownload"}
    base = f"http://testserver/{lang}/initiatives/"
    assert downloads == {
        base + "export.csv": "text/csv",
        base + "export-figures.csv": "text/csv",
        base + "export.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        base + "export.json": "application/json",
        base + "datapackage.json": "application/json",
    }
    for url in downloads:
        assert client.get(urlsplit(url).path).status_code == 200


def test_the_dataset_markup_cannot_close_its_script(client, db, settings):
    from casebook.models import Theme

    Theme.objects.create(
        slug="odd", order=9, name_es="</script><script>alert(1)</script>", description_es="x"
    )

    html = client.get("/es/initiatives/").content.decode()

    assert "<script>alert(1)" not in html
    assert "</script><script>" in json.dumps(dataset_of(html)["keywords"], ensure_ascii=False)


def test_the_list_links_the_data_package_beside_the_downloads(client, casebook):
    html = client.get("/es/initiatives/").content.decode()

    section = re.search(r'<section class="downloads".*?</section>', html, re.S).group(0)
    assert '<a href="/es/initiatives/datapackage.json">' in section
    assert "descripción de los datos (datapackage.json)" in section
