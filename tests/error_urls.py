"""The site's URLs plus one page that fails, to see what a visitor gets from a server error."""

from django.urls import path

from ppci.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise RuntimeError("secret internal detail: the database password is hunter2")


urlpatterns = [path("broken/", broken), *site_urlpatterns]
