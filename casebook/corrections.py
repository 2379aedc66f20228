"""Suggest a correction: a short public form, stored for staff, rate-limited per client."""

import hashlib

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

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
    """A salted hash of the client's address: enough to count, nothing to identify."""
    address = request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()


def over_limit(request):
    """Count this attempt; tell whether the client has gone past the hourly limit."""
    key = f"corrections:{client_key(request)}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > LIMIT_PER_HOUR
