"""Open data: the filtered list of initiatives as CSV or JSON, streamed row by row."""

import csv
import json

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django_countries.fields import Country

from .models import FundingLink, Initiative, IssueLink, Partnership, Role, ThemeLink

COLUMNS = [
    "slug",
    "title",
    "summary",
    "city",
    "country_code",
    "country",
    "year_founded",
    "programming",
    "scale",
    "themes",
    "partners",
    "public_partners",
    "private_partners",
    "community_partners",
    "partner_websites",
    "funding",
    "issues",
    "url",
    "last_updated",
]
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")


CHUNK = 1000


def in_language(spanish, english):
    """A translated text as the pages show it: the visitor's language, else the other one."""
    if get_language() == "en":
        return english or spanish or ""
    return spanish or english or ""


class Rows:
    """The export's rows, read as plain values a thousand initiatives at a time.

    Five queries per thousand rows and no model instances: at ten thousand rows this is what
    keeps the first byte early and the worker's memory flat. Labels and addresses are worked
    out once per export, not once per row.
    """

    def __init__(self, initiatives, request):
        self.initiatives = initiatives
        self.roles = {value: str(label) for value, label in Role.choices}
        self.countries = {}
        placeholder = "initiative-slug-placeholder"
        self.url_template = request.build_absolute_uri(
            reverse("casebook:detail", kwargs={"slug": placeholder})
        ).replace(placeholder, "{slug}")

    def country_name(self, code):
        if code not in self.countries:
            self.countries[code] = str(Country(code).name)
        return self.countries[code]

    def __iter__(self):
        keys = list(self.initiatives.values_list("pk", flat=True))
        for start in range(0, len(keys), CHUNK):
            yield from self.chunk(keys[start : start + CHUNK])

    @staticmethod
    def grouped(rows):
        groups = {}
        for initiative_id, *values in rows:
            groups.setdefault(initiative_id, []).append(values[0] if len(values) == 1 else values)
        return groups

    def chunk(self, keys):
        fields = Initiative.objects.filter(pk__in=keys).values_list(
            "pk", "slug", "title_es", "title_en", "summary_es", "summary_en", "city__name_es",
            "city__name_en", "country", "year_founded", "programming", "scale", "updated_at",
        )  # fmt: skip
        by_key = {row[0]: row for row in fields}
        themes = self.grouped(
            ThemeLink.objects.filter(initiative_id__in=keys)
            .order_by("theme__order")
            .values_list("initiative_id", "theme__slug")
        )
        fundings = self.grouped(
            FundingLink.objects.filter(initiative_id__in=keys)
            .order_by("funding__slug")
            .values_list("initiative_id", "funding__slug")
        )
        issues = self.grouped(
            IssueLink.objects.filter(initiative_id__in=keys)
            .order_by("issue__slug")
            .values_list("initiative_id", "issue__slug")
        )
        partner_name = "partner__name_en" if get_language() == "en" else "partner__name_es"
        partnerships = self.grouped(
            Partnership.objects.filter(initiative_id__in=keys)
            .order_by("order", partner_name, "pk")
            .values_list(
                "initiative_id",
                "partner__slug",
                "partner__name_es",
                "partner__name_en",
                "partner__sector",
                "partner__kind",
                "role",
                "partner__website",
            )  # fmt: skip
        )
        for key in keys:
            if key not in by_key:
                continue
            (_pk, slug, title_es, title_en, summary_es, summary_en, city_es, city_en, country,
             year, programming, scale, updated_at) = by_key[key]  # fmt: skip
            partners = [
                {
                    "slug": partner_slug,
                    "name": in_language(name_es, name_en),
                    "sector": sector,
                    "kind": kind,
                    "role": role,
                    "website": website,
                }
                for partner_slug, name_es, name_en, sector, kind, role, website in partnerships.get(
                    key, []
                )
            ]
            yield {
                "slug": slug,
                "title": in_language(title_es, title_en),
                "summary": in_language(summary_es, summary_en),
                "city": in_language(city_es, city_en),
                "country_code": country,
                "country": self.country_name(country),
                "year_founded": year,
                "programming": programming,
                "scale": scale,
                "themes": themes.get(key, []),
                "partners": partners,
                "funding": fundings.get(key, []),
                "issues": issues.get(key, []),
                "url": self.url_template.format(slug=slug),
                "last_updated": updated_at.isoformat(timespec="seconds"),
            }

    def partner_list(self, partners, sector=None):
        return joined(
            f"{p['name']} ({self.roles.get(p['role'], p['role'])})"
            for p in partners
            if sector is None or p["sector"] == sector
        )

    def as_csv_row(self, row):
        flat = {
            **row,
            "themes": joined(row["themes"]),
            "funding": joined(row["funding"]),
            "issues": joined(row["issues"]),
            "partners": self.partner_list(row["partners"]),
            "public_partners": self.partner_list(row["partners"], "public"),
            "private_partners": self.partner_list(row["partners"], "private"),
            "community_partners": self.partner_list(row["partners"], "community"),
            "partner_websites": joined(
                f"{p['name']}: {p['website']}" for p in row["partners"] if p["website"]
            ),
        }
        return [neutralise(flat[column]) for column in COLUMNS]


def joined(values):
    """Several values in one cell, each neutralised: a spreadsheet that splits the cell on
    "; " must meet no formula either."""
    return "; ".join(neutralise(value) for value in values)


def neutralise(value):
    """Keep spreadsheets from running a cell as a formula."""
    if isinstance(value, str) and value.startswith(DANGEROUS_STARTS):
        return "'" + value
    return value


class Echo:
    def write(self, value):
        return value


def filename(extension):
    return f"ppci-initiatives-{get_language()}.{extension}"


def csv_response(initiatives, request):
    writer = csv.writer(Echo())

    def lines():
        yield "\ufeff" + writer.writerow(COLUMNS)
        rows = Rows(initiatives, request)
        for row in rows:
            yield writer.writerow(rows.as_csv_row(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename("csv")}"'
    return response


def json_response(initiatives, request):
    def chunks():
        yield json.dumps({"language": get_language()})[:-1] + ', "results": ['
        for index, row in enumerate(Rows(initiatives, request)):
            yield ("," if index else "") + json.dumps(row, ensure_ascii=False)
        yield "]}"

    response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename("json")}"'
    return response


def bad_request(problems):
    text = "\n".join(str(problem) for problem in problems)
    return HttpResponse(text + "\n", status=400, content_type="text/plain; charset=utf-8")
