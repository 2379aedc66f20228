"""The database's last backstop: no statement runs for ever, and a visitor whose request
ran out of time gets a page that says so.

PostgreSQL has ``statement_timeout`` (``PG_STATEMENT_TIMEOUT`` in the settings). SQLite has
no such setting; ``SQLITE_STATEMENT_TIMEOUT`` (milliseconds, 0 for none) gives it one for the
statements of a request (not those of a management command, which may rebuild the search
index of a large case book): the connection's progress handler interrupts a statement that
has run longer, counted from when it was sent until it returns its first row (the reading of
the rows that follows, an export streaming for minutes, is not limited).

``StatementTimeoutMiddleware`` turns a statement that was stopped for its time into a 503
page with ``Retry-After``, in the visitor's language, instead of a server error.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import OperationalError
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# How many SQLite virtual-machine steps run between two looks at the clock.
STEPS = 20_000

_requests = threading.local()


@receiver(request_started)
def _request_started(sender, **kwargs):
    _requests.active = True


@receiver(request_finished)
def _request_finished(sender, **kwargs):
    _requests.active = False


class Deadline:
    """The time the running statement must end by, or None between statements."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.ends = None

    def __call__(self, execute, sql, params, many, context):
        if not getattr(_requests, "active", False):
            return execute(sql, params, many, context)
        self.ends = time.monotonic() + self.seconds
        try:
            return execute(sql, params, many, context)
        finally:
            self.ends = None

    def passed(self):
        """SQLite's progress handler: a true value interrupts the statement."""
        return self.ends is not None and time.monotonic() > self.ends


@receiver(connection_created)
def limit_sqlite_statements(sender, connection, **kwargs):
    seconds = getattr(settings, "SQLITE_STATEMENT_TIMEOUT", 0) / 1000
    if connection.vendor != "sqlite" or seconds <= 0:
        return
    deadline = Deadline(seconds)
    connection.execute_wrappers[:] = [
        wrapper for wrapper in connection.execute_wrappers if not isinstance(wrapper, Deadline)
    ] + [deadline]
    connection.connection.set_progress_handler(deadline.passed, STEPS)


def ran_out_of_time(exception):
    """Whether a database error is a statement stopped for its time."""
    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__
    if type(cause).__name__ == "QueryCanceled":  # PostgreSQL's statement_timeout
        return "statement timeout" in str(cause)
    return str(exception) == "interrupted"  # SQLite's progress handler


class StatementTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not ran_out_of_time(exception):
            return None
        logger.warning("A statement ran out of time: %s %s", request.method, request.path)
        response = render(
            request,
            "503.html",
            {
                "message": _(
                    "This request needed more time than the server gives one request. "
                    "Try a more precise search, or fewer filters at once."
                )
            },
            status=503,
        )
        response["Retry-After"] = "30"
        return response
