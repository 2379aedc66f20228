"""Numbers and places as a reader of the page's language writes them, for every template:
``{{ count|number }}`` (“100.000” / “100,000”), ``{{ initiative|place }}`` (“Bromley
(London), United Kingdom”: a city and its country, never brackets inside brackets)."""

from django import template
from django_countries.fields import Country

from ppci.lib.numbers import format_number

register = template.Library()


@register.filter
def number(value):
    return format_number(value)


def place_text(city_name, country):
    """“City, Country”, or the country alone."""
    if country and not isinstance(country, Country):
        country = Country(str(country))
    country_name = country.name if country else ""
    return ", ".join(part for part in (city_name, country_name) if part)


@register.filter
def place(item):
    """The place of an initiative (or of anything with ``city`` and ``country``)."""
    city = getattr(item, "city", None)
    city_name = city.get("name", "") if isinstance(city, dict) else city.name if city else ""
    return place_text(city_name, getattr(item, "country", None))
