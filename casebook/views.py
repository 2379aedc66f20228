from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_countries.fields import Country

from partners.models import KINDS_BY_SECTOR, Sector
from ppci.lib import pagecache
from ppci.lib.facets import build_facets
from ppci.lib.limits import refuse_oversized_query
from ppci.lib.paging import paginate
from ppci.lib.text import sort_key

from . import citation, exports, gaps, jsonld, maps, partner_groups, proposals, search
from .compare import (
    MAX_CASES,
    MIN_CASES,
    chosen_initiatives,
    partners_by_sector,
    removal_urls,
)
from .compare import choices as compare_choices
from .corrections import CorrectionForm, client_key, count_accepted, over_limit
from .filters import SORTS, InitiativeFilter, Vocabulary, title_in_language
from .listindex import ListIndex, reader_language
from .models import (
    ATTRIBUTION_SUMMARIES,
    EVIDENCE_SUMMARIES,
    SOCIAL_IMPACT_BOND,
    Activity,
    Attribution,
    City,
    EvidenceLevel,
    Figure,
    Funding,
    Initiative,
    MeasurementMethod,
    Partnership,
    Programming,
    Role,
    Theme,
    ThemeLink,
    initiative_for_page,
)
from .proposals import ProposalForm
from .related import related_initiatives
from .way_on import way_on


def sees_drafts(request):
    return request.user.is_authenticated and request.user.is_staff


def visible_initiatives(request):
    """The public sees published initiatives; staff also see drafts, marked as such."""
    if sees_drafts(request):
        return Initiative.objects.all()
    return Initiative.objects.published()


def case_book_counts():
    """Counts over the whole published case book, for the home page: a scan of every
    initiative, so they are kept for the current content generation."""
    published = Initiative.objects.published()
    return {
        "themes": dict(
            ThemeLink.objects.filter(initiative__in=published.values("pk"))
            .values_list("theme_id")
            .annotate(count=Count("pk"))
            .order_by()
        ),
        "sectors": dict(
            Partnership.objects.published()
            .values_list("partner__sector")
            .annotate(count=Count("initiative", distinct=True))
            .order_by()
        ),
        "initiatives": published.count(),
        "cities": maps.published_per_city(),
    }


def home(request):
    published = Initiative.objects.published()
    counts = pagecache.remember("case-book-counts", case_book_counts)
    themes = list(Theme.objects.order_by("order"))
    for theme in themes:
        theme.initiative_count = counts["themes"].get(theme.pk, 0)
    sector_counts = counts["sectors"]
    context = {
        "themes": themes,
        "sectors": [
            {
                "value": sector.value,
                "label": sector.label,
                "partners_label": sector.partners_label,
                "count": sector_counts.get(sector.value, 0),
                "kinds": [kind.label for kind in KINDS_BY_SECTOR[sector]],
            }
            for sector in Sector
        ],
        "latest": published.for_listing().order_by("-published_at", "slug")[:6],
        "initiative_count": counts["initiatives"],
        "map": maps.world_map(counts["cities"], total=counts["initiatives"]),
    }
    return render(request, "casebook/home.html", context)


@refuse_oversized_query
def initiative_list(request):
    vocabulary = Vocabulary.load(public=not sees_drafts(request))
    queryset = visible_initiatives(request)
    filterset = InitiativeFilter(
        request.GET,
        queryset=queryset,
        vocabulary=vocabulary,
        # What the published case book counts is the same for every visitor with the same
        # filters; staff, who also see drafts, get theirs counted afresh.
        remember_counts_as=None if sees_drafts(request) else "published",
    )
    query = filterset.search_text
    listing = filterset.listing(lambda rows: search.with_snippets(rows.for_listing(), query))
    page, page_problems = paginate(request, listing, settings.INITIATIVES_PER_PAGE)
    initiatives = list(page.object_list)
    if query:
        for initiative in initiatives:
            initiative.snippet = search.snippet(initiative, query)
    facets, chips = build_facets(filterset, request)
    context = {
        "results_map": results_map(request, filterset, page.paginator.count),
        "way_on": None
        if page.paginator.count
        else way_on(request, filterset, queryset, vocabulary, chips),
        "filterset": filterset,
        "page": page,
        "initiatives": initiatives,
        # Comparing takes two: with one result on the page there is nothing to tick.
        "can_compare": len(initiatives) >= 2,
        "facets": facets,
        "chips": chips,
        "problems": filterset.problems + page_problems,
        "query": query,
        "sorts": SORTS,
        "sort": filterset.sort_order,
        "year_from": request.GET.get("year_from", ""),
        "year_to": request.GET.get("year_to", ""),
    }
    return render(request, "casebook/initiative_list.html", context)


