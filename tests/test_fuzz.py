"""Bad input never breaks anything: property-based requests (Hypothesis) to every public URL,
in both languages, with every query parameter of the SPEC and made-up ones, filled with
garbage, injection strings, NUL bytes, broken percent-encoding and huge or repeated values.

Each request must answer below 500, never echo injected markup unescaped, and answer within a
generous time bound. More than 2,000 requests in all, the same ones on every run (see the
Hypothesis profile in conftest.py), on whichever database the suite runs on.
"""

import time
from urllib.parse import quote, quote_from_bytes

import pytest
from django.test import Client
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

# Requests each test sends; together at least 2,000.
REQUESTS = {"list": 800, "partners": 250, "compare": 200, "pages": 600, "repeat": 100, "form": 100}
assert sum(REQUESTS.values()) >= 2000
# And on 2,000 demo initiatives, where any search or facet has real work to do.
REQUESTS["demo"] = 500

SLOW = 2.0  # seconds: far above any real page, far below a hang
LANGUAGES = ["es", "en"]

# Markup that must never come back as markup.
INJECTIONS = [
    "<script>fz(1)</script>",
    '"><script>fz(2)</script>',
    "<img src=x onerror=fz(3)>",
    "'><svg onload=fz(4)>",
    "</textarea><script>fz(5)</script>",
    "javascript:fz(6)",
]
MARKUP = ["<script>fz(", "<img src=x onerror=fz", "<svg onload=fz"]
SQL = [
    "' OR '1'='1",
    "1; DROP TABLE casebook_initiative;--",
    "' UNION SELECT username, password FROM auth_user--",
    "1' AND SLEEP(5)--",
    "'; SELECT pg_sleep(5);--",
    '") OR ("a"="a',
]
SEARCH_SYNTAX = [
    '"',
    '"unterminated phrase',
    "-",
    "--",
    "or",
    "OR OR",
    "a OR",
    "NEAR(a b)",
    "*",
    "a*",
    "!()&|:*<->",
    "\\",
    "%",
    "_",
    "^",
    "{}[]",
]
ODD = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202eevil",
    "😀",
    "e\u0301",
    "ﬁ",
    "İ",
    "\ufeff",
    "\t\n\r",
    "0",
    "-1",
    "1e309",
    "NaN",
    "Infinity",
    "9" * 400,
    "0x1F",
    "2010.5",
    "medellín",
    "jóvenes",
]
PAYLOADS = INJECTIONS + SQL + SEARCH_SYNTAX + ODD
# Percent-encoding a browser would never send.
BROKEN_ENCODING = ["%", "%g", "%zz", "%%", "%e2%82", "%c3", "%ed%a0%80", "%ff%fe", "%00", "+%"]

KNOWN = {
    "theme": ["trust-building", "engagement", "education", "messaging", "capacity-building"],
    "sector": ["public", "private", "community"],
    "kind": ["sports-team", "police", "foundation", "ngo", "local-authority"],
    "programming": ["explicit", "implicit"],
    "funding": ["social-impact-bond", "public-funding"],
    "issue": ["gang-violence", "violent-extremism"],
    "scale": ["local", "city", "national", "global"],
    "country": ["CO", "gb", "us", "CH"],
    "city": ["medellin", "boston", "murcia"],
    "year_from": ["2006", "1990"],
    "year_to": ["2016", "2030"],
    "sort": ["relevance", "title", "-year", "year", "-updated"],
    "page": ["1", "2", "0"],
    "q": ["medellin", "jóvenes", "social impact bond", '"Ruta N"', "-fútbol"],
    "i": ["ruta-n", "gcerf", "think-4-peace", "extreme-dialogue"],
}
LIST_PARAMETERS = [
    "q", "theme", "sector", "kind", "programming", "funding", "issue", "scale",
    "country", "city", "year_from", "year_to", "sort", "page",
]  # fmt: skip
PARTNER_PARAMETERS = ["q", "sector", "kind", "country", "page"]
SLUGS = {
    "initiatives": ["ruta-n", "gcerf", "red-card-to-crime"],
    "partners": ["converse", "sulamerica"],
    "themes": ["trust-building", "messaging"],
    "cities": ["medellin", "murcia"],
}
PAGES = [
    "/{lang}/",
    "/{lang}/initiatives/",
    "/{lang}/initiatives/export.csv",
    "/{lang}/initiatives/export.json",
    "/{lang}/initiatives/export-figures.csv",
    "/{lang}/initiatives/export.xlsx",
    "/{lang}/initiatives/datapackage.json",
    "/{lang}/partners/",
    "/{lang}/themes/",
    "/{lang}/cities/",
    "/{lang}/guide/",
    "/{lang}/network/",
    "/{lang}/compare/",
    "/{lang}/feed/",
    "/{lang}/accessibility/",
    "/{lang}/initiatives/{initiatives}/",
    "/{lang}/initiatives/{initiatives}/cite.bib",
    "/{lang}/initiatives/{initiatives}/cite.ris",
    "/{lang}/initiatives/{initiatives}/correction/thanks/",
    "/{lang}/partners/{partners}/",
    "/{lang}/themes/{themes}/",
    "/{lang}/cities/{cities}/",
    "/sitemap.xml",
    "/robots.txt",
    "/",
]


