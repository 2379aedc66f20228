"""Proposals from cities: the public form, its limits and what reviewers are told.

A city official proposes an initiative of their own city; it is kept as a private
``Proposal`` for the reviewers' queue. The form works without JavaScript (four partner rows,
named and given a sector), refuses more than its limits with a message on the field, counts
accepted proposals per client and hour, and drops what a bot sends through the honeypot.
"""

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from partners.models import Sector
from ppci.lib import ratelimit
from ppci.lib.countries import country_choices
from ppci.lib.outbox import queue_mail

from .corrections import client_key
from .models import Proposal, Theme

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


def _counter(request):
    return f"proposals:{client_key(request)}"


def over_limit(request):
    return ratelimit.current(_counter(request)) >= LIMIT_PER_HOUR


def count_accepted(request):
    ratelimit.count(_counter(request))


def tell_reviewers(proposal):
    """Reviewers are told of a new proposal (without the proposer's contact details, which
    stay in the admin)."""
    from .notifications import reviewers

    link = settings.SITE_URL + reverse("admin:casebook_proposal_change", args=[proposal.pk])
    parts = []
    for language in ("es", "en"):
        with translation.override(language):
            parts.append(
                (
                    str(_("Proposal from %(city)s: %(title)s"))
                    % {"city": proposal.city_name, "title": proposal.title},
                    str(
                        _(
                            "A city proposed an initiative for the case book. "
                            "Review it here: %(link)s"
                        )
                    )
                    % {"link": link},
                )
            )
    subject = " / ".join(dict.fromkeys(subject for subject, _body in parts))
    body = "\n\n— — —\n\n".join(body for _subject, body in parts)
    return queue_mail([user.email for user in reviewers()], subject, body)
