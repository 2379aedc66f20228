"""Numbers as a reader of each language writes them: one place for every page.

Spanish groups thousands with a point and puts a space before “%” and after the number for a
currency (“100.000”, “40 %”, “5.000.000 €”); English groups with a comma, writes “40%” and puts
the currency first (“100,000”, “40%”, “€5,000,000”). The grouping and decimal marks come from
Django's formats for the active language (ppci/formats adjusts Spanish's).

Each function takes the active language's code as ``language`` where its caller has it
already: looking it up costs as much as writing the number, and a figure's wording writes
thousands of them in an export.
"""

import functools
from decimal import Decimal

from django.utils.formats import get_format, number_format
from django.utils.translation import get_language

NBSP = "\u00a0"


def spanish(language=None):
    return ((get_language() if language is None else language) or "es").startswith("es")


def format_number(value, places=None, language=None):
    """“100.000” / “100,000”; as many decimals as the value has (at most two) unless
    ``places`` says."""
    if value.__class__ is Decimal:  # a figure's value: whole ones are written as counts
        whole = value.is_finite() and value == value.to_integral_value()
        if places is None and whole and value.adjusted() < 100:
            value = int(value)
    elif value is None or value == "":
        return ""
    if type(value) is int and not places:  # counts: the common case, kept cheap
        grouped = f"{value:,}"
        separator = get_format("THOUSAND_SEPARATOR", language)
        return grouped if separator == "," else grouped.replace(",", separator)
    try:
        value = Decimal(value)
    except (ArithmeticError, ValueError, TypeError):
        return str(value)
    if places is None:
        if value != value.to_integral_value():
            places = 1 if value * 10 == (value * 10).to_integral_value() else 2
        elif value.adjusted() < 100:
            return format_number(int(value), language=language)  # as a count
        else:
            places = 0
    return grouped_decimal(value, places, language)


def grouped_decimal(value, places, language=None):
    """What ``number_format(value, places, force_grouping=True)`` writes of the Decimal
    ``value``, without its cost (a figure's wording calls it thousands of times in an export):
    its digits cut, not rounded, to ``places``, and grouped by three, as both languages group.
    Anything else is left to Django."""
    if language is None:
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


def format_percent(number, language=None):
    """``number`` already formatted, as a percentage: “40 %” / “40%”."""
    return f"{number}{NBSP}%" if spanish(language) else f"{number}%"


def format_amount(number, symbol, language=None):
    """``number`` already formatted, as an amount in the currency of ``symbol``:
    “5.000.000 €” / “€5,000,000”."""
    return f"{number}{NBSP}{symbol}" if spanish(language) else f"{symbol}{number}"


def number_writer(language):
    """``format_number(value, language=language)`` as a function of ``value`` alone, for a
    column of thousands of figures' values: a Decimal of at most two decimals, not
    negative, as a figure's value comes from the database, is written from its digits
    (“12.50” as “12,5”), with the language's marks looked up once; anything else goes to
    ``format_number``."""
    thousands = get_format("THOUSAND_SEPARATOR", language)
    point = get_format("DECIMAL_SEPARATOR", language)
    if get_format("NUMBER_GROUPING", language) != 3:
        return functools.partial(format_number, language=language)

    def written(value):
        if value.__class__ is Decimal:
            whole, _point, decimals = str(value).partition(".")
            if whole.isdigit() and len(decimals) <= 2 and (decimals.isdigit() or not decimals):
                grouped = f"{int(whole):,}"
                if thousands != ",":
                    grouped = grouped.replace(",", thousands)
                decimals = decimals.rstrip("0")
                return grouped + point + decimals if decimals else grouped
        return format_number(value, language=language)

    return written
