"""Open data: the filtered list of initiatives as CSV, JSON and an Excel workbook, streamed.

Every table an export holds is a declarative list of columns (``INITIATIVE_COLUMNS``,
``PARTNER_COLUMNS``, ``FIGURE_COLUMNS``, ``SOURCE_COLUMNS``): the CSV files, the workbook's
sheets, the JSON objects, the ``datapackage.json`` that describes them and the list page's
``Dataset`` markup all read these lists, so a new field is one line in one of them.

A column says what a person reads in the reader's language (headers, names, labels) and keeps
what a machine reads in its own column (slugs, codes, ISO dates, numbers with a "." decimal
point), the same under /es/ and /en/. JSON keys are the columns' stable machine names.
"""

import collections
import contextlib
import csv
import datetime
import functools
import io
import itertools
import json
import queue
import tempfile
import threading
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from json.encoder import encode_basestring
from operator import attrgetter, itemgetter

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connections
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import Country

from partners.models import Kind, Partner, Sector
from ppci.lib.numbers import number_writer
from ppci.lib.text import fold

from .models import (
    EVIDENCE_BITS,
    Activity,
    Attribution,
    City,
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
    Theme,
    ThemeLink,
    Unit,
)

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
SEPARATOR = "; "

LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}


def license_text():
    return gettext(
        "The data is open under the Creative Commons Attribution 4.0 International licence "
        "(CC BY 4.0): share and adapt it for any purpose, naming the PPCI Case Book and the "
        "Strong Cities Network's briefing paper as its source."
    )


def briefing_paper():
    return {
        "title": gettext(
            "Strong Cities Network, Briefing Paper 3. Working Group 3: Public-Private Community "
            "Initiatives — Case Book"
        ),
        "path": "https://strongcitiesnetwork.org",
    }


def in_language(spanish, english, language=None):
    """A translated text as the pages show it: the visitor's language, else the other one."""
    if (language or get_language()) == "en":
        return english or spanish or ""
    return spanish or english or ""


