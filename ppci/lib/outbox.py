"""E-mail through an outbox: ``queue_mail`` stores the message with the change it tells of
(in the same transaction) and sends it once that commits; a message that fails to send is
logged and kept, and ``send_queued_mail`` (run it from cron) sends it again."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from .models import OutgoingMail

logger = logging.getLogger("ppci.mail")


def queue_mail(to, subject, body):
    """Keep the message now, send it after the current transaction commits."""
    to = sorted({address for address in to if address})
    if not to:
        return None
    mail = OutgoingMail.objects.create(to=to, subject=subject[:200], body=body)
    transaction.on_commit(lambda: send(mail.pk))
    return mail


def send(pk):
    """Send one kept message, unless it went already; True if it is sent."""
    mail = OutgoingMail.objects.filter(pk=pk, sent_at__isnull=True).first()
    if mail is None:
        return False
    message = EmailMessage(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, mail.to)
    try:
        message.send()
    except Exception as error:  # any failure of the mail server: kept, sent again later
        OutgoingMail.objects.filter(pk=pk).update(
            attempts=mail.attempts + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        logger.error("Could not send e-mail %s (%s); kept to send again.", pk, error)
        return False
    OutgoingMail.objects.filter(pk=pk).update(
        sent_at=timezone.now(), attempts=mail.attempts + 1, last_error=""
    )
    return True


def send_queued(limit=500):
    """Send what is kept and not sent yet, oldest first; (sent, failed)."""
    keys = OutgoingMail.objects.filter(sent_at__isnull=True).order_by("created_at", "pk")
    sent = failed = 0
    for pk in keys.values_list("pk", flat=True)[:limit]:
        if send(pk):
            sent += 1
        else:
            failed += 1
    return sent, failed
