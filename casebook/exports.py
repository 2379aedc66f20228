"""Open data: the filtered list of initiatives as CSV, JSON and an Excel workbook, streamed.

Every table an export holds is a declarative list of columns (``INITIATIVE_COLUMNS``,
``PARTNER_COLUMNS``, ``FIGURE_COLUMNS``, ``SOURCE_COLUMNS``): the CSV files, the workbook's
sheets, the JSON objects, the ``datapackage.json`` that describes them and the list page's
``Dataset`` markup all read these lists, so a new field is one line in one of them.

A column says what a person reads in the reader's language (headers, names, labels) and keeps
what a machine reads in its own column (slugs, codes, ISO dates, numbers with a "." decimal
point), the same under /es/ and /en/. JSON keys are the columns' stable machine names.
"""

import csv
import datetime
import json
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from types import SimpleNamespace

from django.db.models import F
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import Country

from partners.models import Kind, Sector
from ppci.lib.text import fold

from .models import (
    EVIDENCE_BITS,
    Activity,
    Attribution,
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
CHUNK = 1000
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


def text(row, field):
    """A row's text ``field`` in the export's language."""
    return in_language(
        getattr(row, f"{field}_es", ""), getattr(row, f"{field}_en", ""), row.exports.language
    )


# Columns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column: ``key`` the stable machine name (the JSON key), ``label`` its header in the
    reader's language, ``value`` what it holds for one row, and its Table Schema ``type``.
    A ``machine`` column holds the same codes, numbers or ISO dates in both languages.
    ``json=False`` leaves it out of the JSON, which nests what the column spells out."""

    key: str
    label: object
    value: object
    type: str = "string"
    machine: bool = False
    format: str = "default"
    json: bool = True

    def headers(self):
        return [str(self.label)]

    def cells(self, row):
        return [cell(self.value(row))]

    def json_value(self, row):
        if self.type == "string":
            return self.value(row)
        return json_value(self.value(row))

    def fields(self):
        field = {"name": str(self.label), "title": str(self.label), "type": self.type}
        if self.format != "default":
            field["format"] = self.format
        return [field]


@dataclass(frozen=True)
class Coded(Column):
    """A vocabulary: what a person reads under ``key``, the codes beside it under
    ``key_code`` (``code_label``). ``value`` gives one (code, label) pair, or a list of them
    with ``many``. In JSON: ``{"code": …, "label": …}``, or a list of them."""

    code_label: object = ""
    many: bool = False

    def pairs(self, row):
        value = self.value(row)
        if self.many:
            return list(value)
        return [value] if value and value[0] else []

    def headers(self):
        return [str(self.label), str(self.code_label)]

    def cells(self, row):
        pairs = self.pairs(row)
        return [joined(label for _code, label in pairs), joined(code for code, _label in pairs)]

    def json_value(self, row):
        objects = [{"code": code, "label": label} for code, label in self.pairs(row)]
        if self.many:
            return objects
        return objects[0] if objects else None

    def fields(self):
        return [
            {"name": str(self.label), "title": str(self.label), "type": "string"},
            {"name": str(self.code_label), "title": str(self.code_label), "type": "string"},
        ]


def cell(value):
    """A value as a CSV or worksheet cell: machine formats, never a formula."""
    if value is None:
        return ""
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


def number_text(value):
    """40, 12.5, 0.25: no exponent, no trailing zeros, a "." decimal point."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def joined(values):
    """Several values in one cell, each neutralised: a spreadsheet that splits the cell on
    "; " must meet no formula either."""
    return SEPARATOR.join(neutralise(str(value)) for value in values)


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


def by_label(pairs):
    """(code, label) pairs in the order a reader looks for them: by label, without regard to
    case or accents, as the pages list them."""
    return sorted(pairs, key=lambda pair: (fold(pair[1]), pair[0]))


def partner_list(row, sector=None):
    return [
        f"{p.name} ({', '.join(row.exports.choice(Role, role)[1] for role in p.roles)})"
        for p in row.partner_rows
        if sector is None or p.sector == sector
    ]


INITIATIVE_COLUMNS = [
    Column("slug", _("Identifier (slug)"), lambda i: i.slug, machine=True),
    Column("title", _("Title"), lambda i: text(i, "title")),
    Column("summary", _("Summary"), lambda i: text(i, "summary")),
    Column("description", _("Description"), lambda i: text(i, "description")),
    Column("lessons_learned", _("Lessons learned"), lambda i: text(i, "lessons_learned")),
    Coded(
        "city",
        _("City"),
        lambda i: (i.city.slug, text(i.city, "name")) if i.city else None,
        code_label=_("City code"),
    ),
    Coded(
        "country",
        _("Country"),
        lambda i: (i.country, i.exports.country_name(i.country)),
        code_label=_("Country code (ISO 3166-1)"),
    ),
    Column("place", _("Place"), lambda i: text(i, "place")),
    Column("year_founded", _("Year founded"), lambda i: i.year_founded, "year", machine=True),
    Column("year_ended", _("Year ended"), lambda i: i.year_ended, "year", machine=True),
    Coded(
        "programming",
        _("Programming"),
        lambda i: i.exports.choice(Programming, i.programming),
        code_label=_("Programming code"),
    ),
    Coded(
        "scale", _("Scale"), lambda i: i.exports.choice(Scale, i.scale), code_label=_("Scale code")
    ),
    Coded(
        "themes",
        _("Work themes"),
        lambda i: i.exports.themes(i),
        code_label=_("Work theme codes"),
        many=True,
    ),
    Column("partners", _("Partners (roles)"), partner_list, json=False),
    Column(
        "public_partners", _("Public partners"), lambda i: partner_list(i, "public"), json=False
    ),
    Column(
        "private_partners", _("Private partners"), lambda i: partner_list(i, "private"), json=False
    ),
    Column(
        "community_partners",
        _("Community partners"),
        lambda i: partner_list(i, "community"),
        json=False,
    ),
    Column(
        "partner_websites",
        _("Partner websites"),
        lambda i: [f"{p.name}: {p.website}" for p in i.partner_rows if p.website],
        json=False,
    ),
    Coded(
        "funding",
        _("Funding"),
        lambda i: i.exports.fundings(i),
        code_label=_("Funding codes"),
        many=True,
    ),
    Coded(
        "issues",
        _("Issues addressed"),
        lambda i: i.exports.issues(i),
        code_label=_("Issue codes"),
        many=True,
    ),
    Coded(
        "evidence_levels",
        _("Evidence levels of its figures"),
        lambda i: i.exports.evidence_levels(i),
        code_label=_("Evidence level codes"),
        many=True,
    ),
    Coded(
        "activity",
        _("Activity"),
        lambda i: i.exports.choice(Activity, i.activity),
        code_label=_("Activity code"),
    ),
    Column(
        "last_checked",
        _("Record last checked"),
        lambda i: i.last_checked,
        "date",
        machine=True,
    ),
    Column("url", _("Address (URL)"), lambda i: i.exports.url(i.slug), machine=True, format="uri"),
    Column(
        "last_updated",
        _("Last updated"),
        lambda i: i.updated_at.isoformat(timespec="seconds"),
        "datetime",
        machine=True,
    ),
]

# One row per partner of an initiative, its roles together, in the order of the case's page.
PARTNER_COLUMNS = [
    Column("initiative", _("Initiative (slug)"), lambda p: p.initiative, machine=True, json=False),
    Column("slug", _("Partner (slug)"), lambda p: p.slug, machine=True),
    Column("name", _("Partner"), lambda p: p.name),
    Coded(
        "sector",
        _("Sector"),
        lambda p: p.exports.choice(Sector, p.sector),
        code_label=_("Sector code"),
    ),
    Coded(
        "kind",
        _("Kind of partner"),
        lambda p: p.exports.choice(Kind, p.kind),
        code_label=_("Kind code"),
    ),
    Coded(
        "roles",
        _("Roles"),
        lambda p: [p.exports.choice(Role, role) for role in p.roles],
        code_label=_("Role codes"),
        many=True,
    ),
    Column("website", _("Website"), lambda p: p.website, machine=True, format="uri"),
]

FIGURE_COLUMNS = [
    Column(
        "initiative", _("Initiative (slug)"), lambda f: f.initiative_slug, machine=True, json=False
    ),
    Column("key", _("Figure (key)"), lambda f: f.key, machine=True),
    Column("label", _("What was measured"), lambda f: text(f, "label")),
    Column("wording", _("Figure as read"), lambda f: f.display_value),
    Column("period", _("Period"), lambda f: f.period),
    Coded(
        "kind",
        _("Kind of figure"),
        lambda f: f.exports.choice(FigureKind, f.kind),
        code_label=_("Kind of figure code"),
    ),
    Coded(
        "qualifier",
        _("Qualifier"),
        lambda f: f.exports.choice(Qualifier, f.qualifier),
        code_label=_("Qualifier code"),
    ),
    Column("value", _("Value"), lambda f: f.value, "number", machine=True),
    Column("value_max", _("Upper value"), lambda f: f.value_max, "number", machine=True),
    Coded("unit", _("Unit"), lambda f: f.exports.choice(Unit, f.unit), code_label=_("Unit code")),
    Coded(
        "direction",
        _("Direction"),
        lambda f: f.exports.choice(Direction, f.direction),
        code_label=_("Direction code"),
    ),
    Column("period_start", _("From year"), lambda f: f.period_start, "year", machine=True),
    Column("period_end", _("To year"), lambda f: f.period_end, "year", machine=True),
    Column("note", _("Note"), lambda f: text(f, "note")),
    Coded(
        "evidence_level",
        _("Evidence level"),
        lambda f: f.exports.choice(EvidenceLevel, f.evidence_level),
        code_label=_("Evidence level code"),
    ),
    Coded(
        "method",
        _("How it was measured"),
        lambda f: f.exports.choice(MeasurementMethod, f.method),
        code_label=_("Measurement method code"),
    ),
    Coded(
        "attribution",
        _("Effect or change"),
        lambda f: f.exports.choice(Attribution, f.attribution),
        code_label=_("Effect or change code"),
    ),
    Column("source", _("Source (key)"), lambda f: f.source_key, machine=True),
    Column(
        "source_locator", _("Section or page of the source"), lambda f: text(f, "source_locator")
    ),
    Column("source_quote", _("Original words"), lambda f: f.source_quote),
    Column("checked_by", _("Checked by"), lambda f: text(f, "checked_by")),
    Column("checked_on", _("Checked on"), lambda f: f.checked_on, "date", machine=True),
]

SOURCE_COLUMNS = [
    Column(
        "initiative", _("Initiative (slug)"), lambda s: s.initiative_slug, machine=True, json=False
    ),
    Column("key", _("Source (key)"), lambda s: s.key, machine=True),
    Column("title", _("Title"), lambda s: text(s, "title")),
    Column("publisher", _("Publisher"), lambda s: s.publisher),
    Column("year", _("Year"), lambda s: s.year, "year", machine=True),
    Column("url", _("Address (URL)"), lambda s: s.url, machine=True, format="uri"),
    Column("locator", _("Section or page"), lambda s: text(s, "locator")),
]


def headers(columns):
    return [header for column in columns for header in column.headers()]


def cells(columns, row):
    return [value for column in columns for value in column.cells(row)]


def as_json(columns, row):
    return {column.key: column.json_value(row) for column in columns if column.json}


# Reading the rows ---------------------------------------------------------------------------


class Rows:
    """The export's initiatives, read a thousand at a time with what the export needs of their
    partners, figures and sources: a few queries per thousand rows, whatever a row holds, so
    memory stays flat and the first byte early. Rows are plain objects with every field of
    the model (``row.title_es``, ``row.year_founded``, ``row.city.slug``…), not model
    instances, except figures, whose wording the model writes. Vocabularies, labels and
    addresses are read once per export."""

    def __init__(self, initiatives, request, partners=True, figures=True, sources=True):
        self.initiatives = initiatives
        self.language = get_language()
        self.with_partners, self.with_figures, self.with_sources = partners, figures, sources
        self.countries = {}
        self.labels = {}
        self.displays = {}
        self.vocabulary = {
            model: {
                pk: (slug, in_language(es, en, self.language))
                for pk, slug, es, en in model.objects.values_list(
                    "pk", "slug", "name_es", "name_en"
                )
            }
            for model in (Theme, Funding, Issue)
        }
        self.theme_order = dict(Theme.objects.values_list("pk", "order"))
        placeholder = "initiative-slug-placeholder"
        self.url_template = request.build_absolute_uri(
            reverse("casebook:detail", kwargs={"slug": placeholder})
        ).replace(placeholder, "{slug}")

    def url(self, slug):
        return self.url_template.format(slug=slug)

    def choice(self, choices, value):
        """(code, label) of a TextChoices value, each label translated once per export."""
        key = (choices, value)
        if key not in self.labels:
            self.labels[key] = choice(choices, value)
        return self.labels[key]

    def with_labels(self, instance):
        """``instance`` whose ``get_<field>_display()`` read the export's labels: Django's
        own rebuilds and translates a field's whole list of choices at every call, which a
        figure's wording makes several times per figure."""
        model = type(instance)
        if model not in self.displays:
            self.displays[model] = {
                field.attname: {value: str(label) for value, label in field.flatchoices}
                for field in model._meta.concrete_fields
                if field.choices
            }
        for attname, labels in self.displays[model].items():
            value = getattr(instance, attname)
            setattr(instance, f"get_{attname}_display", partial(labels.get, value, value))
        return instance

    def evidence_levels(self, initiative):
        """(code, label) of each evidence level its figures have, from the weakest: read from
        the initiative's own row (its figures' levels as bits), so no figure is read."""
        return [
            self.choice(EvidenceLevel, level)
            for level in EvidenceLevel.values
            if initiative.evidence_levels & EVIDENCE_BITS[level]
        ]

    def country_name(self, code):
        if code not in self.countries:
            self.countries[code] = str(Country(code).name) if code else ""
        return self.countries[code]

    def themes(self, initiative):
        ids = sorted(initiative.theme_ids, key=lambda pk: self.theme_order.get(pk, 0))
        return [self.vocabulary[Theme][pk] for pk in ids]

    def fundings(self, initiative):
        return by_label(self.vocabulary[Funding][pk] for pk in initiative.funding_ids)

    def issues(self, initiative):
        return by_label(self.vocabulary[Issue][pk] for pk in initiative.issue_ids)

    def __iter__(self):
        keys = list(self.initiatives.values_list("pk", flat=True))
        for start in range(0, len(keys), CHUNK):
            yield from self.chunk(keys[start : start + CHUNK])

    @staticmethod
    def grouped(rows):
        groups = {}
        for initiative_id, value in rows:
            groups.setdefault(initiative_id, []).append(value)
        return groups

    @staticmethod
    def fields(model, leave_out=()):
        """Every column of ``model``: the texts as ``title_es`` and ``title_en`` (the export
        picks the language), not as ``title``, which would have the translation layer build an
        instance per row."""
        names = {f.attname for f in model._meta.concrete_fields}
        return [
            f.attname
            for f in model._meta.concrete_fields
            if f.name not in leave_out and f"{f.attname}_es" not in names
        ]

    def rows(self, queryset, fields):
        # The fields are named in each language already: no rewriting, no fallback per row.
        for values in queryset.rewrite(False).values(*fields):
            yield SimpleNamespace(**values, exports=self)

    def chunk(self, keys):
        city = ("city__slug", "city__name_es", "city__name_en")
        initiatives = {}
        for row in self.rows(
            Initiative.objects.filter(pk__in=keys),
            self.fields(Initiative, {"search_document"}) + list(city),
        ):
            slug, name_es, name_en = (row.__dict__.pop(field) for field in city)
            row.city = slug and SimpleNamespace(
                slug=slug, name_es=name_es, name_en=name_en, exports=self
            )
            initiatives[row.id] = row
        links = {
            name: self.grouped(
                model.objects.filter(initiative_id__in=keys).values_list("initiative_id", field)
            )
            for name, model, field in (
                ("theme_ids", ThemeLink, "theme_id"),
                ("funding_ids", FundingLink, "funding_id"),
                ("issue_ids", IssueLink, "issue_id"),
            )
        }
        partnerships = figures = sources = {}
        if self.with_partners:
            partnerships = self.grouped(
                (row[0], row[1:])
                for row in Partnership.objects.filter(initiative_id__in=keys)
                .rewrite(False)  # as the page orders them, without a fallback per row
                .order_by("order", f"partner__name_{self.language}", "pk")
                .values_list(
                    "initiative_id", "partner_id", "partner__slug", "partner__name_es",
                    "partner__name_en", "partner__sector", "partner__kind", "partner__website",
                    "role",
                )
            )  # fmt: skip
        if self.with_figures:
            figures = self.grouped(
                (f.initiative_id, self.with_labels(f))
                for f in Figure.objects.filter(initiative_id__in=keys)
                .annotate(source_key=F("source__key"))
                .order_by("order", "pk")
            )
        if self.with_sources:
            sources = self.grouped(
                (s.initiative_id, s)
                for s in self.rows(
                    Source.objects.filter(initiative_id__in=keys).order_by("order", "pk"),
                    self.fields(Source),
                )
            )
        for key in keys:
            initiative = initiatives.get(key)
            if initiative is None:
                continue
            for name, groups in links.items():
                setattr(initiative, name, groups.get(key, []))
            initiative.partner_rows = self.partners(initiative, partnerships.get(key, []))
            initiative.figure_rows = figures.get(key, [])
            initiative.source_rows = sources.get(key, [])
            for row in initiative.figure_rows + initiative.source_rows:
                row.initiative_slug = initiative.slug
                row.exports = self
            yield initiative

    def partners(self, initiative, partnerships):
        """Each partner once, with its roles together, in the order of the case's page: by
        sector (public, private, community), then as the partnerships are ordered."""
        by_partner = {}
        for partner_id, slug, name_es, name_en, sector, kind, website, role in partnerships:
            if partner_id not in by_partner:
                by_partner[partner_id] = SimpleNamespace(
                    initiative=initiative.slug,
                    slug=slug,
                    name=in_language(name_es, name_en, self.language),
                    sector=sector,
                    kind=kind,
                    roles=[],
                    website=website,
                    exports=self,
                )
            if role not in by_partner[partner_id].roles:
                by_partner[partner_id].roles.append(role)
        sectors = list(Sector.values)
        return sorted(
            by_partner.values(),
            key=lambda p: sectors.index(p.sector) if p.sector in sectors else len(sectors),
        )


# Responses ---------------------------------------------------------------------------------


class Echo:
    def write(self, value):
        return value


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
    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow(headers(columns))
    for row in rows_of():
        yield writer.writerow(cells(columns, row))


def csv_response(initiatives, request, filterset=None):
    def rows():  # read when the download starts
        return Rows(initiatives, request, figures=False, sources=False)

    response = StreamingHttpResponse(
        csv_lines(INITIATIVE_COLUMNS, rows), content_type="text/csv; charset=utf-8"
    )
    return finish(response, request, filename("cases", "csv", filterset))


def figures_csv_response(initiatives, request, filterset=None):
    def figures():
        for initiative in Rows(initiatives, request, partners=False, sources=False):
            yield from initiative.figure_rows

    response = StreamingHttpResponse(
        csv_lines(FIGURE_COLUMNS, figures), content_type="text/csv; charset=utf-8"
    )
    return finish(response, request, filename("figures", "csv", filterset))


def json_record(initiative):
    record = as_json(INITIATIVE_COLUMNS, initiative)
    record["partners"] = [as_json(PARTNER_COLUMNS, p) for p in initiative.partner_rows]
    record["figures"] = [as_json(FIGURE_COLUMNS, f) for f in initiative.figure_rows]
    record["sources"] = [as_json(SOURCE_COLUMNS, s) for s in initiative.source_rows]
    return record


def json_response(initiatives, request, filterset=None):
    def chunks():
        head = {
            "language": get_language(),
            "license": {**LICENSE, "attribution": license_text()},
            "sources": [briefing_paper()],
            "described_by": request.build_absolute_uri(reverse("casebook:datapackage")),
        }
        yield json.dumps(head, ensure_ascii=False)[:-1] + ', "results": ['
        for index, initiative in enumerate(Rows(initiatives, request)):
            yield ("," if index else "") + json.dumps(json_record(initiative), ensure_ascii=False)
        yield "]}"

    response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
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

        def typed(columns, row):
            values = []
            for column in columns:
                raw = column.value(row) if not isinstance(column, Coded) else None
                if column.type in ("number", "year") and raw is not None:
                    values.append(json_value(raw))
                else:
                    values.extend(column.cells(row))
            return values

        for sheet, columns, _table in sheets:
            sheet.append(written(sheet, headers(columns)))
        by_table = {table: (sheet, columns) for sheet, columns, table in sheets}
        for initiative in Rows(initiatives, request):
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
