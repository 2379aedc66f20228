from django.core.management.base import BaseCommand

from ppci.lib.outbox import send_queued


class Command(BaseCommand):
    help = (
        "Send the e-mails kept in the outbox that could not be sent when they were written "
        "(run it every few minutes from cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="at most this many (500)")

    def handle(self, *args, limit, **options):
        sent, failed = send_queued(limit)
        self.stdout.write(f"{sent} sent, {failed} still kept to send again.")
        if failed:
            raise SystemExit(1)
