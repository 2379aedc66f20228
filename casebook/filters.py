"""The initiative list's filters: one FilterSet for the page, its facet counts and its exports.

Different parameters combine with AND, repeated values of one parameter with OR. Unknown
values are set aside with a message instead of failing the whole filter.
"""

from dataclasses import dataclass, field

import django_filters
from django.db.models import F, Q
from django.db.models.lookups import GreaterThan
from django.http import QueryDict
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from partners.models import KIND_BITS, SECTOR_BITS, Kind, Sector, mask
from ppci.lib import pagecache
from ppci.lib.countries import country_codes
from ppci.lib.facets import CountryFilter, FacetedFilterSet

from . import search
from .listindex import ListIndex, orderings, reader_language
from .maps import CityFacts
from .models import (
    EVIDENCE_BITS,
    METHOD_BITS,
    City,
    EvidenceLevel,
    Funding,
    FundingLink,
    Initiative,
    Issue,
    IssueLink,
    MeasurementMethod,
    Programming,
    Scale,
    Theme,
    ThemeLink,
)

MAX_QUERY_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Term:
    """One option of a vocabulary, light enough to keep in memory: its slug and names."""

    slug: str
    name_es: str
    name_en: str

    @property
    def name(self):
        if get_language() == "en":
            return self.name_en or self.name_es
        return self.name_es or self.name_en

    @classmethod
    def all_of(cls, queryset):
        return [cls(*row) for row in queryset.values_list("slug", "name_es", "name_en")]


@dataclass
class Vocabulary:
    """The options staff can extend, read once per request."""

    themes: list = field(default_factory=list)
    fundings: list = field(default_factory=list)
    issues: list = field(default_factory=list)
    cities: list = field(default_factory=list)

    @classmethod
    def load(cls, public=True):
        """Read from the database once per change of content, not once per request. The
        public's cities, fundings and issues are those of published cases: a city whose only
        case is a draft is not named to the public, not even as a filter value."""
        return pagecache.remember(
            "vocabulary:public" if public else "vocabulary:staff",
            lambda: cls.read(public),
        )

    @classmethod
    def read(cls, public):
        cities, fundings, issues = City.objects.all(), Funding.objects.all(), Issue.objects.all()
        if public:
            published = Initiative.objects.published()
            cities = cities.filter(pk__in=published.values("city_id"))
            fundings = fundings.filter(
                pk__in=FundingLink.objects.filter(initiative__in=published).values("funding_id")
            )
            issues = issues.filter(
                pk__in=IssueLink.objects.filter(initiative__in=published).values("issue_id")
            )
        return cls(
            themes=Term.all_of(Theme.objects.order_by("order")),
            fundings=Term.all_of(fundings),
            issues=Term.all_of(issues),
            # With their places, so that the list's map needs no query of its own.
            cities=CityFacts.all_of(cities),
        )


SORTS = {
    "relevance": _("relevance"),
    "title": _("title (A–Z)"),
    "-year": _("newest founding year first"),
    "year": _("oldest founding year first"),
    "-updated": _("recently updated"),
}


def any_of_bits(field, bits, values):
    """The rows whose set of options in ``field`` holds any of ``values``."""
    return GreaterThan(F(field).bitand(mask(bits, values)), 0)


def bits_filter(field, bits):
    """Initiatives whose set ``field`` (one bit per option) holds any of the values."""

    def method(queryset, name, values):
        return queryset.filter(any_of_bits(field, bits, values)) if values else queryset

    return method


def linked_to(model, lookup, values):
    """Initiatives linked through ``model`` to any of the values: a subquery, no duplicates."""
    return Q(pk__in=model.objects.filter(**{f"{lookup}__in": values}).values("initiative_id"))


def through_filter(model, lookup):
    def method(queryset, name, values):
        return queryset.filter(linked_to(model, lookup, values)) if values else queryset

    method.link = (model, lookup)
    return method


