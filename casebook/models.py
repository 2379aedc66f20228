from decimal import Decimal
from typing import NamedTuple

import reversion
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import F, Prefetch, Q, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from partners.models import KIND_BITS, SECTOR_BITS, Partner, mask
from ppci.lib.history import message_comment
from ppci.lib.locking import VersionedModel
from ppci.lib.models import ConstraintErrorsOnFields, SlugNamedModel, single_line

DERIVED_MASKS = ("partner_sectors", "partner_kinds")


class City(SlugNamedModel):
    country = CountryField(_("country"))
    description = models.TextField(_("description"), blank=True)
    is_network_member = models.BooleanField(
        _("Strong Cities Network member"),
        default=False,
        help_text=_("The city belongs to the Strong Cities Network."),
    )
    network_note = models.TextField(_("note on network membership"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    class Meta:
        ordering = ["name", "slug"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    def get_absolute_url(self):
        return reverse("casebook:city", kwargs={"slug": self.slug})


class Theme(SlugNamedModel):
    """One of the five work themes; their order is the model: trust first, then build on it."""

    order = models.PositiveSmallIntegerField(_("order"), unique=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"))
    example = models.ForeignKey(
        "Initiative",
        verbose_name=_("example case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["order"]
        verbose_name = _("work theme")
        verbose_name_plural = _("work themes")
        constraints = [
            models.CheckConstraint(
                name="theme_order_from_one",
                condition=Q(order__gte=1),
                violation_error_message=_("Theme order starts at 1."),
            ),
        ]

    def get_absolute_url(self):
        return reverse("casebook:theme", kwargs={"slug": self.slug})


# The one funding slug the portal relies on (the SPEC fixes it).
SOCIAL_IMPACT_BOND = "social-impact-bond"


class Funding(SlugNamedModel):
    """How an initiative is paid for: private funding, a social impact bond, grants, …"""

    description = models.TextField(_("description"), blank=True)
    example = models.ForeignKey(
        "Initiative",
        verbose_name=_("example case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The case the planning guide gives as an example of this funding."),
    )

    class Meta:
        ordering = ["name", "slug"]
        verbose_name = _("funding type")
        verbose_name_plural = _("funding types")


class Issue(SlugNamedModel):
    """A social problem an initiative addresses: gang violence, reoffending, …"""

    class Meta:
        ordering = ["name", "slug"]
        verbose_name = _("issue addressed")
        verbose_name_plural = _("issues addressed")


class Programming(models.TextChoices):
    EXPLICIT = "explicit", _("explicit")
    IMPLICIT = "implicit", _("implicit")


class Scale(models.TextChoices):
    LOCAL = "local", _("local community")
    CITY = "city", _("city-wide")
    NATIONAL = "national", _("national")
    GLOBAL = "global", _("global")


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    REVIEW = "review", _("in review")
    PUBLISHED = "published", _("published")
    RETURNED = "returned", _("returned")
    UNPUBLISHED = "unpublished", _("unpublished")


class Transition(NamedTuple):
    """One way an initiative moves: from which states, to which, who may (``reviewer``: only
    those who may publish; else anyone who may change initiatives), and what the history
    says."""

    sources: frozenset
    target: str
    reviewer: bool
    message: str


# Each state has one door: the transition that leads into it.
TRANSITIONS = {
    "send_to_review": Transition(
        frozenset({Status.DRAFT, Status.RETURNED, Status.UNPUBLISHED}),
        Status.REVIEW,
        False,
        _("Sent to review."),
    ),
    "publish": Transition(
        frozenset({Status.DRAFT, Status.REVIEW, Status.RETURNED, Status.UNPUBLISHED}),
        Status.PUBLISHED,
        True,
        _("Published."),
    ),
    "return_to_editor": Transition(
        frozenset({Status.REVIEW}), Status.RETURNED, True, _("Returned to the editor.")
    ),
    "unpublish": Transition(
        frozenset({Status.PUBLISHED}), Status.UNPUBLISHED, True, _("Unpublished.")
    ),
}
TRANSITION_TO = {transition.target: name for name, transition in TRANSITIONS.items()}


class TransitionRefused(ValidationError):
    """A move the initiative's state does not allow (publishing a published case, returning
    one that is not in review) or that lacks the comment it needs."""


# An initiative's texts in each language. A language is complete when it has the title and
# the summary, and every other text the other language has.
TEXTS = ("title", "summary", "description", "lessons_learned", "place", "source_note")
REQUIRED_TEXTS = ("title", "summary")


def missing_in(code, other):
    """The condition: an initiative whose texts in ``code`` are incomplete."""
    condition = Q()
    for field in TEXTS:
        empty = Q(**{f"{field}_{code}": ""})
        condition |= empty if field in REQUIRED_TEXTS else empty & ~Q(**{f"{field}_{other}": ""})
    return condition


class InitiativeQuerySet(models.QuerySet):
    def missing_language(self, code):
        """Initiatives whose texts in ``code`` (es or en) are incomplete."""
        other = {"es": "en", "en": "es"}[code]
        return self.filter(missing_in(code, other))

    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def drafts(self):
        return self.filter(status=Status.DRAFT)

    def not_public(self):
        return self.exclude(status=Status.PUBLISHED)

    def waiting_for_review(self, with_changes=False):
        """New cases in review; with ``with_changes``, also published cases whose change
        waits for review (not one returned to its editor)."""
        waiting = Q(status=Status.REVIEW)
        if with_changes:
            waiting |= Q(pending_change__isnull=False, pending_change__returned_comment="")
        return self.filter(waiting)

    def move(self, name, by, comment=""):
        """Run the transition ``name`` on each of these initiatives its state allows, one
        transition (and one revision) each; the list of those moved."""
        sources = TRANSITIONS[name].sources
        changing = list(self.filter(status__in=sources).order_by("pk"))
        for initiative in changing:
            initiative.move(name, by, comment)
        return changing

    move.alters_data = True

    def publish(self, by):
        return self.move("publish", by)

    publish.alters_data = True

    def unpublish(self, by):
        return self.move("unpublish", by)

    unpublish.alters_data = True

    def for_listing(self):
        """What a list of initiatives shows: place and themes, without a query per row."""
        return self.select_related("city").prefetch_related(
            Prefetch("themes", queryset=Theme.objects.order_by("order"))
        )

    def for_export(self):
        return self.for_listing().prefetch_related(
            "fundings",
            "issues",
            Prefetch(
                "partnerships",
                queryset=Partnership.objects.select_related("partner").order_by(
                    "order", "partner__name"
                ),
            ),
        )

    def for_detail(self):
        return self.for_export().prefetch_related(
            Prefetch("figures", queryset=Figure.objects.order_by("order", "pk")),
            Prefetch("sources", queryset=Source.objects.order_by("order", "pk")),
        )

    def refresh_derived_fields(self):
        """Rebuild what is kept from the initiatives and what they link to: the text that
        search reads, and the sets of their partners' sectors and kinds."""
        initiatives = list(self.select_related("city").prefetch_related("partnerships__partner"))
        for initiative in initiatives:
            partners = [partnership.partner for partnership in initiative.partnerships.all()]
            initiative.search_document = initiative.build_search_document(partners)
            initiative.set_partner_masks(partners)
        self.model.objects.bulk_update(
            initiatives, ["search_document", *DERIVED_MASKS], batch_size=500
        )
        return len(initiatives)


class InitiativeManager(models.Manager.from_queryset(InitiativeQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Initiative(ConstraintErrorsOnFields, VersionedModel):
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=200, validators=[single_line])
    summary = models.TextField(_("summary"), help_text=_("Two or three sentences."))
    description = models.TextField(_("description"), blank=True)
    lessons_learned = models.TextField(_("lessons learned"), blank=True)
    source_note = models.TextField(
        _("note on sources"),
        blank=True,
        help_text=_("How the source was read where it is garbled or ambiguous."),
    )

    city = models.ForeignKey(
        City,
        verbose_name=_("city"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="initiatives",
    )
    country = CountryField(_("country"))
    place = models.CharField(
        _("place"),
        max_length=200,
        blank=True,
        validators=[single_line],
        help_text=_("Where within the city or country, when the source says."),
    )
    reach_countries = CountryField(
        _("countries reached"),
        multiple=True,
        blank=True,
        help_text=_("Countries the initiative works in, beyond its seat."),
    )
    year_founded = models.PositiveSmallIntegerField(_("year founded"), null=True, blank=True)
    month_founded = models.PositiveSmallIntegerField(_("month founded"), null=True, blank=True)
    year_ended = models.PositiveSmallIntegerField(_("year ended"), null=True, blank=True)

    programming = models.CharField(_("programming"), max_length=10, choices=Programming)
    is_programming_example = models.BooleanField(
        _("example of its programming"),
        default=False,
        help_text=_("The planning guide gives it as the example of explicit or implicit work."),
    )
    scale = models.CharField(_("scale"), max_length=10, choices=Scale)
    themes = models.ManyToManyField(
        Theme, verbose_name=_("work themes"), related_name="initiatives"
    )
    fundings = models.ManyToManyField(
        Funding, verbose_name=_("funding"), related_name="initiatives", blank=True
    )
    issues = models.ManyToManyField(
        Issue, verbose_name=_("issues addressed"), related_name="initiatives", blank=True
    )
    partners = models.ManyToManyField(
        Partner,
        through="Partnership",
        verbose_name=_("partners"),
        related_name="initiatives",
    )

    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent to review by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    review_comment = models.TextField(
        _("reviewer's comment"),
        blank=True,
        help_text=_(
            "To return it to the editor, choose “returned” as its status and say here what "
            "to change."
        ),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)
    search_document = models.TextField(editable=False, blank=True, default="")
    # The sectors and kinds of its partners, one bit each (partners.models.SECTOR_BITS,
    # KIND_BITS): the list filters and counts them within the initiative's own row instead of
    # joining every partnership to its partner. Kept in step with the partnerships and the
    # partners by refresh_derived_fields (casebook.signals).
    partner_sectors = models.PositiveIntegerField(default=0, editable=False)
    partner_kinds = models.PositiveIntegerField(default=0, editable=False)

    objects = InitiativeManager()

    constraint_error_fields = {"ends_before_start": "year_ended", "bad_month": "month_founded"}

    class Meta:
        ordering = ["title", "slug"]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        permissions = [("publish_initiative", _("Can publish and unpublish initiatives"))]
        constraints = [
            models.CheckConstraint(
                name="initiative_ends_after_it_starts",
                condition=Q(year_ended__isnull=True)
                | Q(year_founded__isnull=True)
                | Q(year_ended__gte=F("year_founded")),
                violation_error_code="ends_before_start",
                violation_error_message=_(
                    "The year it ended cannot be before the year it was founded."
                ),
            ),
            models.CheckConstraint(
                name="initiative_month_is_a_month",
                condition=Q(month_founded__isnull=True) | Q(month_founded__range=(1, 12)),
                violation_error_code="bad_month",
                violation_error_message=_("A month is a number from 1 to 12."),
            ),
            models.CheckConstraint(
                name="initiative_published_has_date",
                condition=~Q(status=Status.PUBLISHED) | Q(published_at__isnull=False),
                violation_error_message=_("A published initiative has a publication date."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="initiative_published_idx"),
            models.Index(fields=["status", "year_founded"], name="initiative_year_idx"),
            models.Index(fields=["status", "country"], name="initiative_country_idx"),
            # The list's default order, in each language, so that a page is read off the index
            # instead of sorting every initiative.
            models.Index(Lower("title_es"), "slug", name="initiative_title_es_idx"),
            models.Index(
                Lower(Coalesce(NullIf("title_en", Value("")), "title_es")),
                "slug",
                name="initiative_title_en_idx",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Whatever saves it, a published initiative has a publication date and a draft none.
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        elif self.status != Status.PUBLISHED:
            self.published_at = None
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("casebook:detail", kwargs={"slug": self.slug})

    # The workflow: one method per transition, the same for the admin's form, its actions and
    # any script (see TRANSITIONS).

    @staticmethod
    def may_publish(user):
        return user.has_perm("casebook.publish_initiative")

    @classmethod
    def may_move(cls, name, user):
        """Whether ``user`` (None: the operator, running a command) may run the transition."""
        if user is None:
            return True
        if TRANSITIONS[name].reviewer:
            return cls.may_publish(user)
        return user.has_perm("casebook.change_initiative")

    def can_move(self, name):
        return self.status in TRANSITIONS[name].sources

    def incomplete_languages(self):
        """The codes of the languages whose texts are incomplete (see ``TEXTS``)."""
        missing = []
        for code, other in (("es", "en"), ("en", "es")):
            for field in TEXTS:
                mine, theirs = getattr(self, f"{field}_{code}"), getattr(self, f"{field}_{other}")
                if not mine and (field in REQUIRED_TEXTS or theirs):
                    missing.append(code)
                    break
        return missing

    def send_to_review(self, by, comment=""):
        """Ask a reviewer to publish it. Returns whether anything changed."""
        return self.move("send_to_review", by, comment)

    send_to_review.alters_data = True

    def publish(self, by, comment=""):
        """Make the initiative public now (``by``: the user, or None for a command run by the
        operator). Returns whether anything changed."""
        return self.move("publish", by, comment)

    publish.alters_data = True

    def return_to_editor(self, by, comment):
        """Send it back from review with what to change (a comment is required)."""
        return self.move("return_to_editor", by, comment)

    return_to_editor.alters_data = True

    def unpublish(self, by, comment=""):
        """Take the initiative out of public view. Returns whether anything changed."""
        return self.move("unpublish", by, comment)

    unpublish.alters_data = True

    def move(self, name, by, comment=""):
        """Check that ``by`` may run the transition ``name``, then save the initiative in its
        target state (with everything else set on it) in a revision of its history, with who
        and the comment. The save moves its ``version`` on, sets or clears the publication
        date and, through the page cache's signals, makes every cached page out of date.

        Returns False when the initiative is already there; raises ``PermissionDenied`` for
        a role that may not, and ``TransitionRefused`` for a state it cannot leave that way
        or a return without a comment."""
        transition = TRANSITIONS[name]
        if not self.may_move(name, by):
            raise PermissionDenied
        if self.status == transition.target:
            return False
        if not self.can_move(name):
            raise TransitionRefused(
                _("An initiative that is %(status)s cannot be moved that way.")
                % {"status": self.get_status_display()},
                code="transition",
            )
        comment = (comment or "").strip()
        if name == "return_to_editor" and not comment:
            raise TransitionRefused(
                _("Say what the editor should change."), code="comment_required"
            )
        self.status = transition.target
        self.published_at = timezone.now() if self.status == Status.PUBLISHED else None
        if name == "return_to_editor":
            self.review_comment = comment
        elif name == "publish":
            self.review_comment = ""
        elif name == "send_to_review" and by is not None:
            self.submitted_by = by
        with translation.override(None):  # kept in English, shown in the reader's language
            history = message_comment(transition.message, extra=comment)
        with reversion.create_revision():
            self.save()
            if by is not None:
                reversion.set_user(by)
            reversion.set_comment(history)
        from .notifications import notify  # the notifications read the model

        notify(self, name, by, comment)
        return True

    def natural_key(self):
        return (self.slug,)

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED

    def clean(self):
        super().clean()
        if self.city_id and self.country and self.city.country != self.country:
            raise ValidationError(
                {
                    "country": _("The country must be the city’s country (%(country)s).")
                    % {"country": self.city.country.name}
                }
            )

    def set_partner_masks(self, partners):
        self.partner_sectors = mask(SECTOR_BITS, (partner.sector for partner in partners))
        self.partner_kinds = mask(KIND_BITS, (partner.kind for partner in partners))

    def build_search_document(self, partners=None):
        """Every text search reads, in both languages: one string per initiative (see
        ``casebook.search.document``).

        ``partners`` may be given when they are known but not yet saved as partnerships.
        """
        from .search import document

        if partners is None:
            partners = [partnership.partner for partnership in self.partnerships.all()]
        return document.build(self, partners)

    @property
    def years(self):
        if self.year_founded and self.year_ended:
            return f"{self.year_founded}–{self.year_ended}"
        return str(self.year_founded or "")


# The tables that link an initiative to its themes, fundings and issues, under one name each.
ThemeLink = Initiative.themes.through
FundingLink = Initiative.fundings.through
IssueLink = Initiative.issues.through


class Role(models.TextChoices):
    LEAD = "lead", _("lead partner")
    FUNDER = "funder", _("funder")
    DELIVERY = "delivery-partner", _("delivery partner")
    IN_KIND = "in-kind-supporter", _("in-kind supporter")
    INVESTOR = "investor", _("investor")
    OUTCOME_PAYER = "outcome-payer", _("outcome payer")
    INTERMEDIARY = "intermediary", _("intermediary")
    COMMISSIONER = "commissioner", _("commissioner")
    MESSENGER = "messenger", _("messenger")
    CONTENT_PRODUCER = "content-producer", _("content producer")
    BOARD_MEMBER = "board-member", _("board member")
    EXPERTISE = "expertise-provider", _("expertise provider")


class PartnershipQuerySet(models.QuerySet):
    def published(self):
        return self.filter(initiative__status=Status.PUBLISHED)

    def partners(self):
        """The partners of these partnerships, each once."""
        return Partner.objects.filter(pk__in=self.values("partner_id"))


class PartnershipManager(models.Manager.from_queryset(PartnershipQuerySet)):
    def get_by_natural_key(self, initiative_slug, partner_slug, role):
        return self.get(initiative__slug=initiative_slug, partner__slug=partner_slug, role=role)


class Partnership(models.Model):
    """A partner's part in one initiative."""

    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("initiative"),
        on_delete=models.CASCADE,
        related_name="partnerships",
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="partnerships",
    )
    role = models.CharField(_("role"), max_length=30, choices=Role)
    description = models.TextField(_("what the partner does"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = PartnershipManager()

    class Meta:
        ordering = ["initiative", "order", "pk"]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "partner", "role"],
                name="partnership_unique_role",
                violation_error_message=_("This partner already has this role in this initiative."),
            ),
        ]
        indexes = [
            # A partner's initiatives from the index alone (a partner's page, facet counts).
            models.Index(fields=["partner", "initiative"], name="partnership_partner_idx"),
        ]

    def __str__(self):
        return f"{self.partner} — {self.get_role_display()}"

    def get_absolute_url(self):
        return self.initiative.get_absolute_url()

    def natural_key(self):
        return (self.initiative.slug, self.partner.slug, self.role)

    natural_key.dependencies = ["casebook.initiative", "partners.partner"]


class FigureKind(models.TextChoices):
    OUTCOME = "outcome", _("outcome")
    OUTPUT = "output", _("output")
    CONTEXT = "context", _("context")
    FUNDING = "funding", _("funding")


class Direction(models.TextChoices):
    DECREASE = "decrease", _("decrease")
    INCREASE = "increase", _("increase")
    LEVEL = "level", _("level")


class Qualifier(models.TextChoices):
    EXACT = "exact", _("exactly")
    MORE_THAN = "more-than", _("more than")
    LESS_THAN = "less-than", _("less than")
    ABOUT = "about", _("about")


class Unit(models.TextChoices):
    PERCENT = "percent", _("per cent")
    PER_100000 = "per-100000", _("per 100,000 people")
    PEOPLE = "people", _("people")
    ORGANISATIONS = "organisations", _("organisations")
    INVESTORS = "investors", _("investors")
    EVENTS = "events", _("events")
    COUNTRIES = "countries", _("countries")
    YEARS = "years", _("years")
    EUR = "eur", _("euros")
    USD = "usd", _("US dollars")
    GBP = "gbp", _("pounds sterling")


CURRENCY_SYMBOLS = {Unit.EUR: "€", Unit.USD: "US$", Unit.GBP: "£"}


class KeyedByInitiativeManager(models.Manager):
    """Figures and sources are found by their initiative's slug and their own key."""

    def get_by_natural_key(self, initiative_slug, key):
        return self.get(initiative__slug=initiative_slug, key=key)


class Figure(ConstraintErrorsOnFields, models.Model):
    """One measured fact: “homicides −40% 2006–2010” is a row, not a sentence."""

    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("initiative"),
        on_delete=models.CASCADE,
        related_name="figures",
    )
    key = models.SlugField(
        _("key"),
        max_length=60,
        help_text=_(
            "A short name for the figure, unique within the initiative, such as "
            "“people-trained”. Left empty, it is made from what was measured."
        ),
    )
    label = models.CharField(
        _("what was measured"),
        max_length=200,
        validators=[single_line],
        help_text=_("What was counted or measured, such as “people trained” or “homicides”."),
    )
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=FigureKind,
        default=FigureKind.OUTPUT,
        help_text=_(
            "Output: what the initiative did (40 people trained). Outcome: the change it "
            "sought (homicides −40 %). Context: a fact about the place. Funding: money raised "
            "or spent."
        ),
    )
    qualifier = models.CharField(
        _("qualifier"),
        max_length=10,
        choices=Qualifier,
        default=Qualifier.EXACT,
        help_text=_("How exact the value is: exactly 40, more than 7,000, about 1,000."),
    )
    value = models.DecimalField(
        _("value"),
        max_digits=16,
        decimal_places=2,
        help_text=_("The number alone, without sign or unit: 40 for “−40 %”."),
    )
    value_max = models.DecimalField(
        _("upper value"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("For a range, such as grants from 10,000 to 50,000."),
    )
    unit = models.CharField(
        _("unit"),
        max_length=20,
        choices=Unit,
        default=Unit.PEOPLE,
        help_text=_("What the number counts: people, per cent, euros…"),
    )
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=Direction,
        default=Direction.LEVEL,
        help_text=_(
            "For a change, whether it went down (homicides −40 %) or up; “level” for a count "
            "or an amount (40 people trained)."
        ),
    )
    period_start = models.PositiveSmallIntegerField(
        _("from year"),
        null=True,
        blank=True,
        help_text=_("The year (2012 in “trained in 2012”), or a period's first year."),
    )
    period_end = models.PositiveSmallIntegerField(
        _("to year"),
        null=True,
        blank=True,
        help_text=_("A period's last year (2010 in “2006–2010”); empty for a single year."),
    )
    note = models.TextField(_("note"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = KeyedByInitiativeManager()

    constraint_error_fields = {
        "no_unit": "unit",
        "range_order": "value_max",
        "period_order": "period_end",
    }

    class Meta:
        ordering = ["initiative", "order", "pk"]
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "key"],
                name="figure_unique_key",
                violation_error_message=_("This initiative already has a figure with this key."),
            ),
            models.CheckConstraint(
                name="figure_has_unit",
                condition=~Q(unit=""),
                violation_error_code="no_unit",
                violation_error_message=_("A figure needs a unit."),
            ),
            models.CheckConstraint(
                name="figure_range_in_order",
                condition=Q(value_max__isnull=True) | Q(value_max__gte=F("value")),
                violation_error_code="range_order",
                violation_error_message=_("The upper value cannot be below the value."),
            ),
            models.CheckConstraint(
                name="figure_period_in_order",
                condition=Q(period_end__isnull=True)
                | Q(period_start__isnull=True)
                | Q(period_end__gte=F("period_start")),
                violation_error_code="period_order",
                violation_error_message=_("The period cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.label}: {self.display_value}"

    def get_absolute_url(self):
        return self.initiative.get_absolute_url()

    def natural_key(self):
        return (self.initiative.slug, self.key)

    natural_key.dependencies = ["casebook.initiative"]

    @staticmethod
    def _number(value):
        value = Decimal(value)
        places = 0 if value == value.to_integral_value() else 1
        if places and value * 10 != (value * 10).to_integral_value():
            places = 2
        return number_format(value, places, force_grouping=True)

    @property
    def display_value(self):
        """The figure as a reader says it: “−40 %”, “more than 7,000 people”, “US$10,000–50,000”,
        “a fall of more than 90 %”."""
        number = self._number(self.value)
        if self.value_max is not None:
            number = f"{number}–{self._number(self.value_max)}"
        if self.unit == Unit.PERCENT:
            text = f"{number} %"
        elif self.unit in CURRENCY_SYMBOLS:
            text = f"{CURRENCY_SYMBOLS[self.unit]}{number}"
        else:
            text = f"{number} {self.get_unit_display()}"
        if self.qualifier == Qualifier.EXACT:
            sign = {Direction.DECREASE: "−", Direction.INCREASE: "+"}.get(self.direction, "")
            return f"{sign}{text}"
        text = f"{self.get_qualifier_display()} {text}"
        if self.direction == Direction.DECREASE:
            return _("a fall of %(value)s") % {"value": text}
        if self.direction == Direction.INCREASE:
            return _("a rise of %(value)s") % {"value": text}
        return text

    @property
    def period(self):
        if self.period_start and self.period_end and self.period_start != self.period_end:
            return f"{self.period_start}–{self.period_end}"
        return str(self.period_start or self.period_end or "")


class Source(models.Model):
    """Where a case's facts come from."""

    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("initiative"),
        on_delete=models.CASCADE,
        related_name="sources",
    )
    key = models.SlugField(_("key"), max_length=60)
    title = models.CharField(_("title"), max_length=300, validators=[single_line])
    publisher = models.CharField(
        _("publisher"), max_length=200, blank=True, validators=[single_line]
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    url = models.URLField(_("address"), blank=True)
    locator = models.CharField(_("section or page"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = KeyedByInitiativeManager()

    class Meta:
        ordering = ["initiative", "order", "pk"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "key"],
                name="source_unique_key",
                violation_error_message=_("This initiative already has a source with this key."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return self.initiative.get_absolute_url()

    def natural_key(self):
        return (self.initiative.slug, self.key)

    natural_key.dependencies = ["casebook.initiative"]


class Correction(models.Model):
    """A visitor's suggestion that something on an initiative's page is wrong.

    Stored for staff to review in the admin; never shown to the public.
    """

    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("initiative"),
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    what_is_wrong = models.TextField(_("what is wrong"), max_length=2000)
    source = models.TextField(_("source"), max_length=1000, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    client_key = models.CharField(max_length=64, editable=False, blank=True)
    reviewed = models.BooleanField(_("reviewed"), default=False)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("suggested correction")
        verbose_name_plural = _("suggested corrections")

    def __str__(self):
        return f"{self.initiative}: {self.what_is_wrong[:60]}"

    def get_absolute_url(self):
        return self.initiative.get_absolute_url()


class PendingChange(models.Model):
    """An editor's change to a published initiative, kept aside until a reviewer accepts it:
    the initiative and its own rows (partnerships, figures, sources) as the editor saved them,
    serialised as the history stores a version. The public keeps seeing the published rows.
    See ``casebook.pending``."""

    initiative = models.OneToOneField(
        Initiative,
        verbose_name=_("initiative"),
        on_delete=models.CASCADE,
        related_name="pending_change",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    saved_at = models.DateTimeField(_("saved"), auto_now=True)
    objects_data = models.JSONField(default=list)
    returned_comment = models.TextField(_("reviewer's comment"), blank=True)

    class Meta:
        verbose_name = _("change waiting for review")
        verbose_name_plural = _("changes waiting for review")

    def __str__(self):
        return str(self.initiative)

    @property
    def is_returned(self):
        return bool(self.returned_comment)


class Proposal(models.Model):
    """An initiative a city official proposes through the public form: private, for
    reviewers only, until one of them turns it into an initiative. Its partners are named, not
    linked: no partner or city row exists for it until then. The proposer's contact details
    are personal data, never shown publicly."""

    class State(models.TextChoices):
        NEW = "new", _("waiting for review")
        ACCEPTED = "accepted", _("turned into an initiative")
        DECLINED = "declined", _("declined")

    language = models.CharField(_("language"), max_length=8)
    title = models.CharField(_("title"), max_length=200, validators=[single_line])
    summary = models.TextField(_("summary"), max_length=2000)
    city_name = models.CharField(_("city"), max_length=120, validators=[single_line])
    country = CountryField(_("country"))
    partners = models.JSONField(_("partners"), default=list, blank=True)
    themes = models.ManyToManyField(Theme, verbose_name=_("work themes"), blank=True)
    year_founded = models.PositiveSmallIntegerField(_("year founded"), null=True, blank=True)
    year_ended = models.PositiveSmallIntegerField(_("year ended"), null=True, blank=True)
    what_changed = models.TextField(_("what changed"), max_length=2000, blank=True)
    source = models.CharField(_("source or link"), max_length=500, blank=True)
    proposer_name = models.CharField(_("your name"), max_length=120)
    proposer_role = models.CharField(_("your role"), max_length=120)
    proposer_organisation = models.CharField(_("your organisation"), max_length=200)
    proposer_email = models.EmailField(_("your e-mail"))
    consent = models.BooleanField(_("may be contacted"), default=False)
    client_key = models.CharField(max_length=64, editable=False, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.NEW)
    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("initiative"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    contact_erased_at = models.DateTimeField(_("contact details erased"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("proposal from a city")
        verbose_name_plural = _("proposals from cities")

    def __str__(self):
        return self.title
