from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharedConfig(AppConfig):
    """The shared helpers as an app, for the signals they listen to."""

    default = True  # this module also holds the lockout app's configuration
    name = "ppci.lib"
    label = "ppci_lib"
    verbose_name = "PPCI"

    def ready(self):
        from . import (
            security,  # noqa: F401  (logs admin lockouts)
            timeouts,  # noqa: F401  (limits SQLite's statements)
        )


class LoginLockoutConfig(AxesConfig):
    """django-axes (admin login protection), named in the admin's language."""

    verbose_name = _("Login lockouts")
