import functools
from typing import NamedTuple

import reversion
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, router
from django.db.models import F, Prefetch, Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from partners.models import KIND_BITS, SECTOR_BITS, Partner, bits_of, mask
from ppci.lib import pagecache
from ppci.lib.history import message_comment
from ppci.lib.locking import VersionedModel
from ppci.lib.models import ChoiceLabels, ConstraintErrorsOnFields, SlugNamedModel, single_line
from ppci.lib.numbers import format_amount, format_number, format_percent
from ppci.lib.prepared import Prepared, attach, read_together
from ppci.lib.text import sort_name
from ppci.lib.urls import slug_url

DERIVED_MASKS = ("partner_sectors", "partner_kinds", "evidence_levels", "figure_methods")

language_code = RegexValidator(
    r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$", _("A language code, such as es, en or pt-BR.")
)


class City(ConstraintErrorsOnFields, SlugNamedModel):
    country = CountryField(_("country"))
    description = models.TextField(_("description"), blank=True)
    is_network_member = models.BooleanField(
        _("Strong Cities Network member"),
        default=False,
        help_text=_("The city belongs to the Strong Cities Network."),
    )
    network_note = models.TextField(_("note on network membership"), blank=True)
    # Where the city's centre is (WGS 84, decimal degrees), for the map. Empty until staff
    # fill it in: a city without both is listed but not drawn.
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text=_("Of the city centre, in decimal degrees: positive north, such as 37.9870."),
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text=_("Of the city centre, in decimal degrees: negative west, such as -1.1300."),
    )
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    constraint_error_fields = {"latitude_range": "latitude", "longitude_range": "longitude"}

    class Meta:
        ordering = ["name", "slug"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        constraints = [
            models.CheckConstraint(
                name="city_latitude_in_range",
                condition=Q(latitude__isnull=True) | Q(latitude__range=(-90, 90)),
                violation_error_code="latitude_range",
                violation_error_message=_("A latitude lies between -90 and 90 degrees."),
            ),
            models.CheckConstraint(
                name="city_longitude_in_range",
                condition=Q(longitude__isnull=True) | Q(longitude__range=(-180, 180)),
                violation_error_code="longitude_range",
                violation_error_message=_("A longitude lies between -180 and 180 degrees."),
            ),
            models.CheckConstraint(
                name="city_coordinates_together",
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                violation_error_code="coordinates_together",
                violation_error_message=_(
                    "A city has both its latitude and its longitude, or neither."
                ),
            ),
        ]

    def get_absolute_url(self):
        return slug_url("casebook:city", self.slug)


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
        return slug_url("casebook:theme", self.slug)


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


class Activity(models.TextChoices):
    """Whether the initiative itself still runs: not whether its page is published."""

    RUNNING = "running", _("running")
    ENDED = "ended", _("ended")
    UNKNOWN = "unknown", _("not known")


# A case whose record nobody has checked for this long is flagged to staff.
CHECK_EVERY_DAYS = 2 * 365


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


def partnerships_in_order():
    """An initiative's partnerships with their partners, in the order its page gives them."""
    return Prefetch(
        "partnerships",
        queryset=Partnership.objects.select_related("partner").order_by("order", "partner__name"),
    )


class InitiativeQuerySet(models.QuerySet):
    def not_checked_since(self, day):
        """Initiatives never checked, or last checked before ``day``."""
        return self.filter(Q(last_checked__isnull=True) | Q(last_checked__lt=day))

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
            partnerships_in_order(),
        )

    def for_detail(self):
        """What an initiative's page shows. Its themes, ways of funding and issues are taken
        from the vocabularies kept for the content's generation (``Terms``), by the keys read
        with the initiative itself: three queries fewer than a prefetch of each. (The page
        itself reads the same with ``initiative_for_page``.)"""
        queryset = self.with_term_keys().prefetch_related(
            *(Prefetch(name, queryset=related()) for name, related in DETAIL_RELATIONS.items())
        )
        queryset._iterable_class = WithTerms
        return queryset

    def with_term_keys(self):
        """The initiatives with their city and the keys of their themes, ways of funding and
        issues (``<relation>_keys``, see ``WithTerms``)."""
        return self.select_related("city").annotate(
            **{
                f"{name}_keys": LinkedKeys(link, column)
                for name, (link, column) in LINKED_TERMS.items()
            }
        )

    def refresh_derived_fields(self):
        """Rebuild what is kept from the initiatives and what they link to: the text that
        search reads, the sets of their partners' sectors and kinds, and of their figures'
        evidence levels and methods."""
        initiatives = list(
            self.select_related("city").prefetch_related("partnerships__partner", "figures")
        )
        for initiative in initiatives:
            partners = [partnership.partner for partnership in initiative.partnerships.all()]
            initiative.search_document = initiative.build_search_document(partners)
            initiative.set_partner_masks(partners)
            initiative.set_sort_titles()
            initiative.set_figure_masks(initiative.figures.all())
        self.model.objects.bulk_update(
            initiatives,
            ["search_document", "sort_title_es", "sort_title_en", *DERIVED_MASKS],
            batch_size=500,
        )
        return len(initiatives)

    def refresh_figure_masks(self):
        """Rebuild the sets of the initiatives' figures' evidence levels and methods."""
        initiatives = list(self.only("pk").prefetch_related("figures"))
        for initiative in initiatives:
            initiative.set_figure_masks(initiative.figures.all())
        self.model.objects.bulk_update(
            initiatives, ["evidence_levels", "figure_methods"], batch_size=500
        )


