"""Proposals from cities: the public form, its limits and what reviewers are told.

A city official proposes an initiative of their own city; it is kept as a private
``Proposal`` for the reviewers' queue. The form works without JavaScript (four partner rows,
named and given a sector), refuses more than its limits with a message on the field, counts
accepted proposals per client and hour, and drops what a bot sends through the honeypot.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from partners.models import KINDS_BY_SECTOR, Partner, Sector
from ppci.lib import ratelimit
from ppci.lib.countries import country_choices

from .corrections import client_key
from .models import (
    City,
    Initiative,
    Partnership,
    Programming,
    Proposal,
    Role,
    Scale,
    Theme,
    TransitionRefused,
)
from .notifications import mail_in_both, reviewers

LIMIT_PER_HOUR = 3
PARTNER_ROWS = 4
# Left empty by people; bots that fill every field fill this one too. Not named like any
# field a proposal asks for.
HONEYPOT = "fax_number"


class ProposalForm(forms.ModelForm):
    country = forms.ChoiceField(label=_("Country"), choices=[("", "—"), *country_choices()])
    themes = forms.ModelMultipleChoiceField(
        label=_("Work themes"),
        queryset=Theme.objects.order_by("order"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    consent = forms.BooleanField(
        label=_("The reviewers may contact me about this proposal."),
        required=True,
        error_messages={"required": _("We need your consent to contact you.")},
    )

    class Meta:
        model = Proposal
        fields = [
            "title", "summary", "city_name", "country", "themes", "year_founded", "year_ended",
            "what_changed", "source", "proposer_name", "proposer_role", "proposer_organisation",
            "proposer_email", "consent",
        ]  # fmt: skip
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
            "what_changed": forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
        }
        help_texts = {
            "summary": _("Two or three sentences: who works together, for what."),
            "what_changed": _("What it achieved, in figures or in words (optional)."),
            "source": _("A report, an article or a web page where it can be checked."),
            "proposer_email": _("Only the reviewers see it; it is never published."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number in range(1, PARTNER_ROWS + 1):
            self.fields[f"partner_{number}_name"] = forms.CharField(
                label=_("Partner %(number)d") % {"number": number},
                max_length=200,
                required=False,
            )
            self.fields[f"partner_{number}_sector"] = forms.ChoiceField(
                label=_("Sector of partner %(number)d") % {"number": number},
                choices=[("", "—"), *Sector.choices],
                required=False,
            )
        self.fields[HONEYPOT] = forms.CharField(label=_("Leave this field empty"), required=False)
        for name in ("year_founded", "year_ended"):
            self.fields[name].widget.attrs.update(min=1900, max=2100)
            self.fields[name].min_value = 1900
        for field in self.fields.values():
            limit = getattr(field, "max_length", None)
            if limit:
                field.widget.attrs.setdefault("maxlength", limit)

    def partner_rows(self):
        """The partner fields, row by row, for the template."""
        return [
            (self[f"partner_{number}_name"], self[f"partner_{number}_sector"])
            for number in range(1, PARTNER_ROWS + 1)
        ]

    def clean(self):
        cleaned = super().clean()
        partners = []
        for number in range(1, PARTNER_ROWS + 1):
            name = (cleaned.get(f"partner_{number}_name") or "").strip()
            sector = cleaned.get(f"partner_{number}_sector") or ""
            if name and not sector:
                self.add_error(
                    f"partner_{number}_sector", _("Say which sector this partner is from.")
                )
            elif sector and not name:
                self.add_error(
                    f"partner_{number}_name", _("Name the partner, or leave its sector empty.")
                )
            elif name:
                partners.append({"name": name, "sector": sector})
        if not any(
            cleaned.get(f"partner_{number}_name") or cleaned.get(f"partner_{number}_sector")
            for number in range(1, PARTNER_ROWS + 1)
        ):
            self.add_error("partner_1_name", _("Name at least one partner."))
        cleaned["partners"] = partners
        founded, ended = cleaned.get("year_founded"), cleaned.get("year_ended")
        if founded and ended and ended < founded:
            self.add_error(
                "year_ended", _("The year it ended cannot be before the year it was founded.")
            )
        return cleaned

    def is_spam(self):
        return bool(self.cleaned_data.get(HONEYPOT))

    def save(self, request):
        proposal = super().save(commit=False)
        proposal.partners = self.cleaned_data["partners"]
        proposal.language = translation.get_language()
        proposal.client_key = client_key(request)
        proposal.save()
        self.save_m2m()
        tell_reviewers(proposal)
        return proposal


LIMIT = ratelimit.HourlyLimit("proposals", LIMIT_PER_HOUR)


def over_limit(request):
    """Whether the client has already sent the hour's number of proposals."""
    return LIMIT.reached(client_key(request))


def count_accepted(request):
    """Count one accepted proposal (a form refused for its input counts for nothing)."""
    LIMIT.count(client_key(request))


def tell_reviewers(proposal):
    """Reviewers are told of a new proposal (without the proposer's contact details, which
    stay in the admin)."""
    link = settings.SITE_URL + reverse("admin:casebook_proposal_change", args=[proposal.pk])

    def render(language):
        return (
            str(_("Proposal from %(city)s: %(title)s"))
            % {"city": proposal.city_name, "title": proposal.title},
            str(_("A city proposed an initiative for the case book. Review it here: %(link)s"))
            % {"link": link},
        )

    return mail_in_both([user.email for user in reviewers()], render)


