from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries.filters import CountryFilter
from modeltranslation.admin import TranslationStackedInline, TranslationTabularInline

from partners.models import Sector
from ppci.lib.history import HistoryAdmin
from ppci.lib.locking import VersionCheckedForm

from .models import (
    City,
    Correction,
    Figure,
    Funding,
    Initiative,
    Issue,
    Partnership,
    Source,
    Status,
    Theme,
)


class PartnerSectorFilter(admin.SimpleListFilter):
    """Initiatives with at least one partner from the chosen sector."""

    title = _("partner sector")
    parameter_name = "partner_sector"

    def lookups(self, request, model_admin):
        return Sector.choices

    def queryset(self, request, queryset):
        if self.value() not in Sector.values:
            return queryset
        # A subquery, not a join, so an initiative with two such partners is listed once.
        return queryset.filter(
            pk__in=Partnership.objects.filter(partner__sector=self.value()).values("initiative_id")
        )


class PartnershipInline(TranslationTabularInline):
    model = Partnership
    fields = ["partner", "role", "description", "order"]
    autocomplete_fields = ["partner"]
    extra = 1
    view_on_site = False


class FigureInline(TranslationStackedInline):
    model = Figure
    fields = [
        ("key", "kind", "order"),
        "label",
        ("qualifier", "value", "value_max", "unit", "direction"),
        ("period_start", "period_end"),
        "note",
    ]
    extra = 0
    view_on_site = False


class SourceInline(TranslationTabularInline):
    model = Source
    fields = ["key", "title", "publisher", "year", "url", "locator", "order"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 0
    view_on_site = False


@admin.register(Initiative)
class InitiativeAdmin(HistoryAdmin):
    form = VersionCheckedForm
    list_display = [
        "title",
        "city",
        "country",
        "year_founded",
        "programming",
        "status",
        "updated_at",
    ]
    list_filter = [
        "themes",
        PartnerSectorFilter,
        "status",
        ("country", CountryFilter),
        "programming",
        "scale",
    ]
    list_select_related = ["city"]
    search_fields = [
        "title_es",
        "title_en",
        "summary_es",
        "summary_en",
        "slug",
        "partners__name_es",
        "city__name_es",
    ]
    prepopulated_fields = {"slug": ("title_es",)}
    filter_horizontal = ["themes", "fundings", "issues"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "description", "lessons_learned"]}),
        (
            _("Place and time"),
            {
                "fields": [
                    "city",
                    "country",
                    "place",
                    "reach_countries",
                    ("year_founded", "month_founded", "year_ended"),
                ]
            },
        ),
        (
            _("Classification"),
            {
                "fields": [
                    ("programming", "is_programming_example"),
                    "scale",
                    "themes",
                    "fundings",
                    "issues",
                ]
            },
        ),
        (_("Sources"), {"fields": ["source_note"]}),
        (_("Publication"), {"fields": ["status", "published_at", "version"]}),
    ]
    # The publication date is the server's record of when the initiative went public.
    readonly_fields = ["published_at"]
    inlines = [PartnershipInline, FigureInline, SourceInline]
    actions = ["publish", "unpublish"]

    def has_publish_permission(self, request):
        return Initiative.may_publish(request.user)

    # Going back to an earlier version, or recovering a deleted initiative, can put a page
    # back in public view (or take it out), so it is for those who may publish.

    def may_revert(self, request):
        return super().may_revert(request) and self.has_publish_permission(request)

    def may_recover(self, request):
        return self.has_add_permission(request) and self.has_publish_permission(request)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            readonly.append("status")
        return readonly

    def save_model(self, request, obj, form, change):
        # The form leaves status out for those who may not publish; this holds even if it
        # didn't: a change of status goes through the initiative's own transition, which
        # checks the permission before anything is saved.
        stored = Status.DRAFT
        if change:
            stored = Initiative.objects.filter(pk=obj.pk).values_list("status", flat=True).get()
        wanted, obj.status = obj.status, stored
        if wanted == stored:
            super().save_model(request, obj, form, change)
        elif wanted == Status.PUBLISHED:
            obj.publish(by=request.user)
        else:
            obj.unpublish(by=request.user)

    @admin.action(permissions=["publish"], description=_("Publish selected initiatives"))
    def publish(self, request, queryset):
        count = self._log_each(request, queryset, queryset.publish, _("Published."))
        self.message_user(
            request,
            ngettext("%(count)d initiative published.", "%(count)d initiatives published.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(permissions=["publish"], description=_("Unpublish selected initiatives"))
    def unpublish(self, request, queryset):
        count = self._log_each(request, queryset, queryset.unpublish, _("Unpublished."))
        self.message_user(
            request,
            ngettext(
                "%(count)d initiative unpublished.", "%(count)d initiatives unpublished.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def _log_each(self, request, queryset, transition, message):
        """Run the queryset's transition for the user; note each change in the admin log."""
        changed = transition(by=request.user)
        for initiative in changed:
            self.log_change(request, initiative, str(message))
        return len(changed)


@admin.register(City)
class CityAdmin(HistoryAdmin):
    list_display = ["name", "country", "is_network_member"]
    list_filter = ["is_network_member", ("country", CountryFilter)]
    search_fields = ["name_es", "name_en", "slug"]
    prepopulated_fields = {"slug": ("name_es",)}
    fields = ["name", "slug", "country", "description", "is_network_member", "network_note"]


@admin.register(Theme)
class ThemeAdmin(HistoryAdmin):
    list_display = ["order", "name", "slug"]
    list_display_links = ["name"]
    ordering = ["order"]
    search_fields = ["name_es", "name_en", "slug"]
    prepopulated_fields = {"slug": ("name_es",)}
    autocomplete_fields = ["example"]
    fields = ["order", "name", "slug", "summary", "description", "example"]


@admin.register(Funding)
class FundingAdmin(HistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name_es", "name_en", "slug"]
    prepopulated_fields = {"slug": ("name_es",)}
    autocomplete_fields = ["example"]
    fields = ["name", "slug", "description", "example"]


@admin.register(Issue)
class IssueAdmin(HistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name_es", "name_en", "slug"]
    prepopulated_fields = {"slug": ("name_es",)}
    fields = ["name", "slug"]


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    """Visitors' suggestions: read them, follow them up, mark them reviewed."""

    list_display = ["initiative", "short_text", "language", "created_at", "reviewed"]
    list_filter = ["reviewed", "language", "created_at"]
    list_editable = ["reviewed"]
    list_select_related = ["initiative"]
    search_fields = ["what_is_wrong", "source", "email", "initiative__title_es"]
    readonly_fields = ["initiative", "what_is_wrong", "source", "email", "language", "created_at"]
    date_hierarchy = "created_at"

    @admin.display(description=_("what is wrong"))
    def short_text(self, correction):
        text = correction.what_is_wrong
        return text if len(text) <= 80 else text[:79] + "…"

    def has_add_permission(self, request):
        return False
