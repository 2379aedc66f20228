from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from ppci.lib.locking import VersionedModel
from ppci.lib.models import ChoiceLabels, ConstraintErrorsOnFields, SlugManager, single_line
from ppci.lib.text import fold, sort_name
from ppci.lib.urls import slug_url


class Sector(models.TextChoices):
    PUBLIC = "public", _("public")
    PRIVATE = "private", _("private")
    COMMUNITY = "community", _("community")

    @property
    def partners_label(self):
        """“Public partners”: a heading, agreed in each language."""
        return {
            "public": _("Public partners"),
            "private": _("Private partners"),
            "community": _("Community partners"),
        }[self.value]

    @property
    def partner_label(self):
        return {
            "public": _("Public partner"),
            "private": _("Private partner"),
            "community": _("Community partner"),
        }[self.value]


class Kind(models.TextChoices):
    # Public partners represent the public interest.
    LOCAL_AUTHORITY = "local-authority", _("local authority")
    NATIONAL_GOVERNMENT = "national-government", _("national government")
    POLICE = "police", _("police")
    EDUCATIONAL_INSTITUTION = "educational-institution", _("educational institution")
    HEALTH_SERVICE = "health-service", _("health service")
    # Private partners range from trusted local businesses to national sports teams.
    TRUSTED_LOCAL_BUSINESS = "trusted-local-business", _("trusted local business")
    SPORTS_TEAM = "sports-team", _("sports team")
    MULTINATIONAL_CORPORATION = "multinational-corporation", _("multinational corporation")
    NATIONAL_COMPANY = "national-company", _("national company")
    SMALL_MEDIUM_BUSINESS = "small-medium-business", _("small or medium business")
    FOUNDATION = "foundation", _("foundation")
    # Community partners represent the people an initiative serves.
    GRASSROOTS_INITIATIVE = "grassroots-initiative", _("grassroots initiative")
    VOLUNTEER_GROUP = "volunteer-group", _("volunteer group")
    YOUTH_GROUP = "youth-group", _("youth group")
    COMMUNITY_CENTRE = "community-centre", _("community centre")
    CHARITY = "charity", _("charity")
    NGO = "ngo", _("NGO")


KIND_WITH_ARTICLE = {
    Kind.LOCAL_AUTHORITY: _("a local authority"),
    Kind.NATIONAL_GOVERNMENT: _("a national government"),
    Kind.POLICE: _("the police"),
    Kind.EDUCATIONAL_INSTITUTION: _("an educational institution"),
    Kind.HEALTH_SERVICE: _("a health service"),
    Kind.TRUSTED_LOCAL_BUSINESS: _("a trusted local business"),
    Kind.SPORTS_TEAM: _("a sports team"),
    Kind.MULTINATIONAL_CORPORATION: _("a multinational corporation"),
    Kind.NATIONAL_COMPANY: _("a national company"),
    Kind.SMALL_MEDIUM_BUSINESS: _("a small or medium business"),
    Kind.FOUNDATION: _("a foundation"),
    Kind.GRASSROOTS_INITIATIVE: _("a grassroots initiative"),
    Kind.VOLUNTEER_GROUP: _("a volunteer group"),
    Kind.YOUTH_GROUP: _("a youth group"),
    Kind.COMMUNITY_CENTRE: _("a community centre"),
    Kind.CHARITY: _("a charity"),
    Kind.NGO: _("an NGO"),
}
"""Each kind as a sentence names one partner of it (“works with a national company”)."""


def secure_address(value):
    """A partner's website is linked from its public page: only an https:// address."""
    if value and not value.lower().startswith("https://"):
        raise ValidationError(
            _("Give the site's secure address, starting with https://"), code="not_https"
        )


def bits_of(choices):
    """Each option of ``choices`` as one bit of an integer, in the order the options are
    declared: a set of options fits in one column (``Initiative.partner_sectors`` and
    ``partner_kinds``), tested with a bitwise AND. Append new options at the end; reordering
    them means computing every stored set again (``refresh_derived_fields``)."""
    return {value: 1 << number for number, value in enumerate(choices.values)}


SECTOR_BITS = bits_of(Sector)
KIND_BITS = bits_of(Kind)