class InitiativeManager(models.Manager.from_queryset(InitiativeQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Initiative(ChoiceLabels, ConstraintErrorsOnFields, VersionedModel):
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

    activity = models.CharField(
        _("activity"),
        max_length=10,
        choices=Activity,
        default=Activity.UNKNOWN,
        help_text=_(
            "Whether the initiative itself is still running (not whether its page is "
            "published). “Not known” unless a source says."
        ),
    )
    last_checked = models.DateField(
        _("last checked"),
        null=True,
        blank=True,
        help_text=_(
            "The day an editor last checked this record against its sources and looked for "
            "news of the initiative. Cases not checked for two years are flagged."
        ),
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
    # The title in each language as it sorts (without case or accents): the list's order by
    # title is the reader's on every database, read off an index.
    sort_title_es = models.CharField(max_length=200, editable=False, blank=True, default="")
    sort_title_en = models.CharField(max_length=200, editable=False, blank=True, default="")
    # The sectors and kinds of its partners, one bit each (partners.models.SECTOR_BITS,
    # KIND_BITS): the list filters and counts them within the initiative's own row instead of
    # joining every partnership to its partner. Kept in step with the partnerships and the
    # partners by refresh_derived_fields (casebook.signals).
    partner_sectors = models.PositiveIntegerField(default=0, editable=False)
    partner_kinds = models.PositiveIntegerField(default=0, editable=False)
    # The evidence levels and methods of its figures, the same way (EVIDENCE_BITS,
    # METHOD_BITS): the list's evidence and method filters and counts read its own row. Kept
    # in step with the figures by casebook.signals.
    evidence_levels = models.PositiveIntegerField(default=0, editable=False)
    figure_methods = models.PositiveIntegerField(default=0, editable=False)

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
            models.Index(fields=["sort_title_es", "slug"], name="initiative_sort_title_es_idx"),
            models.Index(fields=["sort_title_en", "slug"], name="initiative_sort_title_en_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Whatever saves it, a published initiative has a publication date and a draft none.
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        elif self.status != Status.PUBLISHED:
            self.published_at = None
        self.set_sort_titles()
        super().save(*args, **kwargs)

    def set_sort_titles(self):
        self.sort_title_es = sort_name(self.title_es or self.title_en)[:200]
        self.sort_title_en = sort_name(self.title_en or self.title_es)[:200]

    def get_absolute_url(self):
        return slug_url("casebook:detail", self.slug)

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

    def set_figure_masks(self, figures):
        figures = list(figures)
        self.evidence_levels = mask(EVIDENCE_BITS, (figure.evidence_level for figure in figures))
        self.figure_methods = mask(METHOD_BITS, (figure.method for figure in figures))

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
    def needs_checking(self):
        """Never checked, or not for two years: staff should look at it again."""
        if self.last_checked is None:
            return True
        return (timezone.localdate() - self.last_checked).days > CHECK_EVERY_DAYS

    @property
    def years(self):
        if self.year_founded and self.year_ended:
            return f"{self.year_founded}–{self.year_ended}"
        return str(self.year_founded or "")


# The tables that link an initiative to its themes, fundings and issues, under one name each.
ThemeLink = Initiative.themes.through
FundingLink = Initiative.fundings.through
IssueLink = Initiative.issues.through

# The vocabularies an initiative links to: its relation's name → the link model and the
# column of the term's key.
LINKED_TERMS = {
    "themes": (ThemeLink, "theme_id"),
    "fundings": (FundingLink, "funding_id"),
    "issues": (IssueLink, "issue_id"),
}


class LinkedKeys(models.Expression):
    """The keys of the terms an initiative links to through ``link`` (``column``), as one
    text, "3,1,2", in no particular order: a subquery written out rather than composed by
    the ORM, which takes longer to compile it than the database to run it."""

    output_field = models.TextField()

    def __init__(self, link, column):
        super().__init__()
        self.link, self.column = link, column

    def as_sql(self, compiler, connection, keys="GROUP_CONCAT({column})"):
        quote = connection.ops.quote_name
        initiative = Initiative._meta
        keys = keys.format(column=quote(self.column))
        return (
            f"(SELECT {keys} FROM {quote(self.link._meta.db_table)} "
            f"WHERE {quote('initiative_id')} = "
            f"{quote(initiative.db_table)}.{quote(initiative.pk.column)})",
            (),
        )

    def as_postgresql(self, compiler, connection):
        return self.as_sql(compiler, connection, keys="STRING_AGG({column}::text, ',')")


class Terms(NamedTuple):
    """Every theme, way of funding and issue, in the order the database gives them in the
    current language (the order a prefetch of an initiative's own would have): a few dozen
    rows, read once per content generation and language."""

    themes: list
    fundings: list
    issues: list

    @classmethod
    def current(cls):
        return pagecache.remember(f"terms:{translation.get_language()}", cls.read)

    @classmethod
    def read(cls):
        return cls(
            themes=list(Theme.objects.all()),
            fundings=list(Funding.objects.all()),
            issues=list(Issue.objects.all()),
        )


class WithTerms(models.query.ModelIterable):
    """Initiatives with their themes, fundings and issues, as if prefetched, from the keys
    ``for_detail`` reads (``<relation>_keys``) and the current ``Terms``."""

    def __iter__(self):
        terms = None
        for initiative in super().__iter__():
            terms = terms or Terms.current()
            attach_terms(initiative, terms)
            yield initiative


def attach_terms(initiative, terms):
    """The initiative's themes, ways of funding and issues, as if prefetched, from the keys
    read with it (``<relation>_keys``) and ``terms``."""
    cache = initiative.__dict__.setdefault("_prefetched_objects_cache", {})
    for name in LINKED_TERMS:
        keys = getattr(initiative, f"{name}_keys") or ""
        own = {int(key) for key in keys.split(",") if key}
        linked = getattr(initiative, name).get_queryset()
        linked._result_cache = [term for term in getattr(terms, name) if term.pk in own]
        linked._prefetch_done = True
        cache[name] = linked


# What an initiative's page reads of each of its relations, in the page's order.
DETAIL_RELATIONS = {
    "partnerships": lambda: partnerships_in_order().queryset,
    "figures": lambda: Figure.objects.select_related("source").order_by("order", "pk"),
    "sources": lambda: Source.objects.order_by("order", "pk"),
}

# The same reads as ``for_detail``, each compiled once (see ``ppci.lib.prepared``), by the
# initiative's slug: the initiative (variant: whether drafts are shown), then each relation.
DETAIL_READ = Prepared(
    lambda variant, slug: (
        (Initiative.objects.all() if variant == "drafts" else Initiative.objects.published())
        .with_term_keys()
        .filter(slug=slug)
        .order_by()  # one row at most: not the list's order, which SQLite sorts for
    ),
    slug=str,
)
DETAIL_RELATION_READS = {
    name: Prepared(lambda slug, related=related: related().filter(initiative__slug=slug), slug=str)
    for name, related in DETAIL_RELATIONS.items()
}


def initiative_for_page(slug, drafts=False):
    """The initiative of ``slug`` (published ones only, unless ``drafts``) with what its page
    shows, as ``Initiative.objects.for_detail()`` reads it, or None. On PostgreSQL the four
    reads are one round trip (``read_together``)."""
    using = router.db_for_read(Initiative)
    reads = [(DETAIL_READ, "drafts" if drafts else "published", {"slug": slug})]
    reads += [(read, None, {"slug": slug}) for read in DETAIL_RELATION_READS.values()]
    found, *related = read_together(using, reads)
    if not found:
        return None
    initiative = found[0]
    attach_terms(initiative, Terms.current())
    for name, objects in zip(DETAIL_RELATION_READS, related, strict=True):
        attach(initiative, name, objects)
    return initiative


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

    @property
    def plural_label(self):
        """“Delivery partners”: the role of several partners at once."""
        return {
            "lead": _("lead partners"),
            "funder": _("funders"),
            "delivery-partner": _("delivery partners"),
            "in-kind-supporter": _("in-kind supporters"),
            "investor": _("investors"),
            "outcome-payer": _("outcome payers"),
            "intermediary": _("intermediaries"),
            "commissioner": _("commissioners"),
            "messenger": _("messengers"),
            "content-producer": _("content producers"),
            "board-member": _("board members"),
            "expertise-provider": _("expertise providers"),
        }[self.value]


class PartnershipQuerySet(models.QuerySet):
    def published(self):
        return self.filter(initiative__status=Status.PUBLISHED)

    def partners(self):
        """The partners of these partnerships, each once."""
        return Partner.objects.filter(pk__in=self.values("partner_id"))


class PartnershipManager(models.Manager.from_queryset(PartnershipQuerySet)):
    def get_by_natural_key(self, initiative_slug, partner_slug, role):
        return self.get(initiative__slug=initiative_slug, partner__slug=partner_slug, role=role)


class Partnership(ChoiceLabels, models.Model):
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


class EvidenceLevel(models.TextChoices):
    """The evidence ladder, from the weakest step to the strongest (see /evidence/). Each
    step asks more than the one below it."""

    REPORTED = "reported", _("reported")
    MEASURED = "measured", _("measured")
    COMPARED = "compared", _("compared")
    EVALUATED = "evaluated", _("evaluated")


EVIDENCE_SUMMARIES = {
    EvidenceLevel.REPORTED: _(
        "The initiative or a publication states the figure; it says nothing of how it was counted."
    ),
    EvidenceLevel.MEASURED: _(
        "Counted with a stated method, or taken from official statistics, so that someone "
        "could count it again."
    ),
    EvidenceLevel.COMPARED: _(
        "Measured and set against a baseline or a comparison group: the same place before "
        "the initiative, or similar places without it."
    ),
    EvidenceLevel.EVALUATED: _(
        "An independent evaluation or a peer-reviewed study examined the figure and whether "
        "the initiative caused it."
    ),
}


class MeasurementMethod(models.TextChoices):
    NOT_STATED = "not-stated", _("not stated")
    SELF_REPORTED = "self-reported", _("reported by the initiative")
    OFFICIAL_STATISTICS = "official-statistics", _("official statistics")
    SURVEY = "survey", _("survey")
    INDEPENDENT_EVALUATION = "independent-evaluation", _("independent evaluation")
    PEER_REVIEWED_STUDY = "peer-reviewed-study", _("peer-reviewed study")


EVIDENCE_BITS = bits_of(EvidenceLevel)
METHOD_BITS = bits_of(MeasurementMethod)


class Attribution(models.TextChoices):
    """What a figure can say about the initiative's part in it."""

    EFFECT = "effect", _("an effect of the initiative")
    CHANGE_WHILE_RUNNING = "change-while-running", _("a change while it ran")
    NOT_ESTABLISHED = "not-established", _("not established")
    NOT_A_CHANGE = "not-a-change", _("not a change (a count, an amount or a fact)")


ATTRIBUTION_SUMMARIES = {
    Attribution.EFFECT: _(
        "An evaluation compared what happened with what would have happened without the "
        "initiative, and found the difference."
    ),
    Attribution.CHANGE_WHILE_RUNNING: _(
        "The change happened while the initiative ran; other causes have not been ruled "
        "out, so it is not shown to be the initiative's effect."
    ),
    Attribution.NOT_ESTABLISHED: _(
        "The source does not show how the figure relates to the initiative: its period or "
        "its place may not match the initiative's."
    ),
    Attribution.NOT_A_CHANGE: _(
        "The figure counts what the initiative did or raised, or describes the place; it "
        "makes no claim of effect."
    ),
}


class KeyedByInitiativeManager(models.Manager):
    """Figures and sources are found by their initiative's slug and their own key."""

    def get_by_natural_key(self, initiative_slug, key):
        return self.get(initiative__slug=initiative_slug, key=key)


@functools.cache
def figure_words(language):
    """The phrases of a figure's wording in ``language``, translated once per process: Django's
    ``gettext`` cost more than the rest of the wording, and an export words thousands."""
    with translation.override(language):
        return {
            "fall": gettext("a fall of %(value)s"),
            "rise": gettext("a rise of %(value)s"),
            "since": gettext("since %(year)s"),
        }


class Figure(ChoiceLabels, ConstraintErrorsOnFields, models.Model):
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

    # Its evidence: where it comes from, how it was measured, how far it can be trusted.
    evidence_level = models.CharField(
        _("evidence level"),
        max_length=12,
        choices=EvidenceLevel,
        default=EvidenceLevel.REPORTED,
        help_text=_(
            "Reported: stated, no method given. Measured: a stated method or official "
            "statistics. Compared: against a baseline or a comparison group. Evaluated: an "
            "independent evaluation or a peer-reviewed study."
        ),
    )
    method = models.CharField(
        _("how it was measured"),
        max_length=30,
        choices=MeasurementMethod,
        default=MeasurementMethod.NOT_STATED,
    )
    attribution = models.CharField(
        _("effect or change"),
        max_length=30,
        choices=Attribution,
        default=Attribution.NOT_ESTABLISHED,
        help_text=_(
            "Whether the figure shows an effect of the initiative, only a change while it "
            "ran, or neither (a count or a fact)."
        ),
    )
    source = models.ForeignKey(
        "Source",
        verbose_name=_("source"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="figures",
        help_text=_("One of this case's sources (save a new source first to choose it)."),
    )
    source_locator = models.CharField(
        _("page or section"),
        max_length=200,
        blank=True,
        validators=[single_line],
        help_text=_("Where in the source: a page, a section, a paragraph."),
    )
    source_quote = models.TextField(
        _("original words"),
        blank=True,
        help_text=_("The source's own words for the figure, in its own language."),
    )
    source_quote_language = models.CharField(
        _("language of the original words"),
        max_length=8,
        blank=True,
        validators=[language_code],
        help_text=_("Its language code: es, en, pt…"),
    )
    checked_by = models.CharField(
        _("checked by"),
        max_length=200,
        blank=True,
        validators=[single_line],
        help_text=_("Who checked the figure against its source."),
    )
    checked_on = models.DateField(_("checked on"), null=True, blank=True)

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

    def clean(self):
        super().clean()
        if (
            self.source_id
            and self.initiative_id
            and self.source.initiative_id != self.initiative_id
        ):
            raise ValidationError({"source": _("Choose one of this initiative's own sources.")})

    @property
    def evidence_summary(self):
        return EVIDENCE_SUMMARIES[self.evidence_level]

    @property
    def attribution_summary(self):
        return ATTRIBUTION_SUMMARIES[self.attribution]

    @property
    def display_value(self):
        """The figure as a reader says it, in the conventions of the reader's language:
        “−40 %” / “−40%”, “more than 7,000 people”, “10.000–50.000 US$” / “US$10,000–50,000”,
        “a fall of more than 90 %”."""
        return self.worded(translation.get_language())

    def worded(self, language):
        """``display_value``, given the active language's code (an export words thousands
        of figures in the one language)."""
        number = format_number(self.value, language=language)
        if self.value_max is not None:
            number = f"{number}–{format_number(self.value_max, language=language)}"
        if self.unit == Unit.PERCENT:
            text = format_percent(number, language)
        elif self.unit in CURRENCY_SYMBOLS:
            text = format_amount(number, CURRENCY_SYMBOLS[self.unit], language)
        else:
            text = f"{number} {self.get_unit_display()}"
        if self.qualifier == Qualifier.EXACT:
            sign = {Direction.DECREASE: "−", Direction.INCREASE: "+"}.get(self.direction, "")
            return f"{sign}{text}"
        text = f"{self.get_qualifier_display()} {text}"
        if self.direction == Direction.DECREASE:
            return figure_words(language)["fall"] % {"value": text}
        if self.direction == Direction.INCREASE:
            return figure_words(language)["rise"] % {"value": text}
        return text

    @property
    def period(self):
        """The period as a reader says it: “2006–2010”, “2012”, or “since 1991” for a change
        whose source gives only its first year (a count in one year covers that year)."""
        if self.period_start and self.period_end and self.period_start != self.period_end:
            return f"{self.period_start}–{self.period_end}"
        if self.period_start and not self.period_end:
            return figure_words(translation.get_language())["since"] % {"year": self.period_start}
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
