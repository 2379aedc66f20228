from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasebookConfig(AppConfig):
    name = "casebook"
    verbose_name = _("Case book")

    def ready(self):
        from django.db.models.signals import post_migrate

        from ppci import security  # noqa: F401  (logs admin lockouts)

        from . import signals  # noqa: F401

        post_migrate.connect(restore_sqlite_search_index, sender=self)


def restore_sqlite_search_index(using, **kwargs):
    """SQLite drops triggers when it rebuilds a table; put the search index back."""
    from django.db import connections

    from .search_index import ensure_search_index

    connection = connections[using]
    if connection.vendor == "sqlite":
        ensure_search_index(connection)
