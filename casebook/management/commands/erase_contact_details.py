from django.conf import settings
from django.core.management.base import BaseCommand

from casebook.privacy import erase_expired


class Command(BaseCommand):
    help = (
        "Erase the contact details of proposers and of those who suggested corrections, "
        "received more than PERSONAL_DATA_DAYS days ago (run it daily from cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="erase what is older than this many days"
        )

    def handle(self, *args, days, **options):
        days = settings.PERSONAL_DATA_DAYS if days is None else days
        proposals, corrections = erase_expired(days)
        self.stdout.write(
            f"Contact details older than {days} days erased: {proposals} proposal(s), "
            f"{corrections} correction(s)."
        )
