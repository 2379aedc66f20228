"""Numbers as a reader of each language writes them: one place for every page.

Spanish groups thousands with a point and puts a space before “%” and after the number for a
currency (“100.000”, “40 %”, “5.000.000 €”); English groups with a comma, writes “40%” and puts
the currency first (“100,000”, “40%”, “€5,000,000”). The grouping and decimal marks come from
Django's formats for the active language (ppci/formats adjusts Spanish's).
"""

import functools
from decimal import Decimal

from django.utils.formats import get_format, number_format
from django.utils.translation import get_language

NBSP = "\u00a0"


def spanish():
    return (get_language() or "es").startswith("es")


def format_number(value, places=None):
    """“100.000” / “100,000”; as many decimals as the value has (at most two) unless
    ``places`` says."""
    if value is None or value == "":
        return ""
    if type(value) is int and not places:  # counts: the common case, kept cheap
        grouped = f"{value:,}"
        separator = get_format("THOUSAND_SEPARATOR")
        return grouped if separator == "," else grouped.replace(",", separator)
    try:
        value = Decimal(value)
    except (ArithmeticError, ValueError, TypeError):
        return str(value)
    if places is None:
        if value != value.to_integral_value():
            places = 1 if value * 10 == (value * 10).to_integral_value() else 2
        elif value.adjusted() < 100:
            return format_number(int(value))  # as a count: the same digits, grouped
        else:
            places = 0
    return grouped_decimal(value, places)


def grouped_decimal(value, places):
    """What ``number_format(value, places, force_grouping=True)`` writes of the Decimal
    ``value``, without its cost (a figure's wording calls it thousands of times in an export):
    its digits cut, not rounded, to ``places``, and grouped by three, as both languages group.
    Anything else is left to Django."""
    language = get_language()
    if not value.is_finite() or get_format("NUMBER_GROUPING", language) != 3:
        return number_format(value, places, force_grouping=True)
    _sign, digits, exponent = value.as_tuple()
    if len(digits) + abs(exponent) > 200:  # Django writes these with an exponent
        return number_format(value, places, force_grouping=True)
    if places is not None and abs(value) < cutoff(places):  # Django's: too small to show
        value = Decimal(0)
    text = f"{value:f}"
    sign = ""
    if text[0] == "-":
        sign, text = "-", text[1:]
    whole, _point, decimals = text.partition(".")
    if places is not None:
        decimals = decimals[:places] + "0" * (places - len(decimals[:places]))
    whole = f"{int(whole):,}"
    separator = get_format("THOUSAND_SEPARATOR", language)
    if separator != ",":
        whole = whole.replace(",", separator)
    if decimals:
        return sign + whole + get_format("DECIMAL_SEPARATOR", language) + decimals
    return sign + whole


@functools.cache
def cutoff(places):
    return Decimal("0." + "1".rjust(places, "0"))


def format_percent(number):
    """``number`` already formatted, as a percentage: “40 %” / “40%”."""
    return f"{number}{NBSP}%" if spanish() else f"{number}%"


def format_amount(number, symbol):
    """``number`` already formatted, as an amount in the currency of ``symbol``:
    “5.000.000 €” / “€5,000,000”."""
    return f"{number}{NBSP}{symbol}" if spanish() else f"{symbol}{number}"
