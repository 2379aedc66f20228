"""Generate (or remove) demo initiatives at network scale for benchmarks and demos."""

from django.core.management.base import BaseCommand, CommandError

from casebook import demo
from ppci.lib import pagecache


class Command(BaseCommand):
    help = (
        "Replace the demo data with N generated initiatives (about 2 partners, 6 partnerships "
        "and 3 figures each; a tenth drafts), the same for the same --seed. Demo rows are "
        "marked as such and never touch the case book; --remove deletes them all."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--initiatives", type=int, default=1000, help="How many initiatives (default 1000)."
        )
        parser.add_argument(
            "--seed", type=int, default=2016, help="Seed of the generator (default 2016)."
        )
        parser.add_argument(
            "--remove", action="store_true", help="Only delete the demo data, generate nothing."
        )

    def handle(self, *args, initiatives, seed, remove, **options):
        try:
            if remove:
                counts = demo.remove()
                verb = "Removed"
            else:
                if initiatives < 1:
                    raise CommandError("--initiatives must be at least 1.")
                counts = demo.generate(initiatives, seed)
                verb = "Generated"
        except demo.DemoDataError as error:
            raise CommandError(str(error)) from error
        pagecache.invalidate()
        self.stdout.write(
            f"{verb} {counts['initiatives']} demo initiatives, {counts['partners']} partners "
            f"and {counts['cities']} cities."
        )
