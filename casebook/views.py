from django.conf import settings
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from partners.models import KINDS_BY_SECTOR, Kind, Sector

from . import exports, search
from .facets import build_facets
from .filters import SORTS, InitiativeFilter, Vocabulary
from .limits import refuse_oversized_query
from .models import City, Initiative, Partnership, Programming, Scale, Theme
from .paging import paginate, query_without


def visible_initiatives(request):
    """The public sees published initiatives; staff also see drafts, marked as such."""
    if request.user.is_authenticated and request.user.is_staff:
        return Initiative.objects.all()
    return Initiative.objects.published()


def home(request):
    published = Initiative.objects.published()
    themes = Theme.objects.annotate(
        initiative_count=Count("initiatives", filter=Q(initiatives__status="published"))
    ).order_by("order")
    sector_counts = dict(
        Partnership.objects.published()
        .values_list("partner__sector")
        .annotate(count=Count("initiative", distinct=True))
    )
    context = {
        "themes": themes,
        "sectors": [
            {
                "value": sector.value,
                "label": sector.label,
                "count": sector_counts.get(sector.value, 0),
                "kinds": [kind.label for kind in KINDS_BY_SECTOR[sector]],
            }
            for sector in Sector
        ],
        "latest": published.for_listing().order_by("-published_at", "slug")[:6],
        "initiative_count": published.count(),
    }
    return render(request, "casebook/home.html", context)


FACET_CHOICES = {
    "sector": Sector.choices,
    "kind": Kind.choices,
    "programming": Programming.choices,
    "scale": Scale.choices,
}
ALWAYS_SHOWN = {"theme", "sector", "programming"}


@refuse_oversized_query
def initiative_list(request):
    vocabulary = Vocabulary.load()
    filterset = InitiativeFilter(
        request.GET, queryset=visible_initiatives(request), vocabulary=vocabulary
    )
    page, page_problems = paginate(
        request, filterset.qs.for_listing(), settings.INITIATIVES_PER_PAGE
    )
    query = filterset.search_text
    initiatives = list(page.object_list)
    if query:
        for initiative in initiatives:
            initiative.snippet = search.snippet(initiative, query)
    facets, chips = build_facets(
        filterset,
        request,
        labels={
            "theme": [(t.slug, t.name) for t in vocabulary.themes],
            "funding": [(f.slug, f.name) for f in vocabulary.fundings],
            "issue": [(i.slug, i.name) for i in vocabulary.issues],
            "city": [(c.slug, c.name) for c in vocabulary.cities],
            **FACET_CHOICES,
        },
        always_shown=ALWAYS_SHOWN,
        repeatable=InitiativeFilter.REPEATABLE,
        text_filters=("q", "year_from", "year_to"),
    )
    context = {
        "filterset": filterset,
        "page": page,
        "initiatives": initiatives,
        "facets": facets,
        "chips": chips,
        "problems": filterset.problems + page_problems,
        "query": query,
        "sorts": SORTS,
        "sort": filterset.sort_order,
        "year_from": request.GET.get("year_from", ""),
        "year_to": request.GET.get("year_to", ""),
        "query_string": query_without(request.GET, "page"),
    }
    return render(request, "casebook/initiative_list.html", context)


@refuse_oversized_query
def initiative_export(request, format):
    filterset = InitiativeFilter(request.GET, queryset=Initiative.objects.published())
    problems = filterset.problems
    if problems:
        return exports.bad_request(problems)
    initiatives = filterset.qs.for_export()
    if format == "csv":
        return exports.csv_response(initiatives, request)
    return exports.json_response(initiatives, request)


def initiative_detail(request, slug):
    initiative = get_object_or_404(visible_initiatives(request).for_detail(), slug=slug)
    partnerships_by_sector = []
    for sector in Sector:
        rows = [p for p in initiative.partnerships.all() if p.partner.sector == sector]
        if rows:
            partnerships_by_sector.append({"sector": sector, "partnerships": rows})
    context = {
        "initiative": initiative,
        "partnerships_by_sector": partnerships_by_sector,
        "figures": list(initiative.figures.all()),
    }
    return render(request, "casebook/initiative_detail.html", context)


def theme_list(request):
    themes = (
        Theme.objects.order_by("order")
        .select_related("example")
        .annotate(initiative_count=Count("initiatives", filter=Q(initiatives__status="published")))
    )
    return render(request, "casebook/theme_list.html", {"themes": themes})


def theme_detail(request, slug):
    theme = get_object_or_404(Theme.objects.select_related("example"), slug=slug)
    if theme.example and not theme.example.is_published:
        theme.example = None
    initiatives = Initiative.objects.published().filter(themes=theme).for_listing()
    neighbours = list(Theme.objects.order_by("order"))
    index = [t.pk for t in neighbours].index(theme.pk)
    context = {
        "theme": theme,
        "initiatives": initiatives.order_by("title_es"),
        "previous": neighbours[index - 1] if index > 0 else None,
        "next": neighbours[index + 1] if index + 1 < len(neighbours) else None,
    }
    return render(request, "casebook/theme_detail.html", context)


def public_cities():
    return City.objects.annotate(
        initiative_count=Count("initiatives", filter=Q(initiatives__status="published"))
    ).filter(Q(initiative_count__gt=0) | Q(is_network_member=True))


def city_list(request):
    return render(request, "casebook/city_list.html", {"cities": public_cities()})


def city_detail(request, slug):
    city = get_object_or_404(public_cities(), slug=slug)
    initiatives = Initiative.objects.published().filter(city=city).for_listing()
    return render(
        request,
        "casebook/city_detail.html",
        {"city": city, "initiatives": initiatives.order_by("title_es")},
    )