def encoded(text):
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def any_value(name=None):
    """A query value as it appears in the query string: already percent-encoded."""
    choices = [
        st.sampled_from(PAYLOADS).map(encoded),
        st.binary(max_size=40).map(lambda raw: quote_from_bytes(raw, safe="")),
        st.text(max_size=40).map(encoded),
        st.sampled_from(BROKEN_ENCODING),
        st.tuples(st.sampled_from(PAYLOADS), st.text(max_size=10)).map(
            lambda pair: encoded(pair[0] + pair[1])
        ),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.integers(min_value=1900, max_value=2100).map(str),
    ]
    if name in KNOWN:
        choices.append(st.sampled_from(KNOWN[name]).map(encoded))
        choices.append(st.sampled_from(KNOWN[name]).map(encoded))
    return st.one_of(choices)


def pair(names):
    """One name=value pair: a real parameter (most often) or a made-up name."""
    real = st.sampled_from(names).flatmap(lambda name: any_value(name).map(lambda v: (name, v)))
    made_up = st.tuples(st.text(min_size=1, max_size=12).map(encoded), any_value())
    return st.one_of(real, real, real, made_up)


def query(names, max_pairs=8):
    return st.lists(pair(names), max_size=max_pairs).map(
        lambda pairs: "&".join(f"{name}={value}" for name, value in pairs)
    )


def segment():
    """What a visitor might put where a slug goes."""
    return st.one_of(
        st.sampled_from(PAYLOADS).map(encoded),
        st.binary(min_size=1, max_size=30).map(lambda raw: quote_from_bytes(raw, safe="")),
        st.text(min_size=1, max_size=30).map(encoded),
        st.sampled_from(BROKEN_ENCODING),
    )


class Visitor:
    """Sends requests as given, and checks what comes back."""

    def __init__(self):
        self.client = Client()
        self.sent = 0

    def get(self, path, query_string=""):
        return self.check(
            lambda: self.client.get(path, QUERY_STRING=query_string), f"{path}?{query_string}"
        )

    def post(self, path, data, address):
        return self.check(lambda: self.client.post(path, data, REMOTE_ADDR=address), path)

    def check(self, send, what):
        started = time.monotonic()
        response = send()
        if response.streaming:
            # An export's queries run as it streams: the whole download counts.
            response.content_bytes = b"".join(response.streaming_content)
        elapsed = time.monotonic() - started
        self.sent += 1
        assert response.status_code < 500, what
        assert elapsed < SLOW, f"{what} took {elapsed:.2f} s"
        if response.get("Content-Type", "").startswith("text/html"):
            body = response.content.decode("utf-8", "replace")
            for markup in MARKUP:
                assert markup not in body, f"{what} echoed {markup!r} unescaped"
        return response


