"""An initiative's page reads it with queries compiled once (``ppci.lib.prepared``): what it
reads must be what ``Initiative.objects.for_detail()`` reads, in both languages, for drafts
only when asked, and with no query left for the page to make."""

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from casebook.models import (
    DETAIL_READ,
    Initiative,
    Partnership,
    Status,
    initiative_for_page,
)
from ppci.lib.prepared import Prepared, numbered
from tests.factories import make_initiative, make_partner

pytestmark = pytest.mark.django_db


def what_a_page_reads(initiative):
    """Everything the page takes from the initiative, as plain values."""
    return {
        "fields": {
            field.attname: getattr(initiative, field.attname)
            for field in Initiative._meta.concrete_fields
        },
        "title": initiative.title,
        "city": initiative.city and (initiative.city.slug, initiative.city.name),
        "themes": [theme.slug for theme in initiative.themes.all()],
        "fundings": [funding.slug for funding in initiative.fundings.all()],
        "issues": [issue.slug for issue in initiative.issues.all()],
        "partnerships": [
            (p.pk, p.role, p.partner.slug, p.partner.name, p.description)
            for p in initiative.partnerships.all()
        ],
        "figures": [
            (f.pk, f.display_value, f.period, f.source and f.source.key)
            for f in initiative.figures.all()
        ],
        "sources": [(s.pk, s.key, s.title) for s in initiative.sources.all()],
    }


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_page_reads_each_case_as_for_detail_does(casebook, language):
    with translation.override(language):
        expected = {i.slug: what_a_page_reads(i) for i in Initiative.objects.for_detail()}
        assert len(expected) >= 9
        for slug, read in expected.items():
            initiative = initiative_for_page(slug, drafts=True)
            with CaptureQueriesContext(connection) as queries:
                assert what_a_page_reads(initiative) == read, slug
                # Each partnership, figure and source knows its initiative without a query.
                for relation in ("partnerships", "figures", "sources"):
                    for item in getattr(initiative, relation).all():
                        assert item.initiative is initiative
            assert len(queries) == 0, [query["sql"] for query in queries]
        # Several of them have partners, figures and sources to compare.
        assert sum(bool(read["figures"]) for read in expected.values()) >= 5
        assert sum(len(read["partnerships"]) > 1 for read in expected.values()) >= 5


def test_partners_of_the_same_order_follow_their_name_in_the_readers_language(casebook):
    initiative = Initiative.objects.published().first()
    initiative.partnerships.all().delete()
    for spanish, english in (("Alfa", "Zulu"), ("Zeta", "Alpha")):
        partner = make_partner(name_es=spanish, name_en=english)
        Partnership.objects.create(initiative=initiative, partner=partner, role="funder")
    for language, names in (("es", ["Alfa", "Zeta"]), ("en", ["Alpha", "Zulu"])):
        with translation.override(language):
            read = initiative_for_page(initiative.slug)
            assert [p.partner.name for p in read.partnerships.all()] == names


def test_a_draft_is_read_for_staff_only(casebook):
    draft = make_initiative(status=Status.DRAFT)
    assert initiative_for_page(draft.slug) is None
    assert initiative_for_page(draft.slug, drafts=True).pk == draft.pk
    assert initiative_for_page("no-such-initiative", drafts=True) is None


def test_a_slug_is_a_value_never_sql(casebook):
    for slug in ("x' OR '1'='1", 'x" OR 1=1 --', "%s", "%(slug)s"):
        assert initiative_for_page(slug, drafts=True) is None
    assert Initiative.objects.count() >= 9


def test_what_cannot_be_prepared_is_refused_when_it_is_compiled(casebook):
    refused = [
        Prepared(
            lambda slug: Initiative.objects.prefetch_related("figures").filter(slug=slug), slug=str
        ),
        Prepared(lambda slug: Initiative.objects.only("slug").filter(slug=slug), slug=str),
        Prepared(lambda slug: Initiative.objects.values("pk").filter(slug=slug), slug=str),
        # The value never reaches the SQL.
        Prepared(lambda slug: Initiative.objects.all(), slug=str),
        Prepared(
            lambda slug: Initiative.objects.prefetch_related(Prefetch("sources")).filter(slug=slug),
            slug=str,
        ),
    ]
    for prepared in refused:
        with pytest.raises(ValueError):
            prepared(slug="anything")


def test_each_language_and_variant_has_its_own_sql(casebook):
    slug = Initiative.objects.published().first().slug
    for language in ("es", "en"):
        with translation.override(language):
            for variant in ("published", "drafts"):
                assert DETAIL_READ("default", variant, slug=slug)[0].slug == slug
    keys = {key[1:] for key in DETAIL_READ._compiled}
    assert keys >= {("es", "published"), ("es", "drafts"), ("en", "published"), ("en", "drafts")}


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statements prepared on a PostgreSQL server"
)


