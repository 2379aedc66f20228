"""WSGI entry point: ``gunicorn ppci.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ppci.settings")

application = get_wsgi_application()
