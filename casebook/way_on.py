"""What a list that found nothing offers instead: searches that find something (close terms,
or fewer words), each active filter whose dropping finds something, with what the list would
then hold, and the whole case book."""

from django.http import QueryDict
from django.utils.translation import get_language

from ppci.lib.paging import query_without

from .filters import InitiativeFilter
from .search import suggest

MAX_TERMS = 3
MAX_TRIED = 5


def _count(data, queryset, vocabulary, remember_counts_as):
    """What the list of ``data`` would hold: from the published case book's index where the
    list itself was answered from it, else counted in the database."""
    filterset = InitiativeFilter(
        data, queryset=queryset, vocabulary=vocabulary, remember_counts_as=remember_counts_as
    )
    count = filterset.index_count()
    if count is not None:
        return count
    filterset.form.is_valid()
    return filterset.filter_queryset(filterset.queryset.all()).count()


def _with_query(data, text):
    changed = data.copy()
    changed.setlist("q", [text])
    return query_without(changed, "page")


def way_on(request, filterset, queryset, vocabulary, chips):
    """The ways on from an empty list, for ``includes/no_results.html``."""
    data = request.GET
    public = filterset.remember_counts_as
    terms = []
    query = filterset.search_text
    if query:
        language = "en" if get_language() == "en" else "es"
        for text in suggest.other_queries(query, language)[:MAX_TRIED]:
            url = _with_query(data, text)
            count = _count(QueryDict(url[1:]), queryset, vocabulary, public)
            if count:
                terms.append({"query": text, "url": url, "count": count})
            if len(terms) == MAX_TERMS:
                break
    filters = []
    for chip in chips:
        if chip["url"] == "?":  # dropping the one filter there is: the whole case book, below
            continue
        count = _count(QueryDict(chip["url"][1:]), queryset, vocabulary, public)
        if count:  # a way on that also finds nothing is no way on
            filters.append({"label": chip["label"], "url": chip["url"], "count": count})
    total = _count(QueryDict(), queryset, vocabulary, public)
    return {"terms": terms, "filters": filters, "total": total}