def the_reads(client, initiative):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(initiative.get_absolute_url()).status_code == 200
    # The case's own reads (its related cases' names are read by key, after them).
    (reads,) = [query["sql"] for query in queries if initiative.slug in query["sql"]]
    return reads


@postgresql_only
def test_a_connection_prepares_the_reads_of_a_case_once(client, casebook):
    first, second = Initiative.objects.published().order_by("pk")[:2]
    the_reads(client, first)  # prepared by this connection, now or by an earlier test
    reads = the_reads(client, second)
    assert reads.count("EXECUTE ") == 4
    assert "PREPARE" not in reads and "SELECT" not in reads
    assert second.slug in reads


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_statements_lost_by_the_session_are_prepared_again(client, casebook):
    first, second = Initiative.objects.published().order_by("pk")[:2]
    the_reads(client, first)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # as a pooler or another tool would
    with CaptureQueriesContext(connection) as queries:
        response = client.get(second.get_absolute_url())
    assert response.status_code == 200
    assert second.title in response.content.decode()
    # Refused once, then deallocated, prepared and run again.
    sent = [query["sql"] for query in queries if second.slug in query["sql"]]
    assert len(sent) == 2
    assert sent[1].startswith("DEALLOCATE ALL; PREPARE ")
    assert the_reads(client, first).count("PREPARE") == 0


@postgresql_only
def test_without_prepared_statements_the_reads_still_go_together(client, casebook, settings):
    settings.PG_PREPARED_STATEMENTS = False
    initiative = Initiative.objects.published().order_by("pk").first()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(initiative.get_absolute_url())
    assert response.status_code == 200
    (reads,) = [q["sql"] for q in queries if q["sql"].count("SELECT") >= 4 and "; " in q["sql"]]
    assert "EXECUTE" not in reads and "PREPARE" not in reads


def test_placeholders_are_numbered_and_percent_signs_kept():
    sql = "SELECT a FROM t WHERE b = %s AND c LIKE '%%x' AND d IN (%s, %s)"
    assert numbered(sql) == "SELECT a FROM t WHERE b = $1 AND c LIKE '%%x' AND d IN ($2, $3)"


def test_a_values_list_gives_the_tuples_django_gives(casebook):
    keys = list(Initiative.objects.order_by("pk").values_list("pk", flat=True)[:3])
    by_orm = Initiative.objects.rewrite(False).filter(pk__in=keys).order_by("pk")
    fields = ("country", "pk", "city__name_en", "title_es", "published_at", "year_founded")
    expected = list(by_orm.values_list(*fields))
    prepared = Prepared(
        lambda pks: (
            Initiative.objects.rewrite(False).filter(pk__in=pks).order_by("pk").values_list(*fields)
        ),
        pks=(int, int, int),
    )
    assert prepared(pks=keys) == expected
    # A key given twice finds its row once, as in the ORM.
    assert prepared(pks=[keys[0], keys[0], keys[0]]) == expected[:1]
    with pytest.raises(ValueError):
        prepared(pks=keys[:2])


def test_related_cases_are_named_a_few_at_a_time(casebook):
    from casebook.related import NAMES_AT_ONCE, NAMES_READ

    keys = list(Initiative.objects.published().order_by("pk").values_list("pk", flat=True))
    assert len(keys) > NAMES_AT_ONCE
    pairs = [
        (NAMES_READ, None, {"pks": keys[at : at + NAMES_AT_ONCE]})
        for at in range(0, NAMES_AT_ONCE * (len(keys) // NAMES_AT_ONCE), NAMES_AT_ONCE)
    ]
    from ppci.lib.prepared import read_together

    found = [row[:2] for rows in read_together("default", pairs) for row in rows]
    expected = Initiative.objects.filter(pk__in=keys[: len(found)]).values_list("pk", "slug")
    assert sorted(found) == sorted(expected)


def test_flat_and_named_values_lists_are_refused():
    for made in (
        lambda slug: (
            Initiative.objects.rewrite(False).filter(slug=slug).values_list("pk", flat=True)
        ),
        lambda slug: (
            Initiative.objects.rewrite(False).filter(slug=slug).values_list("pk", named=True)
        ),
    ):
        with pytest.raises(ValueError):
            Prepared(made, slug=str)(slug="x")


def test_the_case_is_read_by_its_slug_without_an_order(casebook):
    # One row at most: sorting it in the list's order costs SQLite a temporary B-tree.
    for variant in ("published", "drafts"):
        assert "ORDER BY" not in DETAIL_READ.compiled("default", variant).sql
