from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from partners.models import KINDS_BY_SECTOR, Sector
from ppci.lib import pagecache
from ppci.lib.facets import build_facets
from ppci.lib.limits import refuse_oversized_query
from ppci.lib.paging import paginate

from . import citation, exports, proposals, search
from .compare import MAX_CASES, chosen_initiatives
from .corrections import CorrectionForm, client_key, count_accepted, over_limit
from .filters import SORTS, InitiativeFilter, Vocabulary
from .models import (
    SOCIAL_IMPACT_BOND,
    City,
    Funding,
    Initiative,
    Partnership,
    Programming,
    Theme,
    ThemeLink,
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
    listing = search.with_snippets(filterset.qs.for_listing(), query)
    page, page_problems = paginate(request, listing, settings.INITIATIVES_PER_PAGE)
    initiatives = list(page.object_list)
    if query:
        for initiative in initiatives:
            initiative.snippet = search.snippet(initiative, query)
    facets, chips = build_facets(filterset, request)
    context = {
        "way_on": None
        if page.paginator.count
        else way_on(request, filterset, queryset, vocabulary, chips),
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
    }
    return render(request, "casebook/initiative_list.html", context)


@refuse_oversized_query
def initiative_export(request, format):
    filterset = InitiativeFilter(request.GET, queryset=Initiative.objects.published())
    problems = filterset.problems
    if problems:
        return exports.bad_request(problems)
    initiatives = filterset.qs
    if format == "csv":
        return exports.csv_response(initiatives, request)
    return exports.json_response(initiatives, request)


def partnerships_by_sector(initiative):
    groups = []
    for sector in Sector:
        rows = [p for p in initiative.partnerships.all() if p.partner.sector == sector]
        if rows:
            groups.append({"sector": sector, "partnerships": rows})
    return groups


def initiative_detail(request, slug):
    initiative = get_object_or_404(visible_initiatives(request).for_detail(), slug=slug)
    url = request.build_absolute_uri(initiative.get_absolute_url())
    context = {
        "initiative": initiative,
        "partnerships_by_sector": partnerships_by_sector(initiative),
        "figures": list(initiative.figures.all()),
        "related": related_initiatives(initiative),
        "citation": citation.citation(initiative, url),
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
    members = City.objects.filter(is_network_member=True).order_by("name_es")
    return render(request, "casebook/network.html", {"members": members})


def accessibility(request):
    return render(request, "casebook/accessibility.html", {})


def privacy(request):
    return render(request, "casebook/privacy.html", {"retention_days": settings.PERSONAL_DATA_DAYS})


@refuse_oversized_query
def compare(request):
    initiatives, problems = chosen_initiatives(request.GET.getlist("i"))
    for initiative in initiatives:
        initiative.partnerships_by_sector = partnerships_by_sector(initiative)
    chosen = [initiative.slug for initiative in initiatives]
    context = {
        "initiatives": initiatives,
        "problems": problems,
        "can_compare": len(initiatives) >= 2,
        "choices": Initiative.objects.published().exclude(slug__in=chosen).order_by("title_es")
        if len(initiatives) < MAX_CASES
        else [],
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
    form = CorrectionForm()
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
