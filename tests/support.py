"""Helpers the tests share: rows for the admin tests, and a client that behaves as a browser.

bench/load.py reads the admin's forms with the same FormReader.
"""

import os
import re
from html.parser import HTMLParser

from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from casebook.models import City, Initiative, Theme
from partners.models import Kind, Partner, Sector
from ppci.lib import pagecache
from tests.factories import PASSWORD


def redis_url():
    """Redis for the tests of the shared cache: REDIS_URL, or database 15 of the local server;
    14, 13, … for the second, third, … parallel worker (pytest-xdist), as a test empties its
    database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return os.environ.get("REDIS_URL", f"redis://127.0.0.1:6379/{15 - int(worker[2:])}")


def compiled_models(monkeypatch):
    """A list that gets the model of each query Django compiles into SQL from now on (the
    test's ``monkeypatch`` undoes it)."""
    from django.db.models.sql.compiler import SQLCompiler

    compiled = []
    original = SQLCompiler.as_sql

    def as_sql(compiler, *args, **kwargs):
        compiled.append(compiler.query.model._meta.label)
        return original(compiler, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", as_sql)
    return compiled


# Things in the case book, made directly with the ORM.


def make_city(slug="medellin", name="Medellín", country="CO"):
    return City.objects.create(slug=slug, name_es=name, country=country)


def make_theme(order=1, slug="confianza", name="Confianza"):
    return Theme.objects.create(
        slug=slug, order=order, name_es=name, description_es="Primero, la confianza."
    )


def make_partner(
    slug="alcaldia-de-medellin",
    name="Alcaldía de Medellín",
    sector=Sector.PUBLIC,
    kind=Kind.LOCAL_AUTHORITY,
):
    return Partner.objects.create(slug=slug, name_es=name, sector=sector, kind=kind, country="CO")


def a_theme():
    return Theme.objects.first() or make_theme()


def make_initiative(slug="parques-del-rio", title="Parques del Río", themes=None, **fields):
    fields.setdefault("country", "CO")
    fields.setdefault("programming", "implicit")
    fields.setdefault("scale", "city")
    initiative = Initiative.objects.create(
        slug=slug, title_es=title, summary_es="Un parque junto al río.", **fields
    )
    initiative.themes.set(themes or [a_theme()])
    return initiative


# A client that behaves as a browser does: CSRF checks on, logged in through the login
# form, and every form posted with what the page rendered in it.


class FormReader(HTMLParser):
    """The fields one form on a page would submit, as a list of values per name."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id = form_id
        self.in_form = False
        self.data = {}
        self.select = None
        self.option = None
        self.textarea = None

    def add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == self.form_id
        if not self.in_form or "disabled" in attrs:
            return
        if tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.add(attrs["name"], attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and attrs.get("name"):
            self.select = {"name": attrs["name"], "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self.select is not None:
            self.option = {"value": attrs.get("value"), "selected": "selected" in attrs, "text": ""}
            self.select["options"].append(self.option)
        elif tag == "textarea" and attrs.get("name"):
            self.textarea = {"name": attrs["name"], "text": ""}

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"] += data
        if self.textarea is not None:
            self.textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            options = self.select["options"]
            chosen = [option for option in options if option["selected"]]
            if not chosen and options and not self.select["multiple"]:
                chosen = options[:1]
            for option in chosen:
                value = option["value"]
                self.add(self.select["name"], option["text"] if value is None else value)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # A browser drops the newline that opens a textarea's content.
            text = self.textarea["text"]
            self.add(self.textarea["name"], text.removeprefix("\n"))
            self.textarea = None


def form_on(response, form_id):
    reader = FormReader(form_id)
    reader.feed(response.content.decode())
    assert reader.data, f"no form #{form_id} on the page"
    return reader.data


def log_in(user):
    browser = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    login_url = reverse("admin:login")
    data = form_on(browser.get(login_url), "login-form")
    data.update(username=user.username, password=PASSWORD)
    response = browser.post(login_url, data)
    assert response.status_code == 302, "the login form did not accept the staff member"
    return browser


def change_url(initiative):
    return reverse("admin:casebook_initiative_change", args=[initiative.pk])


def errors_on(response, field_id):
    """The error messages the page shows on one field, by the id of its input."""
    found = re.search(
        rf'<ul class="errorlist" id="{re.escape(field_id)}_error">(.*?)</ul>',
        response.content.decode(),
        re.DOTALL,
    )
    return re.findall(r"<li>(.*?)</li>", found.group(1)) if found else []


# The case book, loaded for a test.


def model_tables():
    """Each table of the installed models (many-to-many link tables included) with the
    columns Django writes; a column the database computes (the search vector) is not one."""
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy:
            columns = [field.column for field in meta.local_concrete_fields]
            yield meta.db_table, columns, meta.pk.column


def rows_of_every_table():
    quote = connection.ops.quote_name
    rows = {}
    with connection.cursor() as cursor:
        for table, columns, key in model_tables():
            cursor.execute(
                f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)} ORDER BY {quote(key)}"
            )
            rows[table] = (columns, cursor.fetchall())
    return rows


# What `load_casebook` changed, by the active language and the rows it started from (the
# whole database, as a key).
_loaded = {}


def load_casebook():
    """Loading the case book runs some 2,000 queries (4 s on a slow machine) and hundreds of
    tests need it. The first load from a given database is run for real and the tables it
    changed are kept; from the same database again, those tables are written back as they were,
    row for row (ids and timestamps included), and the page generation moves on as the load
    moves it. Any other starting point (a test that made rows first, say, or another active
    language) loads for real."""
    before = rows_of_every_table()
    # The untranslated column of a translated field takes the text in the active language.
    key = (translation.get_language(), repr(sorted(before.items())))
    changed = _loaded.get(key)
    if changed is None:
        call_command("load_casebook", verbosity=0)
        after = rows_of_every_table()
        _loaded[key] = {table: rows for table, rows in after.items() if rows != before[table]}
        return
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for table, (columns, rows) in changed.items():
            if before[table][1]:
                cursor.execute(f"DELETE FROM {quote(table)}")
            cursor.executemany(
                f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) "
                f"VALUES ({', '.join(['%s'] * len(columns))})",
                rows,
            )
    pagecache.invalidate_now_and_at_commit()


SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_pages(client):
    """The sitemap's section pages, each as its response, read from the index at
    /sitemap.xml as a search engine reads them."""
    import xml.etree.ElementTree as ET
    from urllib.parse import urlsplit

    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    pages = []
    for entry in ET.fromstring(index.content).iter(f"{SITEMAP_NS}loc"):
        address = urlsplit(entry.text)
        response = client.get(address.path + (f"?{address.query}" if address.query else ""))
        assert response.status_code == 200, entry.text
        pages.append(response)
    return pages


def sitemap_text(client):
    """Every section page of the sitemap, as one text."""
    return "".join(page.content.decode() for page in sitemap_pages(client))
