"""A case's, a partner's, a theme's and a city's address, and every address of the
``{% url %}`` tag, is the one Django's ``reverse()`` gives, in each language and under a
script prefix, though it is reversed once per view."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix
from django.urls.resolvers import URLResolver
from django.utils import translation

from casebook.models import Initiative
from ppci.lib.urls import remembered_reverse, slug_url

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


# Every kind of argument the project's templates give {% url %}: none, a slug, a number, a
# key as text, and what no slug is (left to reverse(), which quotes it or refuses it).
ADDRESSES = [
    ("casebook:list", (), {}),
    ("casebook:home", (), {}),
    ("casebook:suggest-correction", ("parques-del-rio",), {}),
    ("casebook:cite-bibtex", ("url-stand-in-0-",), {}),
    ("casebook:detail", (), {"slug": "url-stand-in-1-"}),
    ("admin:casebook_initiative_change", (12,), {}),
    ("admin:casebook_initiative_change", ("12",), {}),
    ("admin:casebook_initiative_change", ("a/b c",), {}),
    ("admin:casebook_initiative_history", ("ñandú",), {}),
]


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("prefix", ["/", "/portal/"])
def test_remembered_addresses_are_the_ones_reverse_gives(language, prefix):
    set_script_prefix(prefix)
    try:
        with translation.override(language):
            for _round in range(2):  # reversed, then remembered
                for view, args, kwargs in ADDRESSES:
                    expected = reverse(view, args=args, kwargs=kwargs)
                    assert remembered_reverse(view, args, kwargs) == expected, (view, args)
    finally:
        clear_script_prefix()


def test_a_view_that_does_not_exist_is_refused_every_time():
    for _round in range(2):
        with pytest.raises(NoReverseMatch):
            remembered_reverse("casebook:no-such-view")


def test_the_url_tag_gives_what_djangos_gives(rf):
    request = rf.get("/")
    source = (
        "{% url 'casebook:detail' slug=slug %}|{% url 'casebook:suggest-correction' slug %}|"
        "{% url 'casebook:nothing' as missing %}[{{ missing }}]|{% url view %}"
    )
    for language in ("es", "en"):
        with translation.override(language):
            rendered = Template(source).render(
                Context({"slug": "a-b", "view": "casebook:list", "request": request})
            )
            expected = "|".join(
                [
                    reverse("casebook:detail", kwargs={"slug": "a-b"}),
                    reverse("casebook:suggest-correction", args=["a-b"]),
                    "[]",
                    reverse("casebook:list"),
                ]
            )
            assert rendered == expected
    with pytest.raises(NoReverseMatch):
        Template("{% url 'casebook:nothing' %}").render(Context({}))
    # Escaped as Django escapes it.
    escaped = Template("{% url 'admin:casebook_initiative_change' key %}")
    assert escaped.render(Context({"key": "a&b"})) == reverse(
        "admin:casebook_initiative_change", args=["a&b"]
    ).replace("&", "&amp;")


@pytest.mark.django_db
def test_a_case_page_walks_no_url_pattern_once_its_views_are_known(client, casebook, monkeypatch):
    first, second = Initiative.objects.published().order_by("pk")[:2]
    with translation.override("es"):
        first_page, second_page = first.get_absolute_url(), second.get_absolute_url()
    assert client.get(first_page).status_code == 200
    walked = []
    original = URLResolver._reverse_with_prefix

    def reverse_with_prefix(resolver, view, *args, **kwargs):
        walked.append(view)
        return original(resolver, view, *args, **kwargs)

    monkeypatch.setattr(URLResolver, "_reverse_with_prefix", reverse_with_prefix)
    response = client.get(second_page)
    assert response.status_code == 200
    assert walked == []
    assert f'href="/es/initiatives/{second.slug}/correction/"' in response.content.decode()