# Columns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column: ``key`` the stable machine name (the JSON key), ``label`` its header in the
    reader's language, ``value`` how it reads a row, and its Table Schema ``type``. ``value``
    is given the export (its language, labels and vocabularies, see ``Export``) and returns
    the function that gives one row's value: ``Plain("slug")``, ``Translated("title")``,
    ``ChoiceOf("scale", Scale)`` and the other readers below, or a function of its own. A
    ``machine`` column holds the same codes, numbers or ISO dates in both languages.
    ``json=False`` leaves it out of the JSON, which nests what the column spells out.
    ``reads`` names the fields of the row that a ``value`` of its own reads (where the
    database writes a table's JSON, see ``Table``, these are still read)."""

    key: str
    label: object
    value: object
    type: str = "string"
    machine: bool = False
    format: str = "default"
    json: bool = True
    reads: tuple = ()

    def headers(self):
        return [str(self.label)]

    def fields(self):
        field = {"name": str(self.label), "title": str(self.label), "type": self.type}
        if self.format != "default":
            field["format"] = self.format
        return [field]

    def bind(self, export):
        """The column as one export writes it (see ``Bound``)."""
        source = getattr(self.value, "source", None)
        if isinstance(self.value, Translated):  # always a text
            return Bound(self, self.value(export), text_cell, encode_basestring, source(export))
        return Bound(self, self.value(export), cell, json_text, source and source(export))


@dataclass(frozen=True)
class Coded(Column):
    """A vocabulary: what a person reads under ``key``, the codes beside it under
    ``key_code`` (``code_label``). ``value`` gives one (code, label) pair, or a list of them
    with ``many``. In JSON: ``{"code": …, "label": …}``, or a list of them."""

    code_label: object = ""
    many: bool = False

    def headers(self):
        return [str(self.label), str(self.code_label)]

    def fields(self):
        return [
            {"name": str(self.label), "title": str(self.label), "type": "string"},
            {"name": str(self.code_label), "title": str(self.code_label), "type": "string"},
        ]

    def pairs(self, value):
        if self.many:
            return list(value)
        return [value] if value and value[0] else []

    def as_cells(self, value):
        pairs = self.pairs(value)
        return (joined(label for _code, label in pairs), joined(code for code, _ in pairs))

    def as_json(self, value):
        objects = [
            f'{{"code": {json_text(code)}, "label": {json_text(label)}}}'
            for code, label in self.pairs(value)
        ]
        if self.many:
            return "[" + ", ".join(objects) + "]"
        return objects[0] if objects else "null"

    def bind(self, export):
        """As ``Column.bind``. A vocabulary has few values, so each one's cells and JSON are
        written once per export and looked up after that: by its key, for a ``Keyed`` reader,
        or by its pairs."""
        read = self.value(export)
        if isinstance(self.value, Keyed):
            _key, source = self.value.key()
            value_of = self.value.value_of(export)
            return Bound(
                self,
                read,
                Written(lambda key: self.as_cells(value_of(key))),
                Written(lambda key: self.as_json(value_of(key))),
                source,
                width=2,
                lookup=True,
            )
        return Bound(self, read, remembered(self.as_cells), remembered(self.as_json), width=2)


class Written(dict):
    """What ``write`` makes of each key, kept for the first ``MEMO_LIMIT`` keys."""

    def __init__(self, write):
        super().__init__()
        self.write = write

    def __missing__(self, key):
        text = self.write(key)
        if len(self) < MEMO_LIMIT:
            self[key] = text
        return text


def remembered(write):
    """``write`` of a value, kept for each value: a list by its items."""
    written = Written(write)

    def of(value):
        return written[tuple(value) if value.__class__ is list else value]

    return of


@dataclass(frozen=True)
class Bound:
    """A column as one export writes it: ``value`` reads a row's value; ``cells`` writes it
    as its ``width`` CSV cells (a value, or a tuple of two), ``json`` as JSON text. Where the
    column reads the row in a way that has one, ``source`` is a Python expression of ``row``
    that reads it (see ``Table``); with ``lookup``, ``cells`` and ``json`` are mappings from
    what ``source`` reads."""

    column: Column
    value: object
    cells: object
    json: object
    source: str | None = None
    width: int = 1
    lookup: bool = False


MEMO_LIMIT = 10_000


def text_cell(value):
    """A text as a cell, never a formula."""
    return "'" + value if value.startswith(DANGEROUS_STARTS) else value


def cell(value):
    """A value as a CSV or worksheet cell: machine formats, never a formula."""
    kind = value.__class__
    if kind is str:
        return "'" + value if value.startswith(DANGEROUS_STARTS) else value
    if value is None:
        return ""
    if kind is list or kind is tuple:
        return joined(value)
    if kind is int:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return joined(value)
    return neutralise(value)


def json_value(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


dumps = json.JSONEncoder(ensure_ascii=False).encode


def json_text(value):
    """``value`` as JSON text, as ``json.dumps(…, ensure_ascii=False)`` writes it."""
    kind = value.__class__
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    if kind is Decimal:  # exactly, as the database writes it (see ``json_sql``)
        if value == value.to_integral_value():
            return int.__repr__(int(value))
        return format(value.normalize(), "f")
    if kind is datetime.date:
        return '"' + value.isoformat() + '"'
    return dumps(json_value(value))


def number_text(value):
    """40, 12.5, 0.25: no exponent, no trailing zeros, a "." decimal point."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def joined(values):
    """Several values in one cell, each neutralised: a spreadsheet that splits the cell on
    "; " must meet no formula either."""
    return SEPARATOR.join(
        ["'" + text if text.startswith(DANGEROUS_STARTS) else text for text in map(str, values)]
    )


def neutralise(value):
    """Keep spreadsheets from running a cell as a formula."""
    if isinstance(value, str) and value.startswith(DANGEROUS_STARTS):
        return "'" + value
    return value


def choice(choices, value):
    """A (code, label) pair of a TextChoices value, in the reader's language."""
    if not value:
        return ("", "")
    try:
        return (value, str(choices(value).label))
    except ValueError:
        return (value, value)


# How a column reads a row (see ``Column``): each is given the export and returns the function
# of a row. These also say how as a Python expression of ``row`` (``source``, or a ``Keyed``
# reader's ``key``), which ``Table`` writes into its own functions.


@dataclass(frozen=True)
class Plain:
    """The row's ``name`` as it is: the same in every language."""

    name: str

    def __call__(self, export):
        return attrgetter(self.name)

    def source(self, export):
        return f"row.{self.name}"


@dataclass(frozen=True)
class Translated:
    """The row's text ``name`` in the export's language, else in the other: the database
    reads it so (see ``Export.tables``), always a text."""

    name: str

    def __call__(self, export):
        return attrgetter(self.name)

    def source(self, export):
        return f"row.{self.name}"


class Keyed:
    """A reader whose value follows from a key the row holds: ``key()`` gives the function of
    a row and the same as a Python expression of ``row`` (see ``Table``), ``value_of(export)``
    the value of a key. ``Coded`` writes the cells and the JSON of each key once."""

    def __call__(self, export):
        key, _source = self.key()
        value_of = self.value_of(export)
        return lambda row: value_of(key(row))


@dataclass(frozen=True)
class ChoiceOf(Keyed):
    """(code, label) of the row's ``name``, a value of ``choices``."""

    name: str
    choices: type

    def key(self):
        return attrgetter(self.name), f"row.{self.name}"

    def value_of(self, export):
        return export.pairs(self.choices).__getitem__


@dataclass(frozen=True)
class ChoicesOf(ChoiceOf):
    """(code, label) of each of the row's ``name``, a list of values of ``choices``."""

    def key(self):
        read = attrgetter(self.name)
        return (lambda row: tuple(read(row))), f"tuple(row.{self.name})"

    def value_of(self, export):
        pairs = export.pairs(self.choices)
        return lambda values: [pairs[value] for value in values]


@dataclass(frozen=True)
class Linked(Keyed):
    """(slug, name) of each of the row's ``name``, keys of ``model`` (themes, fundings,
    issues) in one text, "3,1,5": in the order of the model's ``order`` with ``by_order``,
    else in the order a reader looks for them, by name without regard to case or accents, as
    the pages list them (each name folded once per export)."""

    name: str
    model: type
    by_order: bool = False

    def key(self):
        return attrgetter(self.name), f"row.{self.name}"

    def value_of(self, export):
        names = export.vocabulary(self.model)
        if self.by_order:
            order = export.orders[self.model]
            sort_key = {pk: order.get(pk, 0) for pk in names}.__getitem__
        else:
            folded = {pk: (fold(label), slug) for pk, (slug, label) in names.items()}
            sort_key = folded.__getitem__

        def linked(keys):
            pks = [int(key) for key in keys.split(",")] if keys else []
            return [names[pk] for pk in sorted(pks, key=sort_key)]

        return linked


class EvidenceLevels(Keyed):
    """(code, label) of each evidence level its figures have, from the weakest: read from the
    initiative's own row (its figures' levels as bits), so no figure is read."""

    def key(self):
        return attrgetter("evidence_levels"), "row.evidence_levels"

    def value_of(self, export):
        pairs = export.pairs(EvidenceLevel)
        return lambda bits: [
            pairs[level] for level in EvidenceLevel.values if bits & EVIDENCE_BITS[level]
        ]


class CityOf(Keyed):
    """(slug, name) of the initiative's city, if it has one."""

    def key(self):
        return attrgetter("city_slug", "city_name"), "(row.city_slug, row.city_name)"

    def value_of(self, export):
        return lambda key: key if key[0] else None


class CountryOf(Keyed):
    """(code, name) of the initiative's country."""

    def key(self):
        return attrgetter("country"), "row.country"

    def value_of(self, export):
        return lambda code: (code, export.country_name(code))


def partner_list(sector=None):
    """Each partner (of ``sector``) with its roles: “SulAmérica (funder, in-kind supporter)”."""

    def reader(export):
        named = export.named_partners
        return lambda i: named(i).get(sector, [])

    return reader


def wording(export):
    """The figure as a reader says it (the model's ``display_value``), written as the
    model's ``worded`` writes it, without its cost at each of thousands of figures: the
    words around the numbers depend only on the unit, qualifier and direction and on
    whether there is an upper value, so the model words each such kind once, with
    placeholders for the numbers (``NUMBER``, ``UPPER``), and each figure's numbers go
    in their place, written by ``number_writer``."""
    language = export.language
    number = number_writer(language)
    around = {}

    def words_around(f, upper):
        """The words before, between and after the numbers of ``f``'s kind; None for a
        wording that does not show its numbers as given."""
        shape = f._replace(value=NUMBER, value_max=None if upper is None else UPPER)
        text = shape.worded(language)
        if text.count(NUMBER) != 1 or text.count(UPPER) != (upper is not None):
            return None
        before, _number, rest = text.partition(NUMBER)
        between, _upper, after = rest.partition(UPPER)
        return before, between, after

    def worded(f):
        upper = f.value_max
        kind = (f.unit, f.qualifier, f.direction, upper is None)
        if kind not in around:
            around[kind] = words_around(f, upper)
        parts = around[kind]
        if parts is None:
            return f.worded(language)
        before, between, after = parts
        if upper is None:
            return before + number(f.value) + between
        return before + number(f.value) + between + number(upper) + after

    return worded


# What a figure's wording writes of a value that is not a number (``format_number``): the
# placeholders of ``wording``.
NUMBER, UPPER = "\x00", "\x01"


def partner_websites(export):
    return lambda i: [f"{p.name}: {p.website}" for p in i.partner_rows if p.website]


def address(export):
    return lambda i: export.url(i.slug)


def last_updated(export):
    return lambda i: i.updated_at.isoformat(timespec="seconds")


INITIATIVE_COLUMNS = [
    Column("slug", _("Identifier (slug)"), Plain("slug"), machine=True),
    Column("title", _("Title"), Translated("title")),
    Column("summary", _("Summary"), Translated("summary")),
    Column("description", _("Description"), Translated("description")),
    Column("lessons_learned", _("Lessons learned"), Translated("lessons_learned")),
    Coded("city", _("City"), CityOf(), code_label=_("City code")),
    Coded("country", _("Country"), CountryOf(), code_label=_("Country code (ISO 3166-1)")),
    Column("place", _("Place"), Translated("place")),
    Column("year_founded", _("Year founded"), Plain("year_founded"), "year", machine=True),
    Column("year_ended", _("Year ended"), Plain("year_ended"), "year", machine=True),
    Coded(
        "programming",
        _("Programming"),
        ChoiceOf("programming", Programming),
        code_label=_("Programming code"),
    ),
    Coded("scale", _("Scale"), ChoiceOf("scale", Scale), code_label=_("Scale code")),
    Coded(
        "themes",
        _("Work themes"),
        Linked("theme_ids", Theme, by_order=True),
        code_label=_("Work theme codes"),
        many=True,
    ),
    Column("partners", _("Partners (roles)"), partner_list(), json=False),
    Column("public_partners", _("Public partners"), partner_list("public"), json=False),
    Column("private_partners", _("Private partners"), partner_list("private"), json=False),
    Column("community_partners", _("Community partners"), partner_list("community"), json=False),
    Column("partner_websites", _("Partner websites"), partner_websites, json=False),
    Coded(
        "funding",
        _("Funding"),
        Linked("funding_ids", Funding),
        code_label=_("Funding codes"),
        many=True,
    ),
    Coded(
        "issues",
        _("Issues addressed"),
        Linked("issue_ids", Issue),
        code_label=_("Issue codes"),
        many=True,
    ),
    Coded(
        "evidence_levels",
        _("Evidence levels of its figures"),
        EvidenceLevels(),
        code_label=_("Evidence level codes"),
        many=True,
    ),
    Coded("activity", _("Activity"), ChoiceOf("activity", Activity), code_label=_("Activity code")),
    Column("last_checked", _("Record last checked"), Plain("last_checked"), "date", machine=True),
    Column("url", _("Address (URL)"), address, machine=True, format="uri"),
    Column("last_updated", _("Last updated"), last_updated, "datetime", machine=True),
]

# One row per partner of an initiative, its roles together, in the order of the case's page.
PARTNER_COLUMNS = [
    Column("initiative", _("Initiative (slug)"), Plain("initiative"), machine=True, json=False),
    Column("slug", _("Partner (slug)"), Plain("slug"), machine=True),
    Column("name", _("Partner"), Plain("name")),
    Coded("sector", _("Sector"), ChoiceOf("sector", Sector), code_label=_("Sector code")),
    Coded("kind", _("Kind of partner"), ChoiceOf("kind", Kind), code_label=_("Kind code")),
    Coded("roles", _("Roles"), ChoicesOf("roles", Role), code_label=_("Role codes"), many=True),
    Column("website", _("Website"), Plain("website"), machine=True, format="uri"),
]

FIGURE_COLUMNS = [
    Column(
        "initiative", _("Initiative (slug)"), Plain("initiative_slug"), machine=True, json=False
    ),
    Column("key", _("Figure (key)"), Plain("key"), machine=True),
    Column("label", _("What was measured"), Translated("label")),
    Column(
        "wording",
        _("Figure as read"),
        wording,
        reads=("value", "value_max", "unit", "qualifier", "direction"),
    ),
    Column("period", _("Period"), Plain("period"), reads=("period_start", "period_end")),
    Coded(
        "kind",
        _("Kind of figure"),
        ChoiceOf("kind", FigureKind),
        code_label=_("Kind of figure code"),
    ),
    Coded(
        "qualifier",
        _("Qualifier"),
        ChoiceOf("qualifier", Qualifier),
        code_label=_("Qualifier code"),
    ),
    Column("value", _("Value"), Plain("value"), "number", machine=True),
    Column("value_max", _("Upper value"), Plain("value_max"), "number", machine=True),
    Coded("unit", _("Unit"), ChoiceOf("unit", Unit), code_label=_("Unit code")),
    Coded(
        "direction",
        _("Direction"),
        ChoiceOf("direction", Direction),
        code_label=_("Direction code"),
    ),
    Column("period_start", _("From year"), Plain("period_start"), "year", machine=True),
    Column("period_end", _("To year"), Plain("period_end"), "year", machine=True),
    Column("note", _("Note"), Translated("note")),
    Coded(
        "evidence_level",
        _("Evidence level"),
        ChoiceOf("evidence_level", EvidenceLevel),
        code_label=_("Evidence level code"),
    ),
    Coded(
        "method",
        _("How it was measured"),
        ChoiceOf("method", MeasurementMethod),
        code_label=_("Measurement method code"),
    ),
    Coded(
        "attribution",
        _("Effect or change"),
        ChoiceOf("attribution", Attribution),
        code_label=_("Effect or change code"),
    ),
    Column("source", _("Source (key)"), Plain("source_key"), machine=True),
    Column("source_locator", _("Section or page of the source"), Translated("source_locator")),
    Column("source_quote", _("Original words"), Plain("source_quote")),
    Column("checked_by", _("Checked by"), Translated("checked_by")),
    Column("checked_on", _("Checked on"), Plain("checked_on"), "date", machine=True),
]

SOURCE_COLUMNS = [
    Column(
        "initiative", _("Initiative (slug)"), Plain("initiative_slug"), machine=True, json=False
    ),
    Column("key", _("Source (key)"), Plain("key"), machine=True),
    Column("title", _("Title"), Translated("title")),
    Column("publisher", _("Publisher"), Plain("publisher")),
    Column("year", _("Year"), Plain("year"), "year", machine=True),
    Column("url", _("Address (URL)"), Plain("url"), machine=True, format="uri"),
    Column("locator", _("Section or page"), Translated("locator")),
]


def headers(columns):
    return [header for column in columns for header in column.headers()]


class Table:
    """A list of columns as one export writes them: a row's CSV cells (``cells(row)``) and its
    JSON object (``json(row)``; ``json_head(row)`` without its closing brace, for more members
    to follow). Each is one expression made for the export that reads and writes every
    column in turn (a column's ``source`` where it has one, else a call of its ``value``): ten
    thousand initiatives with their partners and figures call the columns a million times,
    and a loop over the columns for each row would cost as much again.

    With ``in_sql``, the name of one of the export's tables (see ``Export.tables``), the
    database writes the JSON of each column that reads a field of that table as it is (a
    text, a number, a date or a vocabulary's code), each run of such columns as one text
    (``segments``, SQL that ``Export.tables`` adds to the table's query), and the row reads
    only the fields the other columns need (``reads``)."""

    def __init__(self, columns, export, in_sql=None):
        self.columns = [column.bind(export) for column in columns]
        self.segments, self.reads = [], None
        written_in_sql = {}
        if in_sql is not None:
            export.written_in_sql[in_sql] = self
            written_in_sql = export.json_in_sql(in_sql, self.columns)
            self.reads = set()
            for bound in self.columns:
                if bound.column.json and bound.column.key not in written_in_sql:
                    reads = bound.column.reads or [read_name(bound)]
                    if None in reads:  # a reader of its own that does not say: all of them
                        self.reads = None
                        break
                    self.reads.update(reads)
        namespace = {
            "text_json": encode_basestring,
            "int_json": int.__repr__,
            "DANGEROUS_STARTS": DANGEROUS_STARTS,
        }
        cells, members, segment = [], [], []

        def end_segment():
            if segment:
                name = f"json_sql_{len(self.segments)}"
                self.segments.append((name, " || ', ' || ".join(segment)))
                members.append(f"{{row.{name}}}")
                segment.clear()

        for index, bound in enumerate(self.columns):
            namespace.update(
                {
                    f"read{index}": bound.value,
                    f"cells{index}": bound.cells,
                    f"json{index}": bound.json,
                }
            )
            value = bound.source or f"read{index}(row)"
            if bound.lookup:
                written, member = f"cells{index}[{value}]", f"json{index}[{value}]"
            else:
                written, member = f"cells{index}({value})", f"json{index}({value})"
            # Most values of the other columns are texts, nothing or whole numbers: written
            # here, without a call.
            if bound.cells is cell:
                written = (
                    f'(("\'" + v if v.startswith(DANGEROUS_STARTS) else v) '
                    f"if (v := {value}).__class__ is str else cells{index}(v))"
                )
            if bound.json is json_text:
                member = (
                    f"(text_json(v) if (kind := (v := {value}).__class__) is str "
                    f'else "null" if v is None else int_json(v) if kind is int '
                    f"else json{index}(v))"
                )
            cells.append(written if bound.width == 1 else "*" + written)
            if not bound.column.json:
                continue
            key = encode_basestring(bound.column.key)
            if bound.column.key in written_in_sql:
                segment.append(f"{sql_literal(key + ': ')} || {written_in_sql[bound.column.key]}")
                continue
            end_segment()
            key = key.replace("{", "{{").replace("}", "}}")
            members.append(f"{key}: {{{member}}}")
        end_segment()
        head = "{{" + ", ".join(members)
        exec(  # the source is made above, of the columns' own names
            f"def cells(row):\n    return [{', '.join(cells)}]\n"
            f"def json_head(row):\n    return f{head!r}\n"
            f"def json(row):\n    return f{head + '}}'!r}\n",
            namespace,
        )
        self.cells, self.json_head, self.json = (
            namespace["cells"],
            namespace["json_head"],
            namespace["json"],
        )

    def json_list(self, rows):
        return "[" + ", ".join(map(self.json, rows)) + "]"


def read_name(bound):
    """The row's field that a column reads as it is (``Plain``, ``Translated`` and
    ``ChoiceOf``), else None."""
    value = bound.column.value
    if isinstance(value, (Plain, Translated)) or type(value) is ChoiceOf:
        return value.name
    return None


def sql_literal(text):
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def json_sql(bound, sql, field):
    """SQL that writes the value of the column ``bound`` as ``Table.json`` does, given the
    SQL that reads its field (of ``field``, or a translated text's); None where the column
    is not one the database writes (``Table``'s ``in_sql``). On PostgreSQL: ``to_json``
    escapes a text as Python's JSON does, a decimal is written as ``json_text`` writes it
    (every digit, none after the point that is 0, no exponent), and a vocabulary's code is
    looked up in what Python wrote of each of its values (``Coded``)."""
    value = bound.column.value
    if type(value) is ChoiceOf:
        cases = " ".join(
            f"WHEN {sql_literal(code)} THEN {sql_literal(bound.json[code])}"
            for code in value.choices.values
        )
        unknown = (  # written with its code as its label, as ``choice`` does
            f"CASE WHEN {sql} IS NULL OR {sql} = '' THEN 'null' ELSE "
            f"""'{{"code": ' || to_json({sql})::text || ', "label": ' """
            f"|| to_json({sql})::text || '}}' END"
        )
        return f"CASE {sql} {cases} ELSE {unknown} END"
    if isinstance(value, Translated):
        return f"to_json({sql})::text"
    if not isinstance(value, Plain) or field is None:
        return None
    kind = field.get_internal_type()
    if kind in ("CharField", "TextField", "SlugField", "URLField", "DateField"):
        return f"COALESCE(to_json({sql})::text, 'null')"
    if kind in ("IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField"):
        return f"COALESCE(CAST({sql} AS TEXT), 'null')"
    if kind == "DecimalField":
        return f"COALESCE(CAST(trim_scale({sql}) AS TEXT), 'null')"
    return None


# Reading the rows ---------------------------------------------------------------------------

# Rows read from the database at a time (on PostgreSQL, a FETCH of a server-side cursor).
CHUNK = 2000
# The tables read by threads of their own, each on a connection of its own (see ``ReadAhead``)
# where ``Export.reads_ahead``: on PostgreSQL the database works on them, in processes of its
# own, while the request's thread writes the files; the sources, a few rows, are read by the
# request's thread.
READ_AHEAD = ("initiatives", "partnerships", "figures")
# On PostgreSQL the server sorts each query's rows (and, for a cursor kept past its transaction,
# WITH HOLD, keeps them all) in memory up to work_mem and past it in a temporary file that each
# chunk is read back from: with the server's default (4 MB) the rows of ten thousand
# initiatives take that detour. An export asks for this much for each query while it
# sends them (at most five at once), then gives it back.
WORK_MEM = "16MB"
# About how many characters of a file are sent at a time: a few hundred kilobytes in memory,
# not the thousands of rows of a chunk.
PIECE = 256 * 1024


def row_class(name, fields, *bases, **namespace):
    """The class of a table's rows: tuples of ``fields`` that read as attributes
    (``row.title_es``), not model instances, so that thousands cost little. A row takes
    attributes of its own as well (an initiative, its partners and figures)."""
    return type(name, (*bases, collections.namedtuple(name, fields)), namespace)


class Wording:
    """A figure's row, worded by the model itself (``worded``, ``period``) with the labels of
    the export's language (see ``Export.figure_displays``)."""

    worded = Figure.worded
    period = Figure.period


def shown(attname, labels):
    """A ``get_<field>_display`` that reads ``labels``: Django's own builds and translates
    the field's whole list of choices at each call, several times per figure."""
    read = attrgetter(attname)

    def display(row):
        value = read(row)
        return labels.get(value, value)

    return display


# A partner of an initiative, its roles together.
PartnerRow = collections.namedtuple(
    "PartnerRow", ["initiative", "slug", "name", "sector", "kind", "roles", "website"]
)


class Choices(dict):
    """The (code, label) pair of each value of a TextChoices, in the export's language."""

    def __init__(self, choices):
        super().__init__((value, choice(choices, value)) for value in choices.values)
        self.choices = choices

    def __missing__(self, value):
        return choice(self.choices, value)


class Export:
    """One export's initiatives, with the themes, fundings, issues, partners, figures and
    sources its files need, read in a constant number of queries however many there are: the
    keys of the filtered, ordered list first, then one query per table for all of them, each
    in the list's order (the keys go along as one parameter with their positions), read a
    chunk at a time and merged as they stream, so memory stays flat and the first byte early.
    Vocabularies, labels and addresses are worked out once per export."""

    def __init__(self, initiatives, request, partners=True, figures=True, sources=True):
        self.initiatives = initiatives
        self.connection = connections[initiatives.db]
        self.language = get_language()
        self.with_partners, self.with_figures, self.with_sources = partners, figures, sources
        self.countries = {}
        self.choices = {}
        self.vocabularies, self.orders = {}, {}
        self.written_in_sql = {}  # tables by name, see ``Table``
        placeholder = "initiative-slug-placeholder"
        self.url_parts = (
            request.build_absolute_uri(reverse("casebook:detail", kwargs={"slug": placeholder}))
        ).split(placeholder)

    # What the columns read once per export.

    def url(self, slug):
        before, after = self.url_parts
        return before + slug + after

    def pairs(self, choices):
        if choices not in self.choices:
            self.choices[choices] = Choices(choices)
        return self.choices[choices]

    def country_name(self, code):
        if code not in self.countries:
            self.countries[code] = str(Country(code).name) if code else ""
        return self.countries[code]

    def vocabulary(self, model):
        """(slug, name in the export's language) of each of ``model``'s rows, by key; of an
        ordered vocabulary (the themes), its order as well (``orders``)."""
        if model not in self.vocabularies:
            ordered = any(field.name == "order" for field in model._meta.concrete_fields)
            fields = ["pk", "slug", "name_es", "name_en"] + (["order"] if ordered else [])
            rows = list(model.objects.values_list(*fields))
            self.vocabularies[model] = {
                row[0]: (row[1], in_language(row[2], row[3], self.language)) for row in rows
            }
            if ordered:
                self.orders[model] = {row[0]: row[4] for row in rows}
        return self.vocabularies[model]

    def named_partners(self, initiative):
        """Its partners as the CSV names them, “SulAmérica (funder, in-kind supporter)”, all
        (under None) and by sector: worked out once for the columns that list them."""
        named = initiative.__dict__.get("named_partners")
        if named is None:
            labels = self.pairs(Role)
            named = initiative.named_partners = {None: []}
            for partner in initiative.partner_rows:
                roles = ", ".join([labels[role][1] for role in partner.roles])
                text = f"{partner.name} ({roles})"
                named[None].append(text)
                named.setdefault(partner.sector, []).append(text)
        return named

    def figure_displays(self):
        """A figure's ``get_<field>_display()`` for each field with choices."""
        return {
            f"get_{field.attname}_display": shown(
                field.attname, {value: str(label) for value, label in field.flatchoices}
            )
            for field in Figure._meta.concrete_fields
            if field.choices
        }

    # The rows.

    def __iter__(self):
        keys = self.keys()
        wanted = {
            "initiatives": True,
            "partnerships": self.with_partners,
            "figures": self.with_figures,
            "sources": self.with_sources,
        }
        tables = {name: query for name, query in self.tables().items() if wanted[name]}
        with contextlib.ExitStack() as stack:
            streams = {}
            if self.reads_ahead:
                for name in READ_AHEAD:
                    if name in tables:
                        fields, sql = tables[name]
                        try:
                            rows = stack.enter_context(ReadAhead(self, sql, keys, fields))
                        except DatabaseError:  # no connection to spare: read on its own
                            continue
                        streams[name] = (fields, rows)
                        del tables[name]
            with self.working_memory():
                for name, (fields, sql) in tables.items():
                    # Every query is sent before the first row is read, with its cursor.
                    cursor = stack.enter_context(self.cursor())
                    streams[name] = (fields, self.fetched(cursor, sql, keys, fields))
            yield from self.merged(streams)

    def keys(self):
        """The keys of the initiatives, in their order, read by a cursor of its own: the
        translation layer's ``values_list`` makes a dictionary of each row first."""
        query = self.initiatives.values_list("pk").query
        try:
            sql, parameters = query.get_compiler(self.initiatives.db).as_sql()
        except EmptyResultSet:
            return []
        with self.connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            return [key for (key,) in cursor.fetchall()]

    @property
    def reads_ahead(self):
        """Whether ``READ_AHEAD``'s tables are read by threads of their own: on PostgreSQL,
        with server-side cursors, outside a transaction (whose rows no other connection
        sees)."""
        connection = self.connection
        return (
            connection.vendor == "postgresql"
            and self.server_side
            and not connection.in_atomic_block
        )

    @contextlib.contextmanager
    def working_memory(self, connection=None):
        """On PostgreSQL, while the queries are sent, as much memory for each as ``WORK_MEM``
        (see there), on the export's connection or on ``connection``."""
        connection = connection or self.connection
        if connection.vendor != "postgresql" or not self.server_side:
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, false)", [WORK_MEM])
            try:
                yield
            finally:
                with contextlib.suppress(DatabaseError):
                    cursor.execute("RESET work_mem")

    def merged(self, streams):
        """The initiatives with what each of the other streams has of them. Every stream comes
        in the order of the initiatives (each row's first value is its initiative's
        position), so each only moves forward."""

        def names(table, *more):
            return ["position", *(name for name, _sql, _field in streams[table][0]), *more]

        # The initiative's own fields, then its city's (under names of their own) and its links'.
        initiative_names = names("initiatives")[:-2] + ["city_slug", "city_name"]
        initiative_names += ["theme_ids", "funding_ids", "issue_ids"]
        make_initiative = partial(tuple.__new__, row_class("InitiativeRow", initiative_names))
        nothing = Following(iter(()))
        partnerships = (
            Following(streams["partnerships"][1]) if "partnerships" in streams else nothing
        )
        figures, sources = nothing, nothing
        if "figures" in streams:
            figures = Following(streams["figures"][1])
            figure_row = row_class(
                "FigureRow",
                names("figures")[:-1] + ["source_key", "initiative_slug"],
                Wording,
                **self.figure_displays(),
            )
        if "sources" in streams:
            sources = Following(streams["sources"][1])
            source_row = row_class("SourceRow", names("sources", "initiative_slug"))
        new = tuple.__new__
        for values in streams["initiatives"][1]:
            initiative = make_initiative(values)
            position, slug = initiative.position, initiative.slug
            initiative.partner_rows = self.partners(slug, partnerships.rows_of(position))
            initiative.figure_rows = [
                new(figure_row, (*row, slug)) for row in figures.rows_of(position)
            ]
            initiative.source_rows = [
                new(source_row, (*row, slug)) for row in sources.rows_of(position)
            ]
            yield initiative

    @staticmethod
    def partners(initiative, partnerships):
        """Each partner once (by its slug), with its roles together, in the order of its first
        partnership (the order of the case's page, see ``tables``)."""
        by_partner = {}
        for _position, slug, name, sector, kind, website, role in partnerships:
            partner = by_partner.get(slug)
            if partner is None:
                by_partner[slug] = PartnerRow(initiative, slug, name, sector, kind, [role], website)
            elif role not in partner.roles:
                partner.roles.append(role)
        return list(by_partner.values())

    # The queries: each a table's rows for the initiatives of ``keys``, in their order.

    # The tables whose JSON the database can write (``Table``'s ``in_sql``): their alias in
    # the SQL of ``tables`` and their model.
    WRITTEN_IN_SQL = {"figures": ("f", Figure)}

    def json_in_sql(self, name, bounds):
        """For ``Table``: the SQL that writes the JSON of each of ``bounds`` (columns of the
        table ``name``) that the database writes, by its column's key. On PostgreSQL, which
        writes it in a process of its own while this one writes the rest; elsewhere none."""
        if self.connection.vendor != "postgresql":
            return {}
        alias, model = self.WRITTEN_IN_SQL[name]
        own = set(own_fields(model))
        written = {}
        for bound in bounds:
            field_name = read_name(bound)
            if bound.column.json and field_name in own:
                ((_name, sql, field),) = self.fields(alias, model, [field_name])
                found = json_sql(bound, sql, field)
                if found is not None:
                    written[bound.column.key] = found
        return written

    def column(self, alias, model, name):
        quote = self.connection.ops.quote_name
        return f"{alias}.{quote(model._meta.get_field(name).column)}"

    def fields(self, alias, model, names):
        """What a row reads of ``model``: (its name in the row, its SQL, the field whose
        conversion its value takes, if any). A translated text is read once, in the
        export's language, else in the other, else "": as the pages show it."""
        column = self.column
        read = []
        for name in names:
            field = model._meta.get_field(name)
            if name in translated_fields(model):
                first, second = (
                    (f"{name}_en", f"{name}_es")
                    if self.language == "en"
                    else (f"{name}_es", f"{name}_en")
                )
                sql = (
                    f"COALESCE(NULLIF({column(alias, model, first)}, ''), "
                    f"{column(alias, model, second)}, '')"
                )
                read.append((name, sql, None))
            else:
                sql = column(alias, model, name)
                if sqlite_reading(field, self.connection) is not None:
                    sql = f"CAST({sql} AS TEXT)"  # as stored, for sqlite_reading
                read.append((field.attname, sql, field))
        return read

    def tables(self):
        """Each table the export reads: its fields (model fields, by the alias of their table
        in the SQL) and its SQL, whose first column is the position of the row's initiative
        and whose rows are in the order of the positions. A table whose JSON the database
        writes (``written_in_sql``) reads that JSON and only the fields the rest needs."""
        quote = self.connection.ops.quote_name
        column, fields = self.column, self.fields

        def table(model, alias):
            return f"{quote(model._meta.db_table)} {alias}"

        def select(selected, rest, more=()):
            columns = ", ".join([*(sql for _name, sql, _field in selected), *more])
            return selected, f"SELECT o.position, {columns} FROM export_order o {rest}"

        # The keys of its themes, fundings and issues, each as one text: "3,1,5" (in no
        # particular order, which the columns set).
        links = [
            f"(SELECT {self.joined(column('l', link, target))} FROM {table(link, 'l')} "
            f"WHERE {column('l', link, 'initiative')} = {column('i', Initiative, 'id')})"
            for link, target in (
                (ThemeLink, "theme"),
                (FundingLink, "funding"),
                (IssueLink, "issue"),
            )
        ]
        return {
            "initiatives": select(
                fields("i", Initiative, own_fields(Initiative, INITIATIVE_UNREAD))
                + fields("c", City, ["slug", "name"]),
                f"JOIN {table(Initiative, 'i')} ON {column('i', Initiative, 'id')} = o.id "
                f"LEFT JOIN {table(City, 'c')} "
                f"ON {column('c', City, 'id')} = {column('i', Initiative, 'city')} "
                "ORDER BY o.position",
                links,
            ),
            "partnerships": select(
                fields("pa", Partner, ["slug", "name", "sector", "kind", "website"])
                + fields("p", Partnership, ["role"]),
                f"JOIN {table(Partnership, 'p')} "
                f"ON {column('p', Partnership, 'initiative')} = o.id "
                f"JOIN {table(Partner, 'pa')} "
                f"ON {column('pa', Partner, 'id')} = {column('p', Partnership, 'partner')} "
                # As the case's page orders them: by sector (public, private, community), then
                # as the partnerships are ordered (without the translation layer's fallback).
                f"ORDER BY o.position, {sector_rank(column('pa', Partner, 'sector'))}, "
                f"{column('p', Partnership, 'order')}, "
                f"{column('pa', Partner, f'name_{self.language}')}, "
                f"{column('p', Partnership, 'id')}",
            ),
            "figures": select(
                self.figure_fields() + fields("s", Source, ["key"]),
                f"JOIN {table(Figure, 'f')} ON {column('f', Figure, 'initiative')} = o.id "
                f"LEFT JOIN {table(Source, 's')} "
                f"ON {column('s', Source, 'id')} = {column('f', Figure, 'source')} "
                f"ORDER BY o.position, {column('f', Figure, 'order')}, "
                f"{column('f', Figure, 'id')}",
            ),
            "sources": select(
                fields("s", Source, own_fields(Source, SOURCE_UNREAD)),
                f"JOIN {table(Source, 's')} ON {column('s', Source, 'initiative')} = o.id "
                f"ORDER BY o.position, {column('s', Source, 'order')}, "
                f"{column('s', Source, 'id')}",
            ),
        }

    def figure_fields(self):
        """What the export reads of each figure: every field the files show, or, where the
        database writes the figures' JSON, that JSON and the fields of the columns that it
        does not write."""
        alias, model = self.WRITTEN_IN_SQL["figures"]
        names = own_fields(model, FIGURE_UNREAD)
        table = self.written_in_sql.get("figures")
        if table is None:
            return self.fields(alias, model, names)
        if table.reads is not None:
            names = [name for name in names if name in table.reads]
        read = self.fields(alias, model, names)
        return read + [(name, sql, None) for name, sql in table.segments]

    @property
    def server_side(self):
        return not self.connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")

    @contextlib.contextmanager
    def cursor(self, connection=None):
        """A cursor (of the export's connection, or of ``connection``) that reads a chunk of
        rows at a time: on PostgreSQL, the server keeps the rest (a server-side cursor), unless
        the settings turn those off. Closed at the end, or when the export stops early; a
        connection already lost has nothing to close, and the error that lost it is the one
        that counts."""
        connection = connection or self.connection
        cursor = connection.chunked_cursor() if self.server_side else connection.cursor()
        if connection.vendor == "postgresql":
            quick_timestamps(cursor.cursor)
        try:
            yield cursor
        finally:
            with contextlib.suppress(DatabaseError):
                cursor.close()

    def joined(self, column):
        """SQL of the values of ``column`` (keys) in one text, joined by commas."""
        if self.connection.vendor == "postgresql":
            return f"string_agg(CAST({column} AS TEXT), ',')"
        return f"group_concat({column}, ',')"

    def in_order(self, keys):
        """SQL of a table ``export_order (id, position)`` of ``keys``, with its parameters:
        the keys go as one parameter, an array or a JSON list."""
        if self.connection.vendor == "postgresql":
            return (
                "SELECT key AS id, position "
                "FROM unnest(%s::bigint[]) WITH ORDINALITY AS keys (key, position)",
                ["{" + ",".join(map(str, keys)) + "}"],
            )
        return "SELECT value AS id, key AS position FROM json_each(%s)", [json.dumps(keys)]

    def fetched(self, cursor, sql, keys, fields):
        """The rows of ``sql`` for ``keys``, read by ``cursor``."""
        return itertools.chain.from_iterable(self.chunks(cursor, sql, keys, fields))

    def chunks(self, cursor, sql, keys, fields):
        """The rows of ``sql`` for ``keys``, read by ``cursor`` a chunk at a time (lists of
        rows), each value of ``fields`` converted as Django converts it (dates and decimals on
        SQLite)."""
        order, parameters = self.in_order(keys)
        cursor.execute(f"WITH export_order (id, position) AS ({order}) {sql}", parameters)
        connection = cursor.db
        converters = []
        for index, (_name, _sql, field) in enumerate(fields, start=1):
            if field is None:
                continue
            column = field.get_col(field.model._meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            quick = sqlite_reading(field, connection) if found else None
            if quick is not None:
                found = [] if quick is ISO_TEXT else [quick]
            if found:
                converters.append((index, converting(found, column, connection)))

        chunks = iter(partial(cursor.fetchmany, CHUNK), [])
        if not converters:
            return chunks

        def converted(row):
            row = list(row)
            for index, convert in converters:
                row[index] = convert(row[index])
            return row

        return (list(map(converted, chunk)) for chunk in chunks)


class ReadAhead:
    """The rows of one of an export's queries (``Export.chunks``), read by a thread of its own
    on a database connection of its own, at most ``AHEAD`` chunks ahead of the request's
    thread: the database sorts and sends them, and the driver reads them, while the request's
    thread reads its own query and writes what came before. As a context manager it connects
    (a refused connection is raised there, before anything was read: the export then reads the
    table itself), starts the thread and gives the rows; leaving it stops the thread (and
    cancels a statement it still waits on: a download stopped early leaves no work behind),
    which closes its cursor and its connection. An error of the thread's is raised where the
    rows are read.

    The thread's connection runs the statement wrappers of the export's connection at the
    time (those that count a request's statements count these too), and its rows are what
    was committed when its query was sent, as each of an export's queries already reads."""

    AHEAD = 2
    DONE = object()

    def __init__(self, export, sql, keys, fields):
        self.export, self.sql, self.keys, self.fields = export, sql, keys, fields
        self.connection = connections.create_connection(export.initiatives.db)
        # Its statements count as the request's own.
        self.connection.execute_wrappers.extend(export.connection.execute_wrappers)
        self.chunks = queue.Queue(maxsize=self.AHEAD)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.read, name="export-read-ahead", daemon=True)

    def __enter__(self):
        self.connection.inc_thread_sharing()  # connected here, used and closed by the thread
        try:
            self.connection.ensure_connection()
        except BaseException:
            self.connection.close()
            self.connection.dec_thread_sharing()
            raise
        self.thread.start()
        return self.rows()

    def __exit__(self, *exc_info):
        self.stopping.set()
        if self.thread.is_alive():  # a statement still running is cancelled
            with contextlib.suppress(Exception):
                self.connection.connection.cancel_safe(timeout=1)
        while self.thread.is_alive():  # a chunk waiting for room is let go
            with contextlib.suppress(queue.Empty):
                self.chunks.get_nowait()
            self.thread.join(0.05)

    def rows(self):
        while (chunk := self.chunks.get()) is not self.DONE:
            if isinstance(chunk, BaseException):
                raise chunk
            yield from chunk

    def read(self):
        export, connection = self.export, self.connection
        try:
            # In a transaction of its own, the cursor is not kept past it (WITH HOLD, which
            # works out every row before the first is sent): PostgreSQL sorts the rows, then
            # works out the rest of each row (its JSON, its links) as it is fetched.
            connection.set_autocommit(False)
            with export.working_memory(connection), export.cursor(connection) as cursor:
                for chunk in export.chunks(cursor, self.sql, self.keys, self.fields):
                    if not self.put(chunk):
                        return
            self.put(self.DONE)
        except BaseException as error:  # raised where the rows are read
            self.put(error)
        finally:
            connection.close()
            connection.dec_thread_sharing()

    def put(self, item):
        """``item`` into the queue once it has room, unless the export stops meanwhile."""
        while not self.stopping.is_set():
            with contextlib.suppress(queue.Full):
                self.chunks.put(item, timeout=0.1)
                return True
        return False


def quick_timestamps(cursor):
    """psycopg's own reading of a timestamp with a time zone, written in C, for this cursor,
    instead of the one Django registers for its connections, written in Python and several
    times slower: the same instant, in the session's time zone, which is Django's."""
    import psycopg
    from psycopg.pq import Format

    oid = psycopg.postgres.types["timestamptz"].oid
    cursor.adapters.register_loader(oid, psycopg.adapters.get_loader(oid, Format.TEXT))


# A date kept as it is stored (see ``sqlite_reading``).
ISO_TEXT = object()


def sqlite_reading(field, connection):
    """On SQLite, what Django makes of a date or a timestamp (parsed by a converter of the
    driver's, then by one of its own), made sooner from the ISO text SQLite keeps, read as
    text (``CAST``, which the driver leaves alone). A date stays that text, ``2026-12-01``:
    every file writes a date as just that. A timestamp is read by ``datetime.fromisoformat``,
    in the connection's time zone unless the text has one, as Django reads it. ``ISO_TEXT``
    for a date, a converter for a timestamp, None for anything else, or on other
    databases."""
    if connection.vendor != "sqlite":
        return None
    kind = field.get_internal_type()
    if kind == "DateField":
        return ISO_TEXT
    if kind == "DateTimeField" and settings.USE_TZ:
        zone = connection.timezone

        def timestamp(value, expression, connection):
            if value is None:
                return None
            value = datetime.datetime.fromisoformat(value)
            return value if value.tzinfo else value.replace(tzinfo=zone)

        return timestamp
    return None


def converting(functions, column, connection):
    """A value of ``column`` as Django's ``functions`` (its converters) make it."""
    if len(functions) == 1:
        function = functions[0]
        return lambda value: function(value, column, connection)

    def convert(value):
        for function in functions:
            value = function(value, column, connection)
        return value

    return convert


# What no column shows, left unread: of an initiative, its key (the rows go by position), its
# city's key (its city is read from its own table), search text, notes, workflow and the sets
# the list filters by; of a figure or a source, its keys and its place in the list (the rows
# come in order).
INITIATIVE_UNREAD = {
    "id",
    "city",
    "search_document",
    "source_note",
    "review_comment",
    "status",
    "submitted_by",
    "version",
    "is_demo",
    "is_programming_example",
    "created_at",
    "published_at",
    "month_founded",
    "reach_countries",
    "sort_title_es",
    "sort_title_en",
    "partner_sectors",
    "partner_kinds",
    "figure_methods",
}
FIGURE_UNREAD = {"id", "initiative", "order", "source", "source_quote_language"}
SOURCE_UNREAD = {"id", "initiative", "order"}


def sector_rank(column):
    """SQL of the rank of the sector in ``column``: public, private, community, then any other."""
    ranks = " ".join(
        "WHEN '{}' THEN {}".format(sector.replace("'", "''"), rank)
        for rank, sector in enumerate(Sector.values)
    )
    return f"CASE {column} {ranks} ELSE {len(Sector.values)} END"


def own_fields(model, leave_out=()):
    """Every field of ``model`` but those named in ``leave_out``, a translated text by its
    own name (``title``, which ``Export.tables`` reads in one language), not by its
    languages' (``title_es``, ``title_en``)."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if not hasattr(f, "translated_field") and f.name not in leave_out
    ]


@functools.cache
def translated_fields(model):
    """The names of ``model``'s translated texts: ``title`` of ``title_es`` and ``title_en``."""
    return {
        f.translated_field.name
        for f in model._meta.concrete_fields
        if hasattr(f, "translated_field")
    }


class Following:
    """A stream of rows in the order of the initiatives, whose first value is the position
    of the row's initiative, read one initiative at a time."""

    def __init__(self, rows):
        self.groups = ((at, list(group)) for at, group in itertools.groupby(rows, itemgetter(0)))
        self.ahead = next(self.groups, None)

    def rows_of(self, position):
        ahead = self.ahead
        while ahead is not None and ahead[0] < position:
            ahead = next(self.groups, None)
        if ahead is not None and ahead[0] == position:
            self.ahead = next(self.groups, None)
            return ahead[1]
        self.ahead = ahead
        return []


# Responses ---------------------------------------------------------------------------------


FILE_WORDS = {
    "q": lambda: pgettext("file name", "search"),
    "theme": lambda: pgettext("file name", "theme"),
    "sector": lambda: pgettext("file name", "sector"),
    "kind": lambda: pgettext("file name", "kind"),
    "programming": lambda: pgettext("file name", "programming"),
    "funding": lambda: pgettext("file name", "funding"),
    "issue": lambda: pgettext("file name", "issue"),
    "scale": lambda: pgettext("file name", "scale"),
    "country": lambda: pgettext("file name", "country"),
    "city": lambda: pgettext("file name", "city"),
    "year_from": lambda: pgettext("file name", "from"),
    "year_to": lambda: pgettext("file name", "until"),
}
MAX_FILTER_PART = 80


def filter_words(filterset):
    """What was filtered, as words of the reader's language: ["tema", "educacion", …]."""
    if not filterset.is_bound or not filterset.form.is_valid():
        return []
    words = []
    for name, filter_ in filterset.filters.items():
        if name == filterset.SORT:
            continue
        value = filterset.form.cleaned_data.get(name)
        if value in (None, "", [], ()):
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        if name == "country":  # every country of the world: named one by one
            labels = {code: Country(code).name for code in values}
        else:
            labels = dict(getattr(filterset.form.fields[name], "choices", ()))
        names = []
        for item in values:
            if isinstance(item, Decimal):
                item = number_text(item)
            names.append(str(labels.get(item, item)))
        word = FILE_WORDS.get(name)
        words.append(word() if word else str(filter_.label))
        words.extend(names)
    return words


def filename(kind, extension, filterset=None):
    """``ppci-casos-tema-educacion-2026-12-01.csv``: what it holds, what was filtered and
    the day, in safe ASCII of bounded length."""
    kinds = {"cases": pgettext("file name", "cases"), "figures": pgettext("file name", "figures")}
    part = slugify(" ".join(filter_words(filterset))) if filterset is not None else ""
    if len(part) > MAX_FILTER_PART:
        part = part[:MAX_FILTER_PART].rsplit("-", 1)[0]
    name = "-".join(filter(None, ["ppci", slugify(kinds[kind]), part]))
    return f"{name}-{timezone.localdate().isoformat()}.{extension}"


def link_header(request):
    described = request.build_absolute_uri(reverse("casebook:datapackage"))
    return f'<{LICENSE["path"]}>; rel="license", <{described}>; rel="describedby"'


def finish(response, request, name, disposition="attachment"):
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["Link"] = link_header(request)
    response["Content-Language"] = get_language()
    return response


def csv_lines(columns, rows_of):
    """The CSV file: its header first (before any row is read), then its rows, written into
    one buffer and sent a piece at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers(columns))
    yield "\ufeff" + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for cells in rows_of():
        writer.writerow(cells)
        if buffer.tell() >= PIECE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def csv_response(initiatives, request, filterset=None):
    def rows():  # read when the download starts
        export = Export(initiatives, request, figures=False, sources=False)
        table = Table(INITIATIVE_COLUMNS, export)
        return map(table.cells, export)

    response = StreamingHttpResponse(
        csv_lines(INITIATIVE_COLUMNS, rows), content_type="text/csv; charset=utf-8"
    )
    return finish(response, request, filename("cases", "csv", filterset))


def figures_csv_response(initiatives, request, filterset=None):
    def rows():
        export = Export(initiatives, request, partners=False, sources=False)
        table = Table(FIGURE_COLUMNS, export)
        for initiative in export:
            yield from map(table.cells, initiative.figure_rows)

    response = StreamingHttpResponse(
        csv_lines(FIGURE_COLUMNS, rows), content_type="text/csv; charset=utf-8"
    )
    return finish(response, request, filename("figures", "csv", filterset))


def json_response(initiatives, request, filterset=None):
    def pieces():
        head = {
            "language": get_language(),
            "license": {**LICENSE, "attribution": license_text()},
            "sources": [briefing_paper()],
            "described_by": request.build_absolute_uri(reverse("casebook:datapackage")),
        }
        yield json.dumps(head, ensure_ascii=False)[:-1] + ', "results": ['
        export = Export(initiatives, request)
        cases, partners, sources = (
            Table(columns, export)
            for columns in (INITIATIVE_COLUMNS, PARTNER_COLUMNS, SOURCE_COLUMNS)
        )
        figures = Table(FIGURE_COLUMNS, export, in_sql="figures")
        piece, size, separator = [], 0, ""
        for initiative in export:
            head = cases.json_head(initiative)
            nested = (
                partners.json_list(initiative.partner_rows),
                figures.json_list(initiative.figure_rows),
                sources.json_list(initiative.source_rows),
            )
            piece += (separator, head, ', "partners": ', nested[0], ', "figures": ', nested[1])
            piece += (', "sources": ', nested[2], "}")
            separator = ","
            size += len(head) + len(nested[0]) + len(nested[1]) + len(nested[2])
            if size >= PIECE:
                yield "".join(piece)
                piece, size = [], 0
        yield "".join(piece) + "]}"

    response = StreamingHttpResponse(pieces(), content_type="application/json; charset=utf-8")
    return finish(response, request, filename("cases", "json", filterset), "inline")


def sheet_names():
    """The workbook's sheets, in the reader's language, with their columns."""
    return [
        (pgettext("sheet", "initiatives"), INITIATIVE_COLUMNS, "initiatives"),
        (pgettext("sheet", "partners"), PARTNER_COLUMNS, "partners"),
        (pgettext("sheet", "figures"), FIGURE_COLUMNS, "figures"),
        (pgettext("sheet", "sources"), SOURCE_COLUMNS, "sources"),
    ]


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# A workbook is built whole before its first byte leaves (a zip of XML files), at a few
# milliseconds per initiative: past this many the request would outlast a worker's patience.
XLSX_MAX_INITIATIVES = 2000


def xlsx_response(initiatives, request, filterset=None):
    """One sheet per table and one for the licence. openpyxl's write-only mode keeps each
    sheet's rows in a file on disk, so memory stays flat; the finished file is then sent in
    pieces."""
    count = initiatives.count()
    if count > XLSX_MAX_INITIATIVES:
        return bad_request(
            [
                gettext(
                    "The Excel workbook holds at most %(limit)s initiatives and this list has "
                    "%(count)s: filter the list further, or take the CSV files, which have no "
                    "limit."
                )
                % {"limit": number_format(XLSX_MAX_INITIATIVES), "count": number_format(count)}
            ]
        )

    def chunks():
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        workbook = Workbook(write_only=True)
        workbook.properties.title = gettext("PPCI Case Book: initiatives")
        workbook.properties.creator = gettext("PPCI Case Book")
        workbook.properties.language = get_language()
        workbook.properties.description = license_text() + " " + LICENSE["path"]
        workbook.properties.keywords = LICENSE["name"]
        sheets = [
            (workbook.create_sheet(name), columns, table) for name, columns, table in sheet_names()
        ]

        def written(sheet, values):
            # Every text went through neutralise(): none starts with "=", so openpyxl writes
            # each as text, never as a formula. Control characters have no place in a sheet.
            return [
                ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
                for value in values
            ]

        def typed(table, row):
            values = []
            for column in table.columns:
                kind, raw = column.column, column.value(row)
                if kind.type in ("number", "year") and raw is not None:
                    values.append(json_value(raw))
                elif isinstance(kind, Coded):
                    values.extend(kind.as_cells(raw))
                else:
                    values.append(cell(raw))
            return values

        for sheet, columns, _table in sheets:
            sheet.append(written(sheet, headers(columns)))
        export = Export(initiatives, request)
        by_table = {table: (sheet, Table(columns, export)) for sheet, columns, table in sheets}
        for initiative in export:
            for table, rows in (
                ("initiatives", [initiative]),
                ("partners", initiative.partner_rows),
                ("figures", initiative.figure_rows),
                ("sources", initiative.source_rows),
            ):
                sheet, columns = by_table[table]
                for row in rows:
                    sheet.append(written(sheet, typed(columns, row)))
        licence = workbook.create_sheet(pgettext("sheet", "licence"))
        for values in (
            [gettext("Licence"), LICENSE["title"]],
            [gettext("Licence address"), LICENSE["path"]],
            [gettext("Terms"), license_text()],
            [gettext("Source"), briefing_paper()["title"]],
            [
                gettext("Description of the columns"),
                request.build_absolute_uri(reverse("casebook:datapackage")),
            ],
        ):
            licence.append(written(licence, values))
        with tempfile.TemporaryFile() as file:
            workbook.save(file)
            file.seek(0)
            while piece := file.read(64 * 1024):
                yield piece

    response = StreamingHttpResponse(chunks(), content_type=XLSX_TYPE)
    return finish(response, request, filename("cases", "xlsx", filterset))


def bad_request(problems):
    body = "\n".join(str(problem) for problem in problems)
    return HttpResponse(body + "\n", status=400, content_type="text/plain; charset=utf-8")


# The description of the exports: datapackage.json and the list page's Dataset markup -------


def resources(request):
    """Every export, with its address, format and (for tables) its columns."""
    url = request.build_absolute_uri
    tables = [
        (
            "initiatives",
            "casebook:export-csv",
            "csv",
            "text/csv",
            INITIATIVE_COLUMNS,
            gettext("The initiatives, one row each (CSV)"),
        ),
        (
            "figures",
            "casebook:export-figures-csv",
            "csv",
            "text/csv",
            FIGURE_COLUMNS,
            gettext("The figures of the initiatives, one row each (CSV)"),
        ),
    ]
    found = []
    for name, route, extension, media, columns, title in tables:
        found.append(
            {
                "name": name,
                "title": title,
                "path": url(reverse(route)),
                "format": extension,
                "mediatype": media,
                "encoding": "utf-8-sig",
                "schema": {"fields": [f for column in columns for f in column.fields()]},
            }
        )
    for name, columns, table in sheet_names():
        found.append(
            {
                "name": f"workbook-{table}",
                "title": gettext("Workbook sheet “%(sheet)s” (Excel)") % {"sheet": name},
                "path": url(reverse("casebook:export-xlsx")),
                "format": "xlsx",
                "mediatype": XLSX_TYPE,
                "dialect": {"excel": {"sheet": name}},
                "schema": {"fields": [f for column in columns for f in column.fields()]},
            }
        )
    found.append(
        {
            "name": "initiatives-json",
            "title": gettext(
                "The initiatives with their partners, figures and sources, nested (JSON)"
            ),
            "path": url(reverse("casebook:export-json")),
            "format": "json",
            "mediatype": "application/json",
            "type": "json",
        }
    )
    return found


def datapackage(request):
    language = get_language()
    return {
        "profile": "data-package",
        "name": f"ppci-case-book-{language}",
        "title": gettext("PPCI Case Book: public-private community initiatives"),
        "description": dataset_description(),
        "homepage": request.build_absolute_uri(reverse("casebook:list")),
        "language": language,
        "licenses": [LICENSE],
        "sources": [briefing_paper()],
        "created": timezone.now().isoformat(timespec="seconds"),
        "resources": resources(request),
    }


def datapackage_response(request):
    response = HttpResponse(
        json.dumps(datapackage(request), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    return finish(response, request, f"ppci-datapackage-{get_language()}.json", "inline")


def dataset_description():
    return gettext(
        "Public-private community initiatives that cities ran against violence, extremism and "
        "exclusion: who took part and in what role, the work themes, funding, figures, lessons "
        "learned and sources, from the Strong Cities Network's briefing paper."
    )


def dataset_jsonld(request, keywords=()):
    """The schema.org ``Dataset`` of the case book, with a ``DataDownload`` per export."""
    url = request.build_absolute_uri
    downloads = [
        ("casebook:export-csv", "text/csv", gettext("The initiatives (CSV)")),
        ("casebook:export-figures-csv", "text/csv", gettext("The figures (CSV)")),
        ("casebook:export-xlsx", XLSX_TYPE, gettext("Workbook (Excel)")),
        ("casebook:export-json", "application/json", gettext("The initiatives (JSON)")),
        ("casebook:datapackage", "application/json", gettext("Description of the columns")),
    ]
    return {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": gettext("PPCI Case Book: public-private community initiatives"),
        "description": dataset_description(),
        "url": url(reverse("casebook:list")),
        "license": LICENSE["path"],
        "isAccessibleForFree": True,
        "inLanguage": get_language(),
        "keywords": [*keywords, "PPCI", "Strong Cities Network"],
        "creator": {
            "@type": "Organization",
            "name": gettext("PPCI Case Book"),
            "url": url(reverse("casebook:home")),
        },
        "isBasedOn": {
            "@type": "CreativeWork",
            "name": briefing_paper()["title"],
            "url": briefing_paper()["path"],
        },
        "distribution": [
            {
                "@type": "DataDownload",
                "name": name,
                "encodingFormat": media,
                "contentUrl": url(reverse(route)),
            }
            for route, media, name in downloads
        ],
    }
