"""Suggest a correction: a short public form, stored for staff, rate-limited per client."""

import hashlib

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ppci.lib import ratelimit
from ppci.lib.security import client_ip

from .models import Correction

LIMIT_PER_HOUR = 5


class CorrectionForm(forms.ModelForm):
    # Left empty by people; bots that fill every field fill this one too.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    class Meta:
        model = Correction
        fields = ["what_is_wrong", "source", "email"]
        widgets = {
            "what_is_wrong": forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
            "source": forms.Textarea(attrs={"rows": 2, "maxlength": 1000}),
        }
        help_texts = {
            "source": _("Where the right information can be checked (optional)."),
            "email": _("Only if you would like an answer; it is never published (optional)."),
        }

    def is_spam(self):
        return bool(self.cleaned_data.get("website"))


def client_key(request):
    """A salted hash of the client's address (behind trusted proxies, the client's, not the
    proxy's): enough to count, nothing to identify."""
    address = client_ip(request) or ""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()


LIMIT = ratelimit.HourlyLimit("corrections", LIMIT_PER_HOUR)


def over_limit(request):
    """Whether the client has already sent the hour's number of suggestions."""
    return LIMIT.reached(client_key(request))


def count_accepted(request):
    """Count one accepted suggestion (a rejected form counts for nothing)."""
    LIMIT.count(client_key(request))
