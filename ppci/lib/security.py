"""Security plumbing: the response policies, the client address for login throttling, and the
lockout page and log line for the admin login."""

import logging

from axes.signals import user_locked_out
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.checks import Error, Tags, register
from django.dispatch import receiver
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger("ppci.security")


class SecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's Content-Security-Policy, and a Permissions-Policy that turns off the
    browser features the portal never uses."""

    def process_response(self, request, response):
        response = super().process_response(request, response)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def client_ip(request):
    """The visitor's address: REMOTE_ADDR, or X-Forwarded-For behind trusted proxies."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


# Keys that have been published (in this repository's history): never a production key.
PUBLISHED_KEYS = {"django-insecure-local-only-key-set-SECRET_KEY"}


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    """In production the key comes from the environment, and is no key anyone has seen."""
    errors = []
    if settings.SECRET_KEY in PUBLISHED_KEYS:
        errors.append(
            Error(
                "SECRET_KEY is a key published in the project's repository.",
                hint="Set SECRET_KEY in the environment to a new random value.",
                id="ppci.E001",
            )
        )
    elif not getattr(settings, "SECRET_KEY_FROM_ENVIRONMENT", True):
        errors.append(
            Error(
                "SECRET_KEY is not set in the environment: the key generated for local work "
                "on this machine is in use.",
                hint="Set SECRET_KEY in the environment, the same on every server.",
                id="ppci.E002",
            )
        )
    return errors


@register(Tags.security, deploy=True)
def check_not_local(app_configs, **kwargs):
    """PPCI_LOCAL serves this machine alone over plain HTTP: never a production server."""
    if getattr(settings, "LOCAL", False):
        return [
            Error(
                "PPCI_LOCAL is on: the portal is served over plain HTTP to this machine only.",
                hint="Unset PPCI_LOCAL in production.",
                id="ppci.E003",
            )
        ]
    return []


@receiver(user_locked_out)
def log_lockout(sender, request, username, ip_address, **kwargs):
    logger.warning(
        "Admin login locked after %d failed attempts: user name %r from %s; "
        "locked for %s (manage.py axes_reset_username / axes_reset_ip lift it).",
        settings.AXES_FAILURE_LIMIT,
        username,
        ip_address,
        settings.AXES_COOLOFF_TIME,
    )


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out login gets: status 429, in the visitor's language."""
    return render(
        request,
        "admin/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            "title": _("Login locked"),
        },
        status=429,
    )
