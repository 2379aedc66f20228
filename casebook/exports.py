"""Open data: the filtered list of initiatives as CSV or JSON, streamed row by row."""

import csv
import json

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import get_language

from .models import Role

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
    "funding",
    "issues",
    "url",
    "last_updated",
]
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")


class RowMaker:
    """Turns initiatives into export rows; labels and addresses are worked out once per
    export, not once per row (it matters at ten thousand rows)."""

    def __init__(self, request):
        self.roles = {value: str(label) for value, label in Role.choices}
        self.countries = {}
        placeholder = "initiative-slug-placeholder"
        self.url_template = request.build_absolute_uri(
            reverse("casebook:detail", kwargs={"slug": placeholder})
        ).replace(placeholder, "{slug}")

    def country_name(self, country):
        if country.code not in self.countries:
            self.countries[country.code] = str(country.name)
        return self.countries[country.code]

    def __call__(self, initiative):
        partnerships = list(initiative.partnerships.all())

        def partners(sector=None):
            return "; ".join(
                f"{p.partner.name} ({self.roles.get(p.role, p.role)})"
                for p in partnerships
                if sector is None or p.partner.sector == sector
            )

        return {
            "slug": initiative.slug,
            "title": initiative.title,
            "summary": initiative.summary,
            "city": initiative.city.name if initiative.city else "",
            "country_code": initiative.country.code,
            "country": self.country_name(initiative.country),
            "year_founded": initiative.year_founded,
            "programming": initiative.programming,
            "scale": initiative.scale,
            "themes": "; ".join(theme.slug for theme in initiative.themes.all()),
            "partners": partners(),
            "public_partners": partners("public"),
            "private_partners": partners("private"),
            "community_partners": partners("community"),
            "funding": "; ".join(funding.slug for funding in initiative.fundings.all()),
            "issues": "; ".join(issue.slug for issue in initiative.issues.all()),
            "url": self.url_template.format(slug=initiative.slug),
            "last_updated": initiative.updated_at.isoformat(timespec="seconds"),
        }


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
        row = RowMaker(request)
        for initiative in initiatives.iterator(chunk_size=500):
            values = row(initiative)
            yield writer.writerow([neutralise(values[column]) for column in COLUMNS])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename("csv")}"'
    return response


def json_response(initiatives, request):
    def chunks():
        yield json.dumps({"language": get_language()})[:-1] + ', "results": ['
        row = RowMaker(request)
        for index, initiative in enumerate(initiatives.iterator(chunk_size=500)):
            prefix = "," if index else ""
            data = row(initiative)
            for column in ("themes", "funding", "issues"):
                data[column] = [item for item in data[column].split("; ") if item]
            data["partners"] = [
                {
                    "slug": p.partner.slug,
                    "name": p.partner.name,
                    "sector": p.partner.sector,
                    "kind": p.partner.kind,
                    "role": p.role,
                }
                for p in initiative.partnerships.all()
            ]
            for column in ("public_partners", "private_partners", "community_partners"):
                del data[column]
            yield prefix + json.dumps(data, ensure_ascii=False)
        yield "]}"

    response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename("json")}"'
    return response


def bad_request(problems):
    text = "\n".join(str(problem) for problem in problems)
    return HttpResponse(text + "\n", status=400, content_type="text/plain; charset=utf-8")
