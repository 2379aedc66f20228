"""Numbers as a reader of each language writes them: one place for every page.

Spanish groups thousands with a point and puts a space before “%” and after the number for a
currency (“100.000”, “40 %”, “5.000.000 €”); English groups with a comma, writes “40%” and puts
the currency first (“100,000”, “40%”, “€5,000,000”). The grouping and decimal marks come from
Django's formats for the active language (ppci/formats adjusts Spanish's).
"""

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
        places = 0 if value == value.to_integral_value() else 1
        if places and value * 10 != (value * 10).to_integral_value():
            places = 2
    return number_format(value, places, force_grouping=True)


def format_percent(number):
    """``number`` already formatted, as a percentage: “40 %” / “40%”."""
    return f"{number}{NBSP}%" if spanish() else f"{number}%"


def format_amount(number, symbol):
    """``number`` already formatted, as an amount in the currency of ``symbol``:
    “5.000.000 €” / “€5,000,000”."""
    return f"{number}{NBSP}{symbol}" if spanish() else f"{symbol}{number}"