def results_map(request, filterset, total):
    """The list's results on a map, all of them and not only this page's: their count per
    city is the city facet's (counted with every other filter), within the chosen cities."""
    chosen = set(filterset.selected("city"))
    cities = {city.slug: city for city in filterset.vocabulary.cities}
    entries = [
        (cities[slug], count)
        for slug, count in filterset.facet_counts()["city"].items()
        if slug in cities and count and (not chosen or slug in chosen)
    ]
    # A marker narrows the list to its city, keeping the other filters.
    kept = urlencode(
        [
            (name, value)
            for name, values in request.GET.lists()
            if name not in ("city", "page")
            for value in values
        ]
    )
    prefix = f"?{kept}&city=" if kept else "?city="
    return maps.world_map(entries, total=total, url=lambda city: prefix + city.slug, members=False)


@refuse_oversized_query
def initiative_export(request, format):
    filterset = InitiativeFilter(request.GET, queryset=Initiative.objects.published())
    problems = filterset.problems
    if problems:
        return exports.bad_request(problems)
    respond = {
        "csv": exports.csv_response,
        "figures-csv": exports.figures_csv_response,
        "json": exports.json_response,
        "xlsx": exports.xlsx_response,
    }[format]
    return respond(filterset.qs, request, filterset)


def data_package(request):
    return exports.datapackage_response(request)


def partner_rows(partnerships):
    """The partnerships as a reader takes them in: each partner once, with all its roles
    (one partner can lead and be the intermediary), and partners that play the same roles
    in the same words together in one row (“four charities delivered the services”), in the
    order of their first partnership."""
    rows = {}
    for partner, own in partner_groups.by_partner(partnerships):
        roles = tuple((p.role, p.description_es or "", p.description_en or "") for p in own)
        row = rows.setdefault(roles, {"partners": [], "partnerships": own})
        row["partners"].append(partner)
    for row in rows.values():
        several = len(row["partners"]) > 1
        row["roles"] = [
            {
                "label": Role(p.role).plural_label if several else p.get_role_display(),
                "partnership": p,
            }
            for p in row["partnerships"]
        ]
    return list(rows.values())


def partnerships_by_sector(initiative):
    """Each sector's partnerships (``partnerships``, one per role) and, for reading, its
    partners with their roles together (``rows``, see ``partner_rows``)."""
    return [
        {"sector": sector, "partnerships": partnerships, "rows": partner_rows(partnerships)}
        for sector, partnerships in partner_groups.by_sector(initiative.partnerships.all())
    ]


