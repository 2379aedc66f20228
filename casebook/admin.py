from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter
from modeltranslation.admin import TranslationStackedInline

from partners.models import Sector
from ppci.lib.history import HistoryAdmin
from ppci.lib.locking import VersionCheckedForm

from . import pending as pending_changes
from . import privacy, proposals
from .models import (
    CHECK_EVERY_DAYS,
    TRANSITION_TO,
    TRANSITIONS,
    City,
    Correction,
    Direction,
    Figure,
    Funding,
    Initiative,
    Issue,
    Partnership,
    PendingChange,
    Proposal,
    Source,
    Status,
    Theme,
    TransitionRefused,
)
from .notifications import notify_pending

# The change form's button that saves and sends the initiative to review.
SEND_TO_REVIEW = "_send_to_review"


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


class WaitingForReviewFilter(admin.SimpleListFilter):
    """The reviewers' queue: new cases in review, and changes to published ones."""

    title = _("review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("waiting", _("waiting for review"))]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.waiting_for_review(with_changes=True)
        return queryset


LANGUAGE_NAMES = {"es": _("Spanish"), "en": _("English")}


class MissingLanguageFilter(admin.SimpleListFilter):
    """Cases whose texts are incomplete in one language (``Initiative.incomplete_languages``)."""

    title = _("translation")
    parameter_name = "missing"

    def lookups(self, request, model_admin):
        return [("en", _("missing English")), ("es", _("missing Spanish"))]

    def queryset(self, request, queryset):
        if self.value() in ("es", "en"):
            return queryset.missing_language(self.value())
        return queryset


class NeedsCheckingFilter(admin.SimpleListFilter):
    """Cases nobody has checked for two years, or ever."""

    title = _("record checked")
    parameter_name = "checked"

    def lookups(self, request, model_admin):
        return [("stale", _("not in two years, or never")), ("recent", _("in the last two years"))]

    def queryset(self, request, queryset):
        since = timezone.localdate() - timedelta(days=CHECK_EVERY_DAYS)
        if self.value() == "stale":
            return queryset.not_checked_since(since)
        if self.value() == "recent":
            return queryset.filter(last_checked__gte=since)
        return queryset


def incomplete_warning(initiative):
    """What an editor is told when a case goes to review with a language incomplete."""
    missing = initiative.incomplete_languages()
    if not missing:
        return None
    return _(
        "“%(title)s” went to review with its %(languages)s text incomplete: readers in that "
        "language will see the other language's text, marked as such."
    ) % {
        "title": initiative,
        "languages": " / ".join(str(LANGUAGE_NAMES[code]).lower() for code in missing),
    }


class PartnershipInline(TranslationStackedInline):
    """One block per partner: the partner, its role and its place in the list on one line,
    what it does in each language below (a table of six columns would not fit the window)."""

    model = Partnership
    fields = [("partner", "role", "order"), "description"]
    autocomplete_fields = ["partner"]
    extra = 1
    view_on_site = False


class FigureForm(forms.ModelForm):
    """A figure's key may be left empty: it is made from what was measured, unique within
    the initiative, so that “40 people trained in 2012” is three fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "key" in self.fields:
            self.fields["key"].required = False

    def clean(self):
        cleaned = super().clean()
        if "key" in self.fields and not cleaned.get("key") and "key" not in self.errors:
            label = next(
                (
                    cleaned.get(f"label_{code}")
                    for code in ("es", "en")
                    if cleaned.get(f"label_{code}")
                ),
                cleaned.get("label", ""),
            )
            cleaned["key"] = self._free_key(slugify(label)[:50] or "figure")
            self.key_made = True
        # A count or an amount in one year ("40 people trained in 2012") covers that year;
        # a change with only its first year reads "since 1991".
        if (
            cleaned.get("period_start")
            and not cleaned.get("period_end")
            and cleaned.get("direction") == Direction.LEVEL
            and "period_end" in self.fields
        ):
            cleaned["period_end"] = cleaned["period_start"]
        return cleaned

    def _free_key(self, base):
        taken = set()
        if self.instance.initiative_id:
            taken = set(
                Figure.objects.filter(initiative_id=self.instance.initiative_id)
                .exclude(pk=self.instance.pk)
                .values_list("key", flat=True)
            )
        key, number = base, 2
        while key in taken:
            key, number = f"{base}-{number}", number + 1
        return key


class FigureFormSet(forms.BaseInlineFormSet):
    """Keys made from labels stay unique among the figures saved together."""

    def clean(self):
        kept = {
            form.cleaned_data.get("key")
            for form in self.forms
            if hasattr(form, "cleaned_data") and not getattr(form, "key_made", False)
        }
        for form in self.forms:
            if getattr(form, "key_made", False) and hasattr(form, "cleaned_data"):
                base = key = form.cleaned_data["key"]
                number = 2
                while key in kept:
                    key, number = f"{base}-{number}", number + 1
                kept.add(key)
                form.cleaned_data["key"] = form.instance.key = key
        super().clean()


class FigureInline(TranslationStackedInline):
    """A figure, then its evidence: level, method and effect on one line, where it comes
    from (one of the case's own sources), in its words, and who checked it when."""

    model = Figure
    form = FigureForm
    formset = FigureFormSet
    fields = [
        ("key", "kind", "order"),
        "label",
        ("qualifier", "value", "value_max", "unit", "direction"),
        ("period_start", "period_end"),
        "note",
        ("evidence_level", "method", "attribution"),
        "source",
        "source_locator",
        ("source_quote", "source_quote_language"),
        ("checked_by", "checked_on"),
    ]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}
    extra = 0
    view_on_site = False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":
            # Only this case's own sources (none yet for a new case: save them first).
            object_id = request.resolver_match.kwargs.get("object_id") if request else None
            kwargs["queryset"] = Source.objects.filter(
                initiative_id=unquote(object_id) if object_id else None
            ).order_by("order", "pk")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SourceInline(TranslationStackedInline):
    model = Source
    fields = [("key", "order"), "title", ("publisher", "year"), "url", "locator"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 0
    view_on_site = False


class InitiativeForm(VersionCheckedForm):
    """The initiative's form; for a reviewer, a change of status is one of the transitions
    the stored status allows (a return with the comment it needs)."""

    def clean(self):
        cleaned = super().clean()
        if "status" not in self.fields or "status" not in cleaned:
            return cleaned
        stored = self.initial.get("status", Status.DRAFT) if self.instance.pk else Status.DRAFT
        wanted = cleaned["status"]
        if wanted == stored:
            return cleaned
        name = TRANSITION_TO.get(wanted)
        if name is None or stored not in TRANSITIONS[name].sources:
            self.add_error(
                "status",
                _("An initiative that is %(stored)s cannot become %(wanted)s.")
                % {
                    "stored": Status(stored).label,
                    "wanted": Status(wanted).label,
                },
            )
        elif name == "return_to_editor" and not (cleaned.get("review_comment") or "").strip():
            self.add_error("review_comment", _("Say what the editor should change."))
        return cleaned


@admin.register(Initiative)
class InitiativeAdmin(HistoryAdmin):
    form = InitiativeForm
    change_form_template = "admin/casebook/initiative/change_form.html"
    # Few enough columns to read without scrolling sideways beside the filters at 1,024 px.
    list_display = [
        "title",
        "place_name",
        "year_founded",
        "status",
        "languages",
        "checked",
        "updated_at",
    ]
    list_filter = [
        WaitingForReviewFilter,
        MissingLanguageFilter,
        NeedsCheckingFilter,
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
        (
            _("Checking the record"),
            {
                "fields": [("activity", "last_checked")],
                "description": _(
                    "Whether the initiative still runs, and when its record was last checked "
                    "against its sources. Cases not checked for two years are flagged in the "
                    "list."
                ),
            },
        ),
        (
            _("Publication"),
            {"fields": ["status", "review_comment", "published_at", "version"]},
        ),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "reach_countries":
            # Two lists with a filter box (the admin's own widget, a static script); without
            # JavaScript, a plain multiple choice.
            kwargs["widget"] = FilteredSelectMultiple(db_field.verbose_name, is_stacked=False)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    # The publication date is the server's record of when the initiative went public.
    readonly_fields = ["published_at"]
    inlines = [PartnershipInline, FigureInline, SourceInline]
    actions = ["send_to_review", "publish", "unpublish"]

    def has_publish_permission(self, request):
        return Initiative.may_publish(request.user)

    @admin.display(description=_("place"), ordering="city__name")
    def place_name(self, initiative):
        if initiative.city:
            return f"{initiative.city.name}, {initiative.country.name}"
        return initiative.country.name

    @admin.display(description=_("checked"), ordering="last_checked")
    def checked(self, initiative):
        # The year is enough to see what is due; the change form has the day.
        shown = str(initiative.last_checked.year) if initiative.last_checked else _("never")
        if initiative.needs_checking:
            return format_html('<strong class="needs-checking">⚠ {}</strong>', shown)
        return shown

    @admin.display(description=_("complete in"))
    def languages(self, initiative):
        missing = initiative.incomplete_languages()
        complete = [str(LANGUAGE_NAMES[code]) for code in ("es", "en") if code not in missing]
        return ", ".join(complete) or "—"

    # Going back to an earlier version, or recovering a deleted initiative, can put a page
    # back in public view (or take it out), so it is for those who may publish.

    def may_revert(self, request):
        return super().may_revert(request) and self.has_publish_permission(request)

    def may_recover(self, request):
        return self.has_add_permission(request) and self.has_publish_permission(request)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            readonly += ["status", "review_comment"]
        return readonly

    def save_model(self, request, obj, form, change):
        # The form leaves status out for those who may not publish; this holds even if it
        # didn't: a change of status goes through the initiative's own transition, which
        # checks the permission before anything is saved.
        stored, comment = Status.DRAFT, ""
        if change:
            stored, comment = (
                Initiative.objects.filter(pk=obj.pk).values_list("status", "review_comment").get()
            )
        wanted, obj.status = obj.status, stored
        if not self.has_publish_permission(request):
            obj.review_comment = comment
        if wanted == stored and SEND_TO_REVIEW in request.POST and obj.can_move("send_to_review"):
            obj.send_to_review(by=request.user)
            request.incomplete_warning = incomplete_warning(obj)
        elif wanted == stored:
            super().save_model(request, obj, form, change)
        else:
            obj.move(TRANSITION_TO[wanted], request.user, obj.review_comment)

    # Changes to published cases wait for review ------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id:
            initiative = Initiative.objects.filter(pk=unquote(object_id)).first()
            if pending_changes.is_pending_edit(request.user, initiative):
                return self._keep_for_review(
                    request, initiative, object_id, form_url, extra_context
                )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _keep_for_review(self, request, initiative, object_id, form_url, extra_context):
        """Save as usual inside a savepoint, keep what was saved as the initiative's pending
        change, and roll the save back (its history, its log entry and its cache moves too):
        the public keeps the published version."""
        request.keep_for_review = True
        with transaction.atomic():
            point = transaction.savepoint()
            response = super().changeform_view(request, object_id, form_url, extra_context)
            captured = getattr(request, "kept_for_review", None)
            transaction.savepoint_rollback(point)
            if captured is not None:
                pending_changes.keep(initiative, request.user, captured)
                notify_pending(initiative, "waiting", request.user)
        if captured is not None:
            self.message_user(
                request,
                _(
                    "Your change to “%(title)s” is kept for review: the public sees the "
                    "published version until a reviewer accepts it."
                )
                % {"title": initiative},
                messages.SUCCESS,
                keep=True,
            )
        return response

    def response_add(self, request, obj, post_url_continue=None):
        self._warn_incomplete(request)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._warn_incomplete(request)
        return super().response_change(request, obj)

    def _warn_incomplete(self, request):
        warning = getattr(request, "incomplete_warning", None)
        if warning:
            self.message_user(request, warning, messages.WARNING)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if getattr(request, "keep_for_review", False):
            request.kept_for_review = pending_changes.capture(form.instance)

    def message_user(self, request, message, level=messages.INFO, *args, keep=False, **kwargs):
        if getattr(request, "keep_for_review", False) and not keep:
            return  # "changed successfully" would say it is public: it is not
        super().message_user(request, message, level, *args, **kwargs)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/pending/",
                self.admin_site.admin_view(self.pending_view),
                name="casebook_initiative_pending",
            ),
            *super().get_urls(),
        ]

    def pending_view(self, request, object_id):
        """A change waiting for review, field by field, to accept or return."""
        if not self.has_publish_permission(request):
            raise PermissionDenied
        pending = get_object_or_404(PendingChange, initiative_id=unquote(object_id))
        initiative = pending.initiative
        change_url = reverse("admin:casebook_initiative_change", args=[initiative.pk])
        problem = None
        if request.method == "POST":
            if "accept" in request.POST:
                pending_changes.accept(pending, request.user)
                self.log_change(request, initiative, str(_("Accepted the waiting change.")))
                self.message_user(
                    request,
                    _("The change to “%(title)s” is public now.") % {"title": initiative},
                    messages.SUCCESS,
                )
                return redirect(change_url)
            try:
                pending_changes.send_back(pending, request.user, request.POST.get("comment"))
            except TransitionRefused as error:
                problem = error.messages[0]
            else:
                self.message_user(
                    request,
                    _("The change to “%(title)s” was returned to its editor.")
                    % {"title": initiative},
                    messages.SUCCESS,
                )
                return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change waiting for review: %(title)s") % {"title": initiative},
            "opts": self.opts,
            "original": initiative,
            "pending": pending,
            "changes": pending_changes.differences(pending),
            "change_url": change_url,
            "problem": problem,
            "comment": request.POST.get("comment", ""),
        }
        return TemplateResponse(request, "admin/casebook/initiative/pending.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        pending = PendingChange.objects.filter(initiative=obj).first() if obj else None
        context["pending"] = pending
        context["pending_is_edit"] = pending_changes.is_pending_edit(request.user, obj)
        if pending is not None and self.has_publish_permission(request):
            context["pending_url"] = reverse("admin:casebook_initiative_pending", args=[obj.pk])
        status = obj.status if obj is not None else Status.DRAFT
        context["can_send_to_review"] = (
            status in TRANSITIONS["send_to_review"].sources
            and Initiative.may_move("send_to_review", request.user)
            and self.has_change_permission(request, obj)
            if obj is not None
            else self.has_add_permission(request)
        )
        context["send_to_review"] = SEND_TO_REVIEW
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "review_status": Status.REVIEW}
        return super().changelist_view(request, extra_context)

    @admin.action(permissions=["change"], description=_("Send selected initiatives to review"))
    def send_to_review(self, request, queryset):
        moved = self._log_each(request, queryset, "send_to_review", _("Sent to review."))
        count = len(moved)
        for initiative in moved:
            warning = incomplete_warning(initiative)
            if warning:
                self.message_user(request, warning, messages.WARNING)
        self.message_user(
            request,
            ngettext(
                "%(count)d initiative sent to review.",
                "%(count)d initiatives sent to review.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(permissions=["publish"], description=_("Publish selected initiatives"))
    def publish(self, request, queryset):
        count = len(self._log_each(request, queryset, "publish", _("Published.")))
        self.message_user(
            request,
            ngettext("%(count)d initiative published.", "%(count)d initiatives published.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(permissions=["publish"], description=_("Unpublish selected initiatives"))
    def unpublish(self, request, queryset):
        count = len(self._log_each(request, queryset, "unpublish", _("Unpublished.")))
        self.message_user(
            request,
            ngettext(
                "%(count)d initiative unpublished.", "%(count)d initiatives unpublished.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def _log_each(self, request, queryset, transition, message):
        """Run the transition on each initiative whose state allows it, for the user; note
        each change in the admin log."""
        changed = queryset.move(transition, by=request.user)
        for initiative in changed:
            self.log_change(request, initiative, str(message))
        return changed


@admin.register(City)
class CityAdmin(HistoryAdmin):
    list_display = ["name", "country", "is_network_member", "on_the_map"]
    list_filter = ["is_network_member", ("country", CountryFilter)]
    search_fields = ["name_es", "name_en", "slug"]
    prepopulated_fields = {"slug": ("name_es",)}
    fields = [
        "name",
        "slug",
        "country",
        ("latitude", "longitude"),
        "description",
        "is_network_member",
        "network_note",
    ]

    @admin.display(description=_("on the map"), boolean=True, ordering="latitude")
    def on_the_map(self, city):
        return city.latitude is not None and city.longitude is not None


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

    actions = ["erase_email"]

    @admin.action(permissions=["change"], description=_("Erase the senders' e-mail addresses"))
    def erase_email(self, request, queryset):
        count = privacy.erase_senders(queryset)
        self.message_user(
            request,
            ngettext(
                "E-mail address erased from %(count)d correction.",
                "E-mail addresses erased from %(count)d corrections.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """Proposals from cities, for reviewers: what the city official sent, as sent, with
    their contact details (which never leave the admin)."""

    list_display = ["title", "city_name", "country", "language", "state", "created_at"]
    list_filter = ["state", "language", ("country", CountryFilter)]
    search_fields = ["title", "summary", "city_name", "proposer_organisation"]
    readonly_fields = [
        "language", "title", "summary", "city_name", "country", "partner_list", "themes",
        "year_founded", "year_ended", "what_changed", "source", "proposer_name",
        "proposer_role", "proposer_organisation", "proposer_email", "consent", "created_at",
        "contact_erased_at",
    ]  # fmt: skip
    fields = [*readonly_fields, "state", "initiative"]
    autocomplete_fields = ["initiative"]

    @admin.display(description=_("partners"))
    def partner_list(self, proposal):
        sectors = dict(Sector.choices)
        return "; ".join(
            f"{partner.get('name', '')} ({sectors.get(partner.get('sector'), '—')})"
            for partner in proposal.partners
        )

    actions = ["erase_contact_details"]

    def has_add_permission(self, request):
        return False  # proposals come from the public form

    @admin.action(permissions=["change"], description=_("Erase the proposers' contact details"))
    def erase_contact_details(self, request, queryset):
        count = privacy.erase_proposers(queryset)
        self.message_user(
            request,
            ngettext(
                "Contact details erased from %(count)d proposal.",
                "Contact details erased from %(count)d proposals.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="casebook_proposal_publish",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        settled = obj is None or obj.state != Proposal.State.NEW
        if not settled and Initiative.may_publish(request.user):
            context["publish_url"] = reverse("admin:casebook_proposal_publish", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def publish_view(self, request, object_id):
        """Publish a proposal as an initiative: its city and partners found or made."""
        if not Initiative.may_publish(request.user):
            raise PermissionDenied
        proposal = get_object_or_404(Proposal, pk=unquote(object_id))
        form = proposals.PublishProposalForm(proposal, request.POST or None)
        problem = None
        if request.method == "POST" and form.is_valid():
            try:
                initiative = proposals.publish_proposal(proposal, request.user, form.cleaned_data)
            except TransitionRefused as error:
                problem = error.messages[0]
            else:
                self.log_change(request, proposal, str(_("Published as an initiative.")))
                self.message_user(
                    request,
                    _("“%(title)s” is published.") % {"title": initiative},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:casebook_initiative_change", args=[initiative.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Publish the proposal “%(title)s”") % {"title": proposal},
            "opts": self.opts,
            "original": proposal,
            "form": form,
            "problem": problem,
        }
        return TemplateResponse(request, "admin/casebook/proposal/publish.html", context)


# Staff accounts: the groups' names (stored in English) shown in the admin's language.


class StaffGroupFilter(admin.SimpleListFilter):
    title = pgettext_lazy("staff", "group")
    parameter_name = "groups__id__exact"

    def lookups(self, request, model_admin):
        return [(group.pk, gettext(group.name)) for group in Group.objects.order_by("name")]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(groups__id=self.value())
        return queryset


admin.site.unregister(Group)
admin.site.unregister(User)


@admin.register(Group)
class StaffGroupAdmin(GroupAdmin):
    list_display = ["translated_name"]

    @admin.display(description=_("name"), ordering="name")
    def translated_name(self, group):
        return gettext(group.name)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_filter = ["is_staff", "is_superuser", "is_active", StaffGroupFilter]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups" and field is not None:
            field.label_from_instance = lambda group: gettext(group.name)
        return field