# A request to the list or one of its exports, with any of its parameters.
LIST_REQUESTS = {
    "path": st.sampled_from(
        [
            "/{lang}/initiatives/",
            "/{lang}/initiatives/export.csv",
            "/{lang}/initiatives/export.json",
            "/{lang}/initiatives/export-figures.csv",
            "/{lang}/initiatives/export.xlsx",
        ]
    ),
    "lang": st.sampled_from(LANGUAGES),
    "query_string": query(LIST_PARAMETERS),
}
# On thousands of initiatives, the exports whose whole download is timed against the limit.
DEMO_LIST_REQUESTS = {
    **LIST_REQUESTS,
    "path": st.sampled_from(
        [
            "/{lang}/initiatives/",
            "/{lang}/initiatives/export.csv",
            "/{lang}/initiatives/export.json",
        ]
    ),
}


@pytest.fixture
def visitor(casebook):
    return Visitor()


def test_it_answers_any_initiative_query_on_the_list_and_exports(visitor):
    @hypothesis_settings(max_examples=REQUESTS["list"])
    @given(**LIST_REQUESTS)
    @example(
        path="/{lang}/initiatives/", lang="es", query_string="q=%3Cscript%3Efz(1)%3C/script%3E"
    )
    @example(path="/{lang}/initiatives/", lang="en", query_string="theme=%22%3E%3Cscript%3Efz(2)")
    @example(path="/{lang}/initiatives/", lang="es", query_string="q=a%00b&country=%00")
    @example(path="/{lang}/initiatives/", lang="es", query_string="q=%ff%fe&city=%c3")
    @example(path="/{lang}/initiatives/export.json", lang="en", query_string="year_from=1e309")
    @example(path="/{lang}/initiatives/", lang="es", query_string="page=99999999999999999999")
    def run(path, lang, query_string):
        visitor.get(path.format(lang=lang), query_string)

    run()
    assert visitor.sent >= REQUESTS["list"]


def test_it_answers_any_partner_query(visitor):
    @hypothesis_settings(max_examples=REQUESTS["partners"])
    @given(lang=st.sampled_from(LANGUAGES), query_string=query(PARTNER_PARAMETERS))
    @example(lang="es", query_string="q=%3Cimg%20src%3Dx%20onerror%3Dfz(3)%3E&sector=%00")
    def run(lang, query_string):
        visitor.get(f"/{lang}/partners/", query_string)

    run()
    assert visitor.sent >= REQUESTS["partners"]


def test_it_answers_any_comparison(visitor):
    @hypothesis_settings(max_examples=REQUESTS["compare"])
    @given(
        lang=st.sampled_from(LANGUAGES),
        choices=st.lists(
            st.one_of(st.sampled_from(KNOWN["i"]).map(encoded), segment()), max_size=8
        ),
    )
    def run(lang, choices):
        visitor.get(f"/{lang}/compare/", "&".join(f"i={choice}" for choice in choices))

    run()
    assert visitor.sent >= REQUESTS["compare"]


def test_it_answers_any_query_and_any_slug_on_every_page(visitor):
    @hypothesis_settings(max_examples=REQUESTS["pages"])
    @given(
        page=st.sampled_from(PAGES),
        lang=st.sampled_from(LANGUAGES),
        slugs=st.fixed_dictionaries(
            {kind: st.one_of(st.sampled_from(known), segment()) for kind, known in SLUGS.items()}
        ),
        query_string=query(LIST_PARAMETERS + ["i"], max_pairs=4),
    )
    def run(page, lang, slugs, query_string):
        visitor.get(page.format(lang=lang, **slugs), query_string)

    run()
    assert visitor.sent >= REQUESTS["pages"]


def test_it_answers_a_parameter_repeated_up_to_500_times(visitor):
    @hypothesis_settings(max_examples=REQUESTS["repeat"])
    @given(
        path=st.sampled_from(
            [
                "/{lang}/initiatives/",
                "/{lang}/initiatives/export.csv",
                "/{lang}/partners/",
                "/{lang}/compare/",
                "/{lang}/",
            ]
        ),
        lang=st.sampled_from(LANGUAGES),
        name=st.sampled_from(LIST_PARAMETERS + ["i"]),
        times=st.integers(min_value=1, max_value=500),
        value=any_value(),
    )
    @example(path="/{lang}/initiatives/", lang="es", name="theme", times=500, value="engagement")
    def run(path, lang, name, times, value):
        visitor.get(path.format(lang=lang), "&".join([f"{name}={value}"] * times))

    run()
    assert visitor.sent >= REQUESTS["repeat"]


