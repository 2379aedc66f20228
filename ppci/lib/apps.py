from django.apps import AppConfig


class SharedConfig(AppConfig):
    """The shared helpers as an app, for the signals they listen to."""

    name = "ppci.lib"
    label = "ppci_lib"
    verbose_name = "PPCI"

    def ready(self):
        from . import (
            security,  # noqa: F401  (logs admin lockouts)
            timeouts,  # noqa: F401  (limits SQLite's statements)
        )
