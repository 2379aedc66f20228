"""Numbers as each language writes them (ppci.lib.numbers): the quick way a figure's wording
takes writes what Django's ``number_format`` writes, digit for digit."""

from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.formats import number_format
from hypothesis import given
from hypothesis import strategies as st

from ppci.lib.numbers import format_number, number_writer


def as_django_writes(value, places):
    """``format_number`` as Django alone would write it."""
    value = Decimal(value)
    if places is None:
        places = 0 if value == value.to_integral_value() else 1
        if places and value * 10 != (value * 10).to_integral_value():
            places = 2
    return number_format(value, places, force_grouping=True)


@pytest.mark.parametrize(
    "language, value, written",
    [
        ("es", Decimal("6637.00"), "6.637"),
        ("en", Decimal("6637.00"), "6,637"),
        ("es", Decimal("1234567.5"), "1.234.567,5"),
        ("en", Decimal("1234567.5"), "1,234,567.5"),
        ("es", Decimal("23.60"), "23,6"),
        ("en", Decimal("0.25"), "0.25"),
        ("en", Decimal("-0.004"), "0.00"),
    ],
)
def test_it_writes_a_number_in_each_languages_marks(language, value, written):
    with translation.override(language):
        assert format_number(value) == written == as_django_writes(value, None)


@given(
    value=st.decimals(allow_nan=False, allow_infinity=False)
    | st.integers(-(10**20), 10**20).map(Decimal).map(lambda d: d.scaleb(-3)),
    places=st.sampled_from([None, 0, 1, 2]),
    language=st.sampled_from(["es", "en"]),
)
def test_it_writes_what_djangos_number_format_writes(value, places, language):
    with translation.override(language):
        assert format_number(value, places) == as_django_writes(value, places)


@given(
    value=st.decimals(allow_nan=False, allow_infinity=False)
    | st.decimals(min_value=0, max_value=10**14, places=2)
    | st.integers(0, 10**16).map(Decimal).map(lambda d: d.scaleb(-2))
    | st.sampled_from([Decimal("0.00"), Decimal("-0.00"), Decimal("1E+2"), Decimal("7.5E+3")])
    | st.integers(-(10**6), 10**6)
    | st.none(),
    language=st.sampled_from(["es", "en"]),
)
def test_a_column_of_numbers_is_written_as_each_number_alone(value, language):
    """The quick way a column of figures' values takes (``number_writer``), from their
    digits, writes what ``format_number`` writes."""
    assert number_writer(language)(value) == format_number(value, language=language)


@pytest.mark.parametrize(
    "language, value, written",
    [
        ("es", Decimal("1234567.50"), "1.234.567,5"),
        ("en", Decimal("1234567.50"), "1,234,567.5"),
        ("es", Decimal("0.05"), "0,05"),
        ("en", Decimal("40.00"), "40"),
    ],
)
def test_a_column_of_numbers_is_written_in_each_languages_marks(language, value, written):
    assert number_writer(language)(value) == written
