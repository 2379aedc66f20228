from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasebookConfig(AppConfig):
    name = "casebook"
    verbose_name = _("Case book")

    def ready(self):
        from django.db.models.signals import post_migrate

        from ppci.lib import pagecache

        from . import search, signals  # noqa: F401  (search: SQLite's functions)

        # Corrections are private: sending one changes no public page.
        pagecache.watch(self, private=["correction"])

        post_migrate.connect(restore_search_index, sender=self)


def restore_search_index(using, **kwargs):
    """Make the search index whole after every migration, and check it (an error if it is
    not): SQLite drops triggers when it rebuilds a table, and a database migrated before a
    change to the index gets it here."""
    from django.db import connections

    from .search import ensure_index

    ensure_index(connections[using])