# Publishing a proposal -----------------------------------------------------------------------

NEW = "new"


def unique_slug(model, text):
    base = slugify(text)[:100] or "item"
    slug, number = base, 2
    while model._default_manager.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def partner_candidates(name):
    """Existing partners a proposed one may be: those whose name holds it, or it theirs."""
    words = name.strip()
    return list(
        Partner.objects.filter(Q(name_es__icontains=words) | Q(name_en__icontains=words)).order_by(
            *Partner.reader_order()
        )[:20]
    )


class PublishProposalForm(forms.Form):
    """What a reviewer decides when publishing a proposal: the city (an existing one or a
    new one by the name given), each partner (an existing one, or a new one of a kind of its
    sector), and the two classifications a proposal does not ask for."""

    programming = forms.ChoiceField(label=_("Programming"), choices=Programming.choices)
    scale = forms.ChoiceField(label=_("Scale"), choices=Scale.choices)

    def __init__(self, proposal, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        cities = City.objects.filter(country=proposal.country).order_by("name_es")
        self.fields["city"] = forms.ChoiceField(
            label=_("City"),
            choices=[
                (NEW, _("A new city: %(name)s") % {"name": proposal.city_name}),
                *((str(city.pk), city.name) for city in cities),
            ],
            initial=next(
                (
                    str(city.pk)
                    for city in cities
                    if city.name_es.lower() == proposal.city_name.lower()
                    or (city.name_en or "").lower() == proposal.city_name.lower()
                ),
                NEW,
            ),
        )
        for number, partner in enumerate(proposal.partners):
            candidates = partner_candidates(partner["name"])
            same = [
                found
                for found in candidates
                if partner["name"].strip().lower()
                in {found.name_es.lower(), (found.name_en or "").lower()}
            ]
            self.fields[f"partner_{number}"] = forms.ChoiceField(
                label=_("Partner “%(name)s”") % {"name": partner["name"]},
                choices=[
                    (NEW, _("A new partner")),
                    *(
                        (str(found.pk), f"{found.name} ({found.get_sector_display()})")
                        for found in candidates
                    ),
                ],
                initial=str(same[0].pk) if same else NEW,  # the same name: most likely it
            )
            self.fields[f"partner_{number}_kind"] = forms.ChoiceField(
                label=_("Kind, if new"),
                choices=[
                    (kind.value, kind.label)
                    for kind in KINDS_BY_SECTOR.get(partner.get("sector"), [])
                ],
                required=False,
            )

    def rows(self):
        return [
            (self[f"partner_{number}"], self[f"partner_{number}_kind"])
            for number in range(len(self.proposal.partners))
        ]

    def clean(self):
        cleaned = super().clean()
        for number in range(len(self.proposal.partners)):
            if cleaned.get(f"partner_{number}") == NEW and not cleaned.get(
                f"partner_{number}_kind"
            ):
                self.add_error(f"partner_{number}_kind", _("Choose the new partner's kind."))
        return cleaned


@transaction.atomic
def publish_proposal(proposal, by, decisions):
    """Turn a proposal into a published initiative: its city and partners found or made as the
    reviewer decided, its texts in the proposer's language, its themes, years and source."""
    if not Initiative.may_publish(by):
        raise PermissionDenied
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.state != Proposal.State.NEW:
        raise TransitionRefused(_("This proposal has been settled already."), code="settled")
    language = proposal.language if proposal.language in ("es", "en") else "es"
    if decisions["city"] == NEW:
        city = City.objects.create(
            slug=unique_slug(City, proposal.city_name),
            name_es=proposal.city_name,
            name_en=proposal.city_name,
            country=proposal.country,
        )
    else:
        city = City.objects.get(pk=decisions["city"])
    initiative = Initiative(
        slug=unique_slug(Initiative, proposal.title),
        country=proposal.country,
        city=city,
        year_founded=proposal.year_founded,
        year_ended=proposal.year_ended,
        programming=decisions["programming"],
        scale=decisions["scale"],
        source_note=proposal.source,
    )
    setattr(initiative, f"title_{language}", proposal.title)
    setattr(initiative, f"summary_{language}", proposal.summary)
    setattr(initiative, f"description_{language}", proposal.what_changed)
    initiative.save()
    initiative.themes.set(proposal.themes.all())
    for number, named in enumerate(proposal.partners):
        choice = decisions[f"partner_{number}"]
        if choice == NEW:
            partner = Partner.objects.create(
                slug=unique_slug(Partner, named["name"]),
                name_es=named["name"],
                name_en=named["name"],
                sector=named["sector"],
                kind=decisions[f"partner_{number}_kind"],
                country=proposal.country,
            )
        else:
            partner = Partner.objects.get(pk=choice)
        Partnership.objects.create(
            initiative=initiative,
            partner=partner,
            role=Role.LEAD if number == 0 else Role.DELIVERY,
            order=number,
        )
    initiative.publish(by=by, comment=str(_("From a proposal by a city.")))
    proposal.state = Proposal.State.ACCEPTED
    proposal.initiative = initiative
    proposal.save(update_fields=["state", "initiative"])
    return initiative