def test_it_answers_any_suggested_correction(visitor):
    text = st.one_of(
        st.sampled_from(PAYLOADS), st.text(max_size=300), st.text(min_size=1990, max_size=2100)
    )

    @hypothesis_settings(max_examples=REQUESTS["form"])
    @given(
        lang=st.sampled_from(LANGUAGES),
        slug=st.sampled_from(SLUGS["initiatives"]),
        data=st.fixed_dictionaries(
            {},
            optional={
                "what_is_wrong": text,
                "source": text,
                "email": text,
                "website": st.sampled_from(["", "http://spam.example"]),
            },
        ),
        address=st.ip_addresses(v=4).map(str),
    )
    def run(lang, slug, data, address):
        visitor.post(f"/{lang}/initiatives/{slug}/correction/", data, address)

    run()
    assert visitor.sent >= REQUESTS["form"]


# Input too large to be a real query is refused, with a message.


@pytest.mark.parametrize(
    "path, message",
    [
        ("/en/initiatives/", "“q” is too long to be a search."),
        ("/en/initiatives/export.csv", "“q” is too long to be a search."),
        ("/en/initiatives/export.json", "“q” is too long to be a search."),
        ("/en/partners/", "“q” is too long to be a search."),
        ("/es/initiatives/", "El parámetro “q” es demasiado largo para ser una búsqueda."),
    ],
)
def test_it_refuses_a_100_kb_search_with_a_message(visitor, path, message):
    response = visitor.get(path, "q=" + "a" * 100_000)

    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize("path", ["/en/initiatives/", "/en/partners/", "/en/compare/"])
def test_it_refuses_a_parameter_repeated_500_times_with_a_message(visitor, path):
    response = visitor.get(path, "&".join(["country=CO"] * 500))

    assert response.status_code == 400
    assert "“country” is repeated too many times to be a search." in response.content.decode()


def test_it_refuses_an_address_with_hundreds_of_parameters_with_a_message(visitor):
    response = visitor.get("/en/initiatives/", "&".join(f"p{n}=1" for n in range(300)))

    assert response.status_code == 400
    assert "This address has too many parameters to be a search." in response.content.decode()


@pytest.mark.parametrize("choice", ["%00", "ruta-n%00", "%ff%fe", "%3Cb%3E"])
def test_it_names_a_comparison_choice_that_cannot_be_a_slug(visitor, choice):
    response = visitor.get("/en/compare/", f"i=ruta-n&i={choice}&i=gcerf")

    body = response.content.decode()
    assert response.status_code == 200
    assert "There is no published initiative" in body
    assert [initiative.slug for initiative in response.context["initiatives"]] == [
        "ruta-n",
        "gcerf",
    ]
    assert "Ruta N" in body


@pytest.fixture
def demo_visitor(casebook):
    """The case book and 2,000 generated initiatives: searches and facets that are instant on
    nine cases must stay bounded here too."""
    from django.core.management import call_command

    call_command("generate_demo_data", initiatives=2000, seed=7, verbosity=0)
    return Visitor()


def test_it_answers_any_initiative_query_on_2000_demo_initiatives(demo_visitor):
    @hypothesis_settings(max_examples=REQUESTS["demo"])
    @given(**DEMO_LIST_REQUESTS)
    @example(path="/{lang}/initiatives/", lang="es", query_string="q=a")
    @example(path="/{lang}/initiatives/", lang="es", query_string="q=de")
    @example(path="/{lang}/initiatives/", lang="en", query_string="q=the&sort=relevance&page=50")
    @example(path="/{lang}/initiatives/export.csv", lang="es", query_string="q=de")
    @example(
        path="/{lang}/initiatives/",
        lang="en",
        query_string="q=one+two+three+four+five+six+seven+eight+nine+ten",
    )
    def run(path, lang, query_string):
        demo_visitor.get(path.format(lang=lang), query_string)

    run()
    assert demo_visitor.sent >= REQUESTS["demo"]
