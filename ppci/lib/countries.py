"""Countries as filter choices: ISO 3166-1 codes named in the current language."""

import functools

from django_countries import countries


def country_choices():
    """Every country, named in the current language. A callable, so that the form copied for
    each request does not copy 250 choices too."""
    return list(countries)


@functools.cache
def country_codes():
    return frozenset(countries.countries)
