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

A change saved while the shared cache could not be reached leaves a ``CacheDebt`` row; every
request asks the database once whether one is owed, and the first that finds it with the cache
back moves the generation on (``owes_the_cache``, ``settle_debts``).
"""

import hashlib
import logging
import os
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language

from .cache import on_recovery
from .models import CacheDebt

logger = logging.getLogger("ppci.cache")

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


def cache_available():
    return getattr(cache, "available", True)


def generation():
    """The current generation, or None while the shared cache cannot be reached (nothing is
    then kept or served from it).

    Asked once per request: every later call in the same request (the page cache, the
    vocabularies, the list's index, …) gets the same answer without a round trip, and all
    that the request keeps is kept under the generation it started from. A change the
    request makes itself (``invalidate()``) asks again."""
    kept = getattr(_request, "generation", _NOT_ASKED)
    if kept is not _NOT_ASKED:
        return kept
    value = _current_generation()
    if hasattr(_request, "debts_checked"):  # in a request
        _request.generation = value
    return value


def _current_generation():
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
    if not cache_available():
        return None
    if owes_the_cache():
        # A change was made while this cache could not be reached, perhaps by another
        # server: what it holds is from before, whichever process asks first.
        settle_debts(cache)
        value = cache.get(GENERATION_KEY)
        if not cache_available():
            return None
    return value


_request = threading.local()
_NOT_ASKED = object()


@receiver(request_started)
def _new_request(sender, **kwargs):
    _request.debts_checked = False
    _request.__dict__.pop("generation", None)


@receiver(request_finished)
def _request_done(sender, **kwargs):
    _request.__dict__.pop("debts_checked", None)
    _request.__dict__.pop("generation", None)


_debt_sql = {}


def _debt_question(database):
    """The SQL of ``CacheDebt.objects.exists()``, compiled once per database: it is asked on
    every request, a page served from the cache included, and compiling it again each time
    cost about as much as the round trip (a list page served from the cache on PostgreSQL,
    10,000 initiatives, 2 workers: 914 → 990 requests/s)."""
    found = _debt_sql.get(database.alias)
    if found is None:
        query = CacheDebt.objects.all().query.exists(limit=True)
        found = _debt_sql[database.alias] = query.get_compiler(connection=database).as_sql()
    return found


def _ask_for_debts():
    """Whether the database holds a debt. Asked first in a request, the question stands for
    Django's health check of a kept connection (``CONN_HEALTH_CHECKS``: a ``SELECT 1``
    before a request's first query): one round trip instead of two, for every request. A
    connection that cannot answer is closed and the question asked again on a new one, as
    the health check would have done."""
    checking = (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
    )
    if checking:
        connection.health_check_done = True
        try:
            return _debts_found()
        except DatabaseError:
            connection.close()
    return _debts_found()


def _debts_found():
    with connection.cursor() as cursor:
        cursor.execute(*_debt_question(connection))
        return cursor.fetchone() is not None


def owes_the_cache():
    """Whether a change is still owed to the shared cache: asked in the database once per
    request (and at every call outside one), so that no process serves a page from before a
    change, even one that never saw the cache fail."""
    if getattr(_request, "debts_checked", False):
        return False
    try:
        owed = _ask_for_debts()
    except DatabaseError:
        # The database is away too: nothing can have been published meanwhile.
        logger.warning("Could not ask the database for the cache's debts.", exc_info=True)
        owed = False
    if hasattr(_request, "debts_checked"):
        _request.debts_checked = not owed
    return owed


def invalidate():
    """Every page kept so far is out of date."""
    _request.__dict__.pop("generation", None)
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
    if not cache_available():
        # The cache still holds pages from before this change: the debt is kept in the
        # database (with the change, in its transaction) until the cache answers again.
        CacheDebt.objects.create()


@on_recovery
def settle_debts(recovered_cache):
    """At the first call that reaches the cache again: if anything changed meanwhile, move
    the generation on, so that no page kept from before is ever served."""
    try:
        debts = list(CacheDebt.objects.values_list("pk", flat=True)[:1000])
    except Exception:
        logger.exception("Could not read the cache's debts; emptying the cache instead.")
        recovered_cache.clear()
        return
    if debts:
        invalidate()
        CacheDebt.objects.filter(pk__in=debts).delete()
        logger.warning("Cache answers again: pages kept before %d change(s) dropped.", len(debts))


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

# The names under which ``remember()`` keeps a value for one address rather than for the
# whole case book: the facet counts of one combination of filters, one initiative's related
# cases, the matches of one search. A first visit of an address finds none of them, unless
# another address asked the same before (a search, with other filters).
PER_ADDRESS_PREFIXES = ("facets:", "related:", "search:")


class HitCounter:
    def __init__(self):
        self.hits = 0


# Set only while ``counting_per_address_hits()`` runs (the Server-Timing middleware).
_per_address_hits = ContextVar("per_address_hits", default=None)


@contextmanager
def counting_per_address_hits():
    """Count, in the counter it yields, the values kept per address that ``remember()``
    finds while the block runs (in this thread or task)."""
    counter = HitCounter()
    token = _per_address_hits.set(counter)
    try:
        yield counter
    finally:
        _per_address_hits.reset(token)


def _count_hit(name):
    counter = _per_address_hits.get()
    if counter is not None and name.startswith(PER_ADDRESS_PREFIXES):
        counter.hits += 1


def remember(name, build, in_process=True, keeps=None):
    """``build()``, computed once per generation: for data that changes only when the
    content does, such as the filter vocabularies or an initiative's related cases. With
    ``in_process``, kept in the process as well as in the cache, so that a request of the
    same generation does not even unpickle it (for a few values every page reads, not for
    one per initiative). With ``keeps``, a value is kept only where ``keeps(value)``."""
    current = generation()
    if current is None:
        return build()  # the cache is down: no generation to tell a kept value is current
    kept = _remembered.get(name) if in_process else None
    if kept is not None and kept[0] == current:
        _count_hit(name)
        return kept[1]
    key = f"data:{current}:{name}"
    value = cache.get(key)
    if value is None:
        value = build()
        if keeps is not None and not keeps(value):
            return value
        cache.set(key, value, timeout=max(settings.PAGE_CACHE_SECONDS, 300))
    else:
        _count_hit(name)
    if in_process:
        _remembered[name] = (current, value)
    return value


def recall(name, current):
    """What ``keep()`` (or ``remember()``) kept as ``name`` for the generation ``current``,
    from the process or the cache, or None: never built here."""
    kept = _remembered.get(name)
    if kept is not None and kept[0] == current:
        return kept[1]
    value = cache.get(f"data:{current}:{name}")
    if value is not None:
        _remembered[name] = (current, value)
    return value


def keep(name, value, current):
    """Keep ``value`` as ``name`` for the generation ``current``, in the process and the
    cache, for ``recall()``."""
    cache.set(f"data:{current}:{name}", value, timeout=max(settings.PAGE_CACHE_SECONDS, 300))
    _remembered[name] = (current, value)


def canonical_query(query):
    """The parameters public pages read, by name (each one's values in the order given, since
    the last of a single-valued parameter wins), without any other."""
    known = settings.PAGE_QUERY_PARAMETERS
    pairs = [(name, value) for name, values in query.lists() if name in known for value in values]
    return urlencode(sorted(pairs, key=lambda pair: pair[0]))


def page_key(request, generation_now):
    query = canonical_query(request.GET)
    address = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"pages:{generation_now}:{get_language()}:{digest}"


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
        if any(name not in settings.PAGE_QUERY_PARAMETERS for name in request.GET):
            # A parameter no page reads changes nothing on it: the visitor is sent to the
            # address without it, so that a loop of ?f=1, ?f=2, … neither fills the cache
            # nor reaches the database.
            query = canonical_query(request.GET)
            return HttpResponsePermanentRedirect(
                f"{request.path}?{query}" if query else request.path
            )
        current = generation()
        if current is None:
            return self.get_response(request)  # the cache is down: serve uncached
        key = page_key(request, current)
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
            and len(response.content) <= settings.PAGE_CACHE_MAX_BYTES
        )
