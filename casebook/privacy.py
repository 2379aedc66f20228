"""Personal data: the contact details of proposers and of those who suggest corrections.

They are kept only to contact the person about what they sent, and erased after
``PERSONAL_DATA_DAYS`` (``erase_contact_details``, run daily from cron) or at once on request
(an admin action). Erasing blanks the details in place; what was proposed or suggested stays.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Correction, Proposal

PROPOSER_FIELDS = ["proposer_name", "proposer_role", "proposer_organisation", "proposer_email"]
# The salted hash of the sender's address (rate limits) goes with the contact details.


@transaction.atomic
def erase_proposers(proposals):
    """Blank the proposers' contact details; how many were erased."""
    return proposals.filter(contact_erased_at__isnull=True).update(
        **dict.fromkeys(PROPOSER_FIELDS, ""),
        client_key="",
        consent=False,
        contact_erased_at=timezone.now(),
    )


@transaction.atomic
def erase_senders(corrections):
    """Blank the e-mail addresses of those who suggested these corrections."""
    return corrections.exclude(email="", client_key="").update(email="", client_key="")


def erase_expired(days=None, now=None):
    """Erase every contact detail received more than ``days`` ago: (proposals, corrections)."""
    days = settings.PERSONAL_DATA_DAYS if days is None else days
    before = (now or timezone.now()) - datetime.timedelta(days=days)
    return (
        erase_proposers(Proposal.objects.filter(created_at__lt=before)),
        erase_senders(Correction.objects.filter(created_at__lt=before)),
    )