class InitiativeFilter(FacetedFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        max_length=MAX_QUERY_LENGTH,
    )
    theme = django_filters.MultipleChoiceFilter(
        label=_("Work theme"), method=through_filter(ThemeLink, "theme__slug")
    )
    sector = django_filters.MultipleChoiceFilter(
        label=_("Partner sector"),
        choices=Sector.choices,
        method=bits_filter("partner_sectors", SECTOR_BITS),
    )
    kind = django_filters.MultipleChoiceFilter(
        label=_("Partner kind"),
        choices=Kind.choices,
        method=bits_filter("partner_kinds", KIND_BITS),
    )
    programming = django_filters.ChoiceFilter(label=_("Programming"), choices=Programming.choices)
    funding = django_filters.MultipleChoiceFilter(
        label=_("Funding"), method=through_filter(FundingLink, "funding__slug")
    )
    issue = django_filters.MultipleChoiceFilter(
        label=_("Issue addressed"), method=through_filter(IssueLink, "issue__slug")
    )
    scale = django_filters.MultipleChoiceFilter(
        label=_("Scale"), choices=Scale.choices, field_name="scale", distinct=False
    )
    country = CountryFilter(label=_("Country"), field_name="country")
    city = django_filters.MultipleChoiceFilter(
        label=_("City"), field_name="city__slug", distinct=False
    )
    evidence = django_filters.MultipleChoiceFilter(
        label=_("Evidence level"),
        choices=EvidenceLevel.choices,
        method=bits_filter("evidence_levels", EVIDENCE_BITS),
    )
    method = django_filters.MultipleChoiceFilter(
        label=_("How it was measured"),
        choices=MeasurementMethod.choices,
        method=bits_filter("figure_methods", METHOD_BITS),
    )
    year_from = django_filters.NumberFilter(
        label=_("Founded from"),
        field_name="year_founded",
        lookup_expr="gte",
        min_value=1000,
        max_value=9999,
    )
    year_to = django_filters.NumberFilter(
        label=_("Founded until"),
        field_name="year_founded",
        lookup_expr="lte",
        min_value=1000,
        max_value=9999,
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=list(SORTS.items()), method="filter_sort", empty_label=None
    )

    # The parameters a visitor may repeat, and what each facet counts.
    REPEATABLE = (
        "theme",
        "sector",
        "kind",
        "funding",
        "issue",
        "scale",
        "country",
        "city",
        "evidence",
        "method",
    )
    FACETS = {
        "theme": "themes__slug",
        "sector": "partner_sectors",
        "kind": "partner_kinds",
        "programming": "programming",
        "funding": "fundings__slug",
        "issue": "issues__slug",
        "scale": "scale",
        "country": "country",
        "city": "city__slug",
        "evidence": "evidence_levels",
        "method": "figure_methods",
    }
    # An initiative keeps its partners' sectors and kinds, and its figures' evidence levels
    # and methods, as sets of bits in its own row.
    MASK_FACETS = {
        "sector": SECTOR_BITS,
        "kind": KIND_BITS,
        "evidence": EVIDENCE_BITS,
        "method": METHOD_BITS,
    }
    ALWAYS_SHOWN = frozenset({"theme", "sector", "programming"})
    TEXT_FILTERS = ("q", "year_from", "year_to")
    SORT = "sort"

    class Meta:
        model = Initiative
        fields = []

    def __init__(self, data=None, queryset=None, *, vocabulary=None, **kwargs):
        self.vocabulary = vocabulary or Vocabulary.load()
        self.notices = []
        super().__init__(self._set_aside_unknown(data), queryset, **kwargs)
        query = self.data.get("q", "") if self.data is not None else ""
        if query.strip() and not search.has_searchable_word(query):
            self.notices.append(
                _("Search for a word of two letters or more; “%(query)s” has none.")
                % {"query": query[:80]}
            )
        filters = self.filters
        filters["theme"].extra["choices"] = [(t.slug, t.name) for t in self.vocabulary.themes]
        filters["funding"].extra["choices"] = [(f.slug, f.name) for f in self.vocabulary.fundings]
        filters["issue"].extra["choices"] = [(i.slug, i.name) for i in self.vocabulary.issues]
        filters["city"].extra["choices"] = [(c.slug, c.name) for c in self.vocabulary.cities]
        for name in ("theme", "funding", "issue", "city"):
            self.form.fields[name].choices = filters[name].extra["choices"]

    def known_values(self, name):
        known = {
            "theme": lambda: {t.slug for t in self.vocabulary.themes},
            "funding": lambda: {f.slug for f in self.vocabulary.fundings},
            "issue": lambda: {i.slug for i in self.vocabulary.issues},
            "city": lambda: {c.slug for c in self.vocabulary.cities},
            "sector": lambda: set(Sector.values),
            "kind": lambda: set(Kind.values),
            "scale": lambda: set(Scale.values),
            "evidence": lambda: set(EvidenceLevel.values),
            "method": lambda: set(MeasurementMethod.values),
            "country": country_codes,
        }
        return known[name]()

    def _set_aside_unknown(self, data):
        """Keep the values we know; tell the visitor about the others."""
        if data is None:
            return None
        cleaned = QueryDict(mutable=True)
        for name, values in data.lists():
            if name in self.REPEATABLE:
                known = self.known_values(name)
                kept = []
                for value in values:
                    value = value.strip()
                    if name == "country":
                        value = value.upper()
                    if value in known:
                        if value not in kept:
                            kept.append(value)
                    elif value:
                        self.notices.append(
                            _("“%(value)s” is not a known %(what)s; it was left out.")
                            % {"value": value[:80], "what": self.base_filters[name].label.lower()}
                        )
                cleaned.setlist(name, kept)
            else:
                cleaned.setlist(name, values[-1:])
        return cleaned

    # Filtering ------------------------------------------------------------------------

    def row_condition(self, name, value):
        if name in self.MASK_FACETS:
            return any_of_bits(self.FACETS[name], self.MASK_FACETS[name], value)
        if name == "programming":
            return Q(programming=value)
        if name in ("scale", "country", "city"):
            return Q(**{f"{self.FACETS[name]}__in": value})
        link = getattr(self.filters[name].method, "link", None)
        if link is not None:  # theme, funding, issue: the link table alone
            return linked_to(*link, value)
        return None

    def filter_search(self, queryset, name, value):
        return search.matching(queryset, value) if value.strip() else queryset

    def filter_sort(self, queryset, name, value):
        return queryset  # applied last, in ordered()

    @property
    def search_text(self):
        if not self.is_bound:
            return ""
        self.form.is_valid()
        return (self.form.cleaned_data.get("q") or "").strip()

    @property
    def sort_order(self):
        chosen = self.form.cleaned_data.get("sort") if self.is_bound else None
        if chosen == "relevance" and not self.search_text:
            chosen = None
        return chosen or ("relevance" if self.search_text else "title")

    def ordered(self, queryset):
        sort = self.sort_order
        if sort == "relevance":
            queryset = search.ranked(queryset, self.search_text)
            return queryset.order_by("-search_rank", "slug")
        return queryset.order_by(*orderings(get_language())[sort])

    # The published list from the index ------------------------------------------------

    def _index(self):
        """The published case book's index (``listindex``), or None where the database
        answers: for staff (``remember_counts_as`` unset: they see drafts), or while there is
        no current index."""
        return ListIndex.current() if self.remember_counts_as == "published" else None

    def index_count(self):
        """How many the list holds, from the index; None where the database answers."""
        index = self._index()
        answer = index.answer(self, "es", count_only=True) if index is not None else None
        return answer.count if answer is not None else None

    def index_answer(self):
        """The list's answer from the index, or None where the database answers (see
        ``_index``, and for a filter the index does not read)."""
        if not hasattr(self, "_index_answer"):
            index = self._index()
            language = reader_language()
            self._index_answer = index.answer(self, language) if index is not None else None
        return self._index_answer

    def listing(self, read):
        """The list's rows, for the paginator: from the index, a sequence whose page is read
        by ``read(queryset)`` (the page's keys as a queryset, to which it adds what the page
        shows); otherwise ``read`` of the whole filtered, ordered queryset."""
        answer = self.index_answer()
        if answer is None:
            return read(self.qs)
        # Put in the answer's order as they are read: the list's own order would cost SQLite
        # a scan of the case book along its title index to find a page of keys.
        return answer.rows(lambda keys: read(self.queryset.filter(pk__in=keys).order_by()))

    def facet_counts(self):
        answer = self.index_answer()
        if answer is not None:
            return answer.facet_counts
        return super().facet_counts()


def title_in_language():
    """The order by title in the reader's language, without case or accents (the stored
    sort titles, each with its index)."""
    return F("sort_title_en") if get_language() == "en" else F("sort_title_es")
