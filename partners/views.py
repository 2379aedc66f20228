from django.conf import settings
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, render

from casebook.facets import build_facets
from casebook.limits import refuse_oversized_query
from casebook.models import Partnership
from casebook.paging import paginate, query_without

from .filters import PartnerFilter
from .models import KINDS_BY_SECTOR, Kind, Partner, Sector


def public_partners():
    """Partners of at least one published initiative, with how many."""
    return Partner.objects.with_published_initiatives().annotate(
        initiative_count=Count(
            "partnerships__initiative",
            filter=Q(partnerships__initiative__status="published"),
            distinct=True,
        )
    )


@refuse_oversized_query
def partner_list(request):
    filterset = PartnerFilter(request.GET, queryset=Partner.objects.with_published_initiatives())
    page, page_problems = paginate(
        request,
        public_partners().filter(pk__in=filterset.qs.values("pk")).order_by("name_es", "slug"),
        settings.PARTNERS_PER_PAGE,
    )
    facets, chips = build_facets(
        filterset,
        request,
        labels={
            "sector": Sector.choices,
            "kind": [
                (kind.value, kind.label) for sector in Sector for kind in KINDS_BY_SECTOR[sector]
            ],
        },
        always_shown={"sector"},
        text_filters=("q",),
    )
    query = filterset.form.cleaned_data.get("q") or ""
    context = {
        "filterset": filterset,
        "page": page,
        "partners": page.object_list,
        "facets": facets,
        "chips": chips,
        "query": query,
        "problems": filterset.problems() + page_problems,
        "query_string": query_without(request.GET, "page"),
        "kind_labels": dict(Kind.choices),
    }
    return render(request, "partners/partner_list.html", context)


def partner_detail(request, slug):
    partner = get_object_or_404(public_partners(), slug=slug)
    partnerships = (
        Partnership.objects.published()
        .filter(partner=partner)
        .select_related("initiative__city")
        .prefetch_related(Prefetch("initiative__themes"))
        .order_by("initiative__title_es", "order")
    )
    initiatives = {}
    for partnership in partnerships:
        entry = initiatives.setdefault(
            partnership.initiative_id, {"initiative": partnership.initiative, "roles": []}
        )
        entry["roles"].append(partnership)
    return render(
        request,
        "partners/partner_detail.html",
        {"partner": partner, "initiatives": list(initiatives.values())},
    )