def mask(bits, values):
    """The integer holding the set ``values`` (of the options ``bits`` numbers)."""
    total = 0
    for value in values:
        total |= bits.get(value, 0)
    return total


KINDS_BY_SECTOR = {
    Sector.PUBLIC: [
        Kind.LOCAL_AUTHORITY,
        Kind.NATIONAL_GOVERNMENT,
        Kind.POLICE,
        Kind.EDUCATIONAL_INSTITUTION,
        Kind.HEALTH_SERVICE,
    ],
    Sector.PRIVATE: [
        Kind.TRUSTED_LOCAL_BUSINESS,
        Kind.SPORTS_TEAM,
        Kind.MULTINATIONAL_CORPORATION,
        Kind.NATIONAL_COMPANY,
        Kind.SMALL_MEDIUM_BUSINESS,
        Kind.FOUNDATION,
    ],
    Sector.COMMUNITY: [
        Kind.GRASSROOTS_INITIATIVE,
        Kind.VOLUNTEER_GROUP,
        Kind.YOUTH_GROUP,
        Kind.COMMUNITY_CENTRE,
        Kind.CHARITY,
        Kind.NGO,
    ],
}


class Partner(ChoiceLabels, ConstraintErrorsOnFields, VersionedModel):
    """An organisation that takes part in one or more initiatives."""

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=200, validators=[single_line])
    sector = models.CharField(_("sector"), max_length=20, choices=Sector)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind)
    country = CountryField(_("country"), blank=True)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(
        _("website"),
        blank=True,
        validators=[secure_address],
        help_text=_("Its own site, starting with https://"),
    )
    search_name = models.CharField(max_length=500, editable=False, blank=True, default="")
    # The name in each language as it sorts (without case or accents), so that every database
    # lists partners in the order a reader expects, whatever its collation.
    sort_name_es = models.CharField(max_length=200, editable=False, blank=True, default="")
    sort_name_en = models.CharField(max_length=200, editable=False, blank=True, default="")
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SlugManager()

    class Meta:
        ordering = ["name", "slug"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.CheckConstraint(
                name="partner_kind_belongs_to_sector",
                condition=Q(
                    *[
                        Q(sector=sector, kind__in=kinds)
                        for sector, kinds in KINDS_BY_SECTOR.items()
                    ],
                    _connector=Q.OR,
                ),
                violation_error_code="kind_not_in_sector",
                violation_error_message=_("This kind of partner does not belong to that sector."),
            ),
        ]
        indexes = [
            models.Index(fields=["sector", "kind"], name="partner_sector_kind_idx"),
            models.Index(fields=["sort_name_es", "slug"], name="partner_sort_name_es_idx"),
            models.Index(fields=["sort_name_en", "slug"], name="partner_sort_name_en_idx"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.set_derived_names()
        super().save(*args, **kwargs)

    def set_derived_names(self):
        """The names kept for search and for sorting, from the names in both languages."""
        self.search_name = self.folded_names()
        self.sort_name_es = sort_name(self.name_es or self.name_en)[:200]
        self.sort_name_en = sort_name(self.name_en or self.name_es)[:200]

    @staticmethod
    def reader_order():
        """The order of a list of partners for the reader's language: by the name they read,
        without case or accents, then by slug."""
        return ["sort_name_en" if get_language() == "en" else "sort_name_es", "slug"]

    def get_absolute_url(self):
        return slug_url("partners:detail", self.slug)

    def natural_key(self):
        return (self.slug,)

    @property
    def sector_choice(self):
        return Sector(self.sector)

    def folded_names(self):
        """Both names without case or accents, so that “sulamerica” finds SulAmérica."""
        return fold(" ".join(filter(None, [self.name_es, self.name_en])))[:500]

    def constraint_error_on_field(self, error):
        """A kind outside its sector goes on the kind field, naming the kinds allowed."""
        if getattr(error, "code", None) == "kind_not_in_sector" and self.sector in Sector:
            sector = Sector(self.sector)
            allowed = ", ".join(str(kind.label) for kind in KINDS_BY_SECTOR[sector])
            return "kind", ValidationError(
                _("A %(sector)s partner is one of: %(allowed)s.")
                % {"sector": sector.label, "allowed": allowed},
                code="kind_not_in_sector",
            )
        return None, error
