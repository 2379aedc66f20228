"""The partner pages: partners that take part in published initiatives, and each partner's
initiatives with its roles. They live with the initiatives they list; their addresses are
``partners:list`` and ``partners:detail``."""

from django.conf import settings
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from partners.filters import PartnerFilter
from partners.models import Partner
from ppci.lib.facets import build_facets
from ppci.lib.limits import refuse_oversized_query
from ppci.lib.paging import paginate

from . import jsonld
from .filters import title_in_language
from .listindex import ListIndex, keys_of, reader_language
from .models import Initiative, Partnership


def with_initiative_counts(partners):
    """Each partner with how many published initiatives it takes part in, counted for the
    partners a page shows (a subquery per row of the page), not grouped over every partner."""
    published = (
        Partnership.objects.published()
        .filter(partner=OuterRef("pk"))
        .order_by()
        .values("partner")
        .annotate(count=Count("initiative", distinct=True))
        .values("count")
    )
    return partners.annotate(initiative_count=Subquery(published))


@refuse_oversized_query
def partner_list(request):
    filterset = PartnerFilter(request.GET, queryset=Partnership.objects.published().partners())
    page, page_problems = paginate(
        request,
        with_initiative_counts(filterset.qs).order_by(*Partner.reader_order()),
        settings.PARTNERS_PER_PAGE,
    )
    facets, chips = build_facets(filterset, request)
    query = filterset.form.cleaned_data.get("q") or ""
    context = {
        "filterset": filterset,
        "page": page,
        "partners": page.object_list,
        "facets": facets,
        "chips": chips,
        "query": query,
        "problems": filterset.problems + page_problems,
    }
    return render(request, "partners/partner_list.html", context)


@refuse_oversized_query
def partner_detail(request, slug):
    """A partner and its published initiatives, a page at a time, each with its roles."""
    partner = get_object_or_404(Partner, slug=slug)
    shown = (
        Initiative.objects.published()
        .select_related("city")
        .only(
            "slug",
            "title",
            "title_es",
            "title_en",
            "country",
            "city__name",
            "city__name_es",
            "city__name_en",
            "city__slug",
        )
    )
    partnerships = Partnership.objects.filter(partner=partner)
    index = ListIndex.current()
    if index is not None:
        # Counted and ordered by the list's index: the database would walk the whole case
        # book along its title index to find a page of a partner's few initiatives.
        keys = keys_of(partnerships.order_by(), "initiative_id")
        answer = index.in_title_order(keys, reader_language())
        initiatives = answer.rows(lambda keys: shown.filter(pk__in=keys).order_by())
    else:
        initiatives = shown.filter(pk__in=partnerships.values("initiative_id")).order_by(
            title_in_language(), "slug"
        )
    page, problems = paginate(request, initiatives, settings.INITIATIVES_PER_PAGE * 2)
    if not page.paginator.count:  # only partners of something published are public
        raise Http404
    roles = {}
    for partnership in Partnership.objects.filter(
        partner=partner, initiative__in=[initiative.pk for initiative in page.object_list]
    ).order_by("order", "pk"):
        roles.setdefault(partnership.initiative_id, []).append(partnership)
    entries = [
        {"initiative": initiative, "roles": roles.get(initiative.pk, [])}
        for initiative in page.object_list
    ]
    context = {
        "partner": partner,
        "initiatives": entries,
        "json_ld": jsonld.partner(request, partner, entries),
        "page": page,
        "problems": problems,
    }
    return render(request, "partners/partner_detail.html", context)
