"""A case's, a partner's, a theme's and a city's address is the one Django's ``reverse()``
gives, in each language and under a script prefix, though it is reversed once per view."""

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import translation

from ppci.lib.urls import slug_url

VIEWS = ["casebook:detail", "casebook:theme", "casebook:city", "partners:detail"]


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("prefix", ["/", "/portal/"])
def test_the_address_is_the_one_reverse_gives(view, language, prefix):
    set_script_prefix(prefix)
    try:
        with translation.override(language):
            for slug in ("parques-del-rio", "demo-000001-x_y", "a"):
                expected = reverse(view, kwargs={"slug": slug})
                assert slug_url(view, slug) == expected
                assert expected.startswith(f"{prefix}{language}/")
    finally:
        clear_script_prefix()


def test_a_slug_that_is_not_one_is_left_to_reverse():
    with pytest.raises(Exception, match="Reverse"):
        slug_url("casebook:detail", "not a slug/")