def initiative_detail(request, slug):
    initiative = initiative_for_page(slug, drafts=sees_drafts(request))
    if initiative is None:
        raise Http404
    url = request.build_absolute_uri(initiative.get_absolute_url())
    figures = list(initiative.figures.all())
    context = {
        "initiative": initiative,
        "gaps": gaps.gaps_of(initiative),
        "partnerships_by_sector": partnerships_by_sector(initiative),
        "figures": figures,
        "figures_all_reported": all(f.evidence_level == EvidenceLevel.REPORTED for f in figures),
        "figures_evaluated": any(f.evidence_level == EvidenceLevel.EVALUATED for f in figures),
        "related": related_initiatives(initiative),
        "citation": citation.citation(initiative, url),
        "json_ld": jsonld.initiative(request, initiative),
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
    listed = Initiative.objects.published().for_listing()
    list_index = ListIndex.current()
    if list_index is not None:
        # A page of them in the order of the list's index, as the list finds a page.
        answer = list_index.with_option("theme", theme.slug, reader_language())
        rows = answer.rows(lambda keys: listed.filter(pk__in=keys).order_by())
    else:
        rows = listed.filter(themes=theme).order_by(title_in_language(), "slug")
    page, problems = paginate(request, rows, settings.INITIATIVES_PER_PAGE)
    initiatives = list(page.object_list)
    neighbours = list(Theme.objects.order_by("order"))
    index = [t.pk for t in neighbours].index(theme.pk)
    context = {
        "theme": theme,
        "initiatives": initiatives,
        "page": page,
        "problems": problems,
        "json_ld": jsonld.theme(
            request, theme, initiatives, total=page.paginator.count, first=page.start_index()
        ),
        "previous": neighbours[index - 1] if index > 0 else None,
        "next": neighbours[index + 1] if index + 1 < len(neighbours) else None,
    }
    return render(request, "casebook/theme_detail.html", context)


def public_cities():
    return City.objects.annotate(
        initiative_count=Count("initiatives", filter=Q(initiatives__status="published"))
    ).filter(Q(initiative_count__gt=0) | Q(is_network_member=True))


def countries_with_initiatives(index=None):
    """Every country with published initiatives, and how many: the way to the cases that
    have no city (a national programme, a global fund). Counted by the list's ``index``
    where there is one, else in one grouped count."""
    if index is not None:
        counts = index.totals("country").items()
    else:
        counts = (
            Initiative.objects.published()
            .order_by()
            .values_list("country")
            .annotate(count=Count("pk"))
        )
    countries = [{"country": Country(code), "count": count, "code": code} for code, count in counts]
    return sorted(countries, key=lambda row: sort_key(row["country"].name))


def cities_with_counts(index):
    """``public_cities()``, with each city's published initiatives counted by the list's
    ``index`` instead of a count of the whole case book grouped by city."""
    counts = index.totals("city")
    cities = []
    for city in City.objects.all():
        city.initiative_count = counts.get(city.slug, 0)
        if city.initiative_count or city.is_network_member:
            cities.append(city)
    return cities


def city_list(request):
    """Every city on the map; the list under it a page at a time (thousands of cities at
    network scale would make a page of megabytes)."""
    index = ListIndex.current()
    found = public_cities() if index is None else cities_with_counts(index)
    cities = sorted(found, key=lambda city: sort_key(city.name))
    entries = [(maps.CityFacts.of(city), city.initiative_count) for city in cities]
    page, problems = paginate(request, cities, settings.CITIES_PER_PAGE)
    return render(
        request,
        "casebook/city_list.html",
        {
            "cities": page.object_list,
            "page": page,
            "problems": problems,
            "countries": countries_with_initiatives(index),
            "map": maps.world_map(entries),
        },
    )


def city_detail(request, slug):
    city = get_object_or_404(public_cities(), slug=slug)
    initiatives = list(
        Initiative.objects.published()
        .filter(city=city)
        .for_listing()
        .order_by(title_in_language(), "slug")
    )
    context = {
        "city": city,
        "initiatives": initiatives,
        "json_ld": jsonld.city(request, city, initiatives),
    }
    return render(request, "casebook/city_detail.html", context)


def guide(request):
    """Planning a PPCI: every example and count read live from the data."""
    published = Initiative.objects.published()
    themes = (
        Theme.objects.order_by("order")
        .select_related("example")
        .annotate(initiative_count=Count("initiatives", filter=Q(initiatives__status="published")))
    )
    kind_counts = dict(
        Partnership.objects.published()
        .order_by()  # grouped by kind alone, not by the partnerships' default ordering too
        .values_list("partner__kind")
        .annotate(count=Count("partner", distinct=True))
    )
    programming_counts = dict(
        published.values_list("programming").annotate(count=Count("pk")).order_by()
    )
    # The examples the editors chose: one case of each kind of programming, and the social
    # impact bond's own example case.
    programming_examples = {
        initiative.programming: initiative
        for initiative in published.filter(is_programming_example=True).order_by("-published_at")
    }
    bond = Funding.objects.filter(slug=SOCIAL_IMPACT_BOND).select_related("example").first()
    bond_example = bond.example if bond and bond.example and bond.example.is_published else None
    context = {
        "themes": themes,
        "sectors": [
            {
                "sector": sector,
                "kinds": [
                    {"kind": kind, "count": kind_counts.get(kind.value, 0)}
                    for kind in KINDS_BY_SECTOR[sector]
                ],
            }
            for sector in Sector
        ],
        "explicit_count": programming_counts.get("explicit", 0),
        "implicit_count": programming_counts.get("implicit", 0),
        "explicit_example": programming_examples.get(Programming.EXPLICIT),
        "implicit_example": programming_examples.get(Programming.IMPLICIT),
        "bond_example": bond_example,
        "bond_count": published.filter(fundings__slug=SOCIAL_IMPACT_BOND).count(),
    }
    return render(request, "casebook/guide.html", context)


def network(request):
    members = sorted(City.objects.filter(is_network_member=True), key=lambda c: sort_key(c.name))
    return render(request, "casebook/network.html", {"members": members})


def evidence(request):
    """How the portal weighs evidence: the ladder, its limits, the methods, effect or change."""
    context = {
        "levels": [(level, EVIDENCE_SUMMARIES[level]) for level in EvidenceLevel],
        "methods": list(MeasurementMethod),
        "attributions": [
            (attribution, ATTRIBUTION_SUMMARIES[attribution]) for attribution in Attribution
        ],
    }
    return render(request, "casebook/evidence.html", context)


# How many cases each gap of the data-quality page names.
GAP_EXAMPLES = 5


def data_quality_report():
    """The gaps of the published case book with their counts and first cases, the figures by
    evidence level and method, the cases by activity: a fixed number of queries, kept for the
    current content generation."""
    published = Initiative.objects.published()
    counts = gaps.count_gaps(published)
    rows = []
    for gap in gaps.GAPS:
        examples = []
        if counts[gap.slug]:
            examples = list(
                published.filter(gap.condition)
                .select_related("city")
                .order_by(title_in_language(), "slug")[:GAP_EXAMPLES]
            )
        rows.append(
            {
                "slug": gap.slug,
                "count": counts[gap.slug],
                "examples": examples,
                "others": max(counts[gap.slug] - len(examples), 0),
            }
        )
    figures = Figure.objects.filter(initiative__in=published.values("pk"))
    by_level = dict(figures.values_list("evidence_level").annotate(n=Count("pk")).order_by())
    by_method = dict(figures.values_list("method").annotate(n=Count("pk")).order_by())
    by_activity = dict(published.values_list("activity").annotate(n=Count("pk")).order_by())
    return {
        "total": counts[None],
        "gaps": rows,
        "figure_total": sum(by_level.values()),
        "levels": [(level, by_level.get(level, 0)) for level in EvidenceLevel],
        "methods": [(method, by_method.get(method, 0)) for method in MeasurementMethod],
        "activities": [(activity, by_activity.get(activity, 0)) for activity in Activity],
    }


def data_quality(request):
    """What the published case book does not know yet, like a data steward's report."""
    report = pagecache.remember(
        f"data-quality:{get_language()}", data_quality_report, in_process=False
    )
    rows = [{**row, "gap": gaps.GAPS_BY_SLUG[row["slug"]]} for row in report["gaps"]]
    return render(request, "casebook/data_quality.html", {**report, "gaps": rows})


def accessibility(request):
    return render(request, "casebook/accessibility.html", {})


def privacy(request):
    return render(request, "casebook/privacy.html", {"retention_days": settings.PERSONAL_DATA_DAYS})


@refuse_oversized_query
def compare(request):
    initiatives, problems = chosen_initiatives(request.GET.getlist("i"))
    for initiative in initiatives:
        initiative.partners_by_sector = partners_by_sector(initiative)
    removal_urls(initiatives)
    chosen = [initiative.slug for initiative in initiatives]
    query = request.GET.get("q", "").strip()[:200]
    offered, more = [], False
    if len(initiatives) < MAX_CASES:
        offered, more = compare_choices(chosen, query)
    context = {
        "initiatives": initiatives,
        "problems": problems,
        "can_compare": len(initiatives) >= MIN_CASES,
        "choosing": len(initiatives) < MAX_CASES,
        "choices": offered,
        "more_choices": more,
        "query": query,
        "chosen": chosen,
    }
    return render(request, "casebook/compare.html", context)


def citation_download(request, slug, format):
    initiative = get_object_or_404(
        Initiative.objects.published().prefetch_related("sources"), slug=slug
    )
    url = request.build_absolute_uri(initiative.get_absolute_url())
    if format == "bib":
        body, content_type = citation.bibtex(initiative, url), "application/x-bibtex"
    else:
        body, content_type = citation.ris(initiative, url), "application/x-research-info-systems"
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{initiative.slug}.{format}"'
    return response


def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_http_methods(["GET", "HEAD", "POST"])
def suggest_correction(request, slug):
    """The correction form on a page of its own, so that the case's page carries no token."""
    initiative = get_object_or_404(Initiative.objects.published(), slug=slug)
    # A link from "what we don't know" names the gap: the form starts with it.
    gap = gaps.GAPS_BY_SLUG.get(request.GET.get("gap", ""))
    form = CorrectionForm(initial={"what_is_wrong": gap_prefill(gap)} if gap else None)
    status = 200
    if request.method == "POST":
        if over_limit(request):
            return render(
                request,
                "casebook/correction_limited.html",
                {"initiative": initiative},
                status=429,
            )
        form = CorrectionForm(request.POST)
        if form.is_valid():
            count_accepted(request)
            if not form.is_spam():
                correction = form.save(commit=False)
                correction.initiative = initiative
                correction.language = get_language()
                correction.client_key = client_key(request)
                correction.save()
            return redirect("casebook:correction-thanks", slug=initiative.slug)
        status = 400
    return render(
        request,
        "casebook/correction_form.html",
        {"initiative": initiative, "form": form},
        status=status,
    )


def gap_prefill(gap):
    return _("Missing from the record: %(gap)s. What I know: ") % {"gap": gap.label}


def correction_thanks(request, slug):
    initiative = get_object_or_404(Initiative.objects.published(), slug=slug)
    return render(request, "casebook/correction_thanks.html", {"initiative": initiative})


@require_http_methods(["GET", "HEAD", "POST"])
def propose(request):
    """A city official proposes an initiative; it is kept privately for the reviewers."""
    form = ProposalForm()
    status = 200
    if request.method == "POST":
        if proposals.over_limit(request):
            return render(request, "casebook/propose_limited.html", status=429)
        form = ProposalForm(request.POST)
        if form.is_valid():
            proposals.count_accepted(request)
            if not form.is_spam():
                form.save(request)
            return redirect("casebook:propose-thanks")
        status = 400
    return render(request, "casebook/propose.html", {"form": form}, status=status)


def propose_thanks(request):
    return render(request, "casebook/propose_thanks.html")
