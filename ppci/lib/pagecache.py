"""A cache of whole public pages that is never stale.

Each page is kept under its scheme, host, language and full path with the query string,
plus a *generation*: a number that moves on whenever anything a public page shows is saved
or deleted (any model of an app that called ``watch()``, but the private ones it named), once
at the change and once more when its transaction commits. A changed page is therefore never read
back; old entries simply expire. Logged-in users always get a fresh page and never fill the
cache, and pages that carry a CSRF token or set a cookie are not kept.

The cache is Django's ``default`` cache: local memory by default, Redis (``REDIS_URL``) in
production. With local memory each process keeps its own pages, so the generation is not kept
there but in a small file that every process on the machine reads: several gunicorn workers
without Redis still never serve a page another worker has made stale.
"""

import hashlib
import os
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language

GENERATION_KEY = "pages:generation"

# App label → names of its models that never show publicly.
_watched_apps = {}


def cache_is_shared():
    return not settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


def generation_file():
    """One file per project and database, in the machine's temporary folder."""
    database = settings.DATABASES["default"]
    place = f"{settings.BASE_DIR}:{database['ENGINE']}:{database.get('NAME')}"
    digest = hashlib.sha256(place.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"ppci-page-generation-{digest}"


def generation():
    if not cache_is_shared():
        try:
            return generation_file().read_text() or "0"
        except FileNotFoundError:
            invalidate()
            return generation_file().read_text()
    value = cache.get(GENERATION_KEY)
    if value is None:
        # A new start never meets pages kept under an earlier generation.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache.get(GENERATION_KEY)
    return value


def invalidate():
    """Every page kept so far is out of date."""
    if not cache_is_shared():
        path = generation_file()
        fresh = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex}")
        fresh.write_text(uuid.uuid4().hex)
        os.replace(fresh, path)  # atomic: a reader sees the old or the new, never half
        return
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def shows_publicly(model):
    private = _watched_apps.get(model._meta.app_label)
    return private is not None and model._meta.model_name not in private


def invalidate_now_and_at_commit(using=None):
    """For a change made inside a transaction: out of date now, and again at commit, since a
    request that read the old rows in between may have kept them under the new generation."""
    invalidate()
    transaction.on_commit(invalidate, using=using)


def content_changed(sender, using=None, **kwargs):
    if shows_publicly(sender):
        invalidate_now_and_at_commit(using)


def watch(app_config, private=()):
    """Every save or delete of a model of this app (the many-to-many links included) moves
    the generation on, except for the ``private`` models' (lower-case model names)."""
    _watched_apps[app_config.label] = frozenset(private)
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(content_changed, dispatch_uid=f"pagecache-{id(signal)}")


_remembered = {}


def remember(name, build, in_process=True):
    """``build()``, computed once per generation: for data that changes only when the
    content does, such as the filter vocabularies or an initiative's related cases. With
    ``in_process``, kept in the process as well as in the cache, so that a request of the
    same generation does not even unpickle it (for a few values every page reads, not for
    one per initiative)."""
    current = generation()
    kept = _remembered.get(name) if in_process else None
    if kept is not None and kept[0] == current:
        return kept[1]
    key = f"data:{current}:{name}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=max(settings.PAGE_CACHE_SECONDS, 300))
    if in_process:
        _remembered[name] = (current, value)
    return value


def page_key(request):
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"pages:{generation()}:{get_language()}:{digest}"


class PageCacheMiddleware:
    """Serve and keep public GET pages. Placed last, so every other middleware still runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.applies_to(request):
            response = self.get_response(request)
            if self.logged_in(request):
                # Rendered for this person (drafts, staff links): no shared cache may keep it.
                patch_cache_control(response, private=True, no_store=True)
            return response
        key = page_key(request)
        response = cache.get(key)
        if response is not None:
            return response
        response = self.get_response(request)
        if request.method == "GET" and self.can_keep(request, response):
            cache.set(key, response, timeout=settings.PAGE_CACHE_SECONDS)
        return response

    @staticmethod
    def applies_to(request):
        if settings.PAGE_CACHE_SECONDS <= 0 or request.method not in ("GET", "HEAD"):
            return False
        if request.path.startswith(reverse("admin:index")):
            return False
        return not PageCacheMiddleware.logged_in(request)

    @staticmethod
    def logged_in(request):
        # Only a request with a session can be a logged-in one; the others skip the lookup.
        has_session = settings.SESSION_COOKIE_NAME in request.COOKIES
        return has_session and hasattr(request, "user") and request.user.is_authenticated

    @staticmethod
    def can_keep(request, response):
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and "private" not in response.get("Cache-Control", "")
        )
