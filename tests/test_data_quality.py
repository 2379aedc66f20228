"""What we don't know: each case lists the gaps in its record, with a pre-filled way to fill
them, and /data-quality/ counts the gaps across the published case book (never a draft)."""

import re
from datetime import date

import pytest
from django.core.management import call_command

from casebook.gaps import GAPS, count_gaps, gaps_of, with_gaps
from casebook.models import Initiative
from tests.factories import make_city, make_funding, make_initiative

pytestmark = pytest.mark.django_db


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def gap_rows(response):
    return {row["gap"].slug: row for row in response.context["gaps"]}


def test_a_case_lists_what_its_record_is_missing(casebook, client):
    response = client.get("/en/initiatives/think-4-peace/")
    words = text(response)
    assert "What we don’t know" in words
    for missing in (
        "The year it was founded",
        "The year it ended",  # it ended, the paper says, but not when
        "Figures of what changed (outcomes)",
        "An independent evaluation or study",
        "Its budget or the money it raised",
        "How it is funded",
    ):
        assert missing in words, missing
    assert "The city where it is based" not in words  # Leicester
    assert "Whether it is still running" not in words  # it ended
    page = response.content.decode()
    assert 'href="/en/initiatives/think-4-peace/correction/?gap=year-founded"' in page


def test_a_running_case_with_a_city_and_figures_misses_less(client):
    initiative = make_initiative(
        city=make_city(country="ES"),
        activity="running",
        last_checked=date.today(),
        fundings=[make_funding()],
        figures=1,
    )
    initiative.figures.update(kind="outcome", evidence_level="evaluated")
    initiative.figures.create(key="money", label_es="Dinero", value=10, unit="eur", kind="funding")
    words = text(client.get(f"/es/initiatives/{initiative.slug}/"))
    assert "Nada de lo que busca el libro de casos falta en esta ficha." in words


def test_the_link_prefills_the_correction_form_in_the_readers_language(casebook, client):
    form = client.get("/en/initiatives/think-4-peace/correction/", {"gap": "year-founded"})
    assert form.status_code == 200
    textarea = re.search(
        r"<textarea[^>]*what_is_wrong[^>]*>(.*?)</textarea>", form.content.decode(), re.S
    )
    assert "Missing from the record: the year it was founded. What I know:" in textarea.group(1)
    spanish = client.get("/es/initiatives/think-4-peace/correction/", {"gap": "year-founded"})
    assert "Falta en la ficha: el año de fundación." in spanish.content.decode()


def test_an_unknown_gap_leaves_the_form_empty_and_nothing_is_injected(casebook, client):
    for value in ("<script>alert(1)</script>", "nothing", "x" * 300):
        form = client.get("/en/initiatives/think-4-peace/correction/", {"gap": value})
        assert form.status_code == 200
        page = form.content.decode()
        assert "<script>alert" not in page
        assert "Missing from the record" not in page


def test_the_data_quality_page_counts_the_gaps_of_the_published_case_book(casebook, client):
    response = client.get("/en/data-quality/")
    assert response.status_code == 200
    rows = gap_rows(response)
    published = Initiative.objects.published()
    assert rows["year-founded"]["count"] == published.filter(year_founded__isnull=True).count()
    assert rows["year-founded"]["count"] == 4  # Boston, Canada, Leicester, Medellín
    assert rows["city"]["count"] == 2  # Extreme Dialogue, GCERF
    assert rows["evaluation"]["count"] == 9  # no figure of the case book is evaluated
    assert rows["outcomes"]["count"] == 7  # only Memphis and Medellín have outcome figures
    assert rows["end-date"]["count"] == 2  # Think 4 Peace and Peterborough ended, no year
    assert rows["activity"]["count"] == 7
    assert rows["checked"]["count"] == 0
    words = text(response)
    assert "The gaps in the 9 published cases" in words
    assert re.search(r"Reported\s*: 16", words) and re.search(r"Evaluated\s*: 0", words)
    page = response.content.decode()
    assert 'href="/en/initiatives/extreme-dialogue/#what-we-dont-know"' in page
    assert 'href="/en/initiatives/?evidence=reported"' in page


def test_drafts_are_never_counted_or_named(casebook, client):
    make_initiative(slug="secret-draft", title_en="Secret draft", status="draft", year_founded=None)
    response = client.get("/en/data-quality/")
    assert gap_rows(response)["year-founded"]["count"] == 4
    assert "secret-draft" not in response.content.decode()
    assert "The gaps in the 9 published cases" in text(response)


def test_counts_match_an_independent_count_on_demo_data(casebook, client):
    call_command("generate_demo_data", initiatives=120, verbosity=0)
    rows = gap_rows(client.get("/en/data-quality/"))
    published = list(Initiative.objects.published().prefetch_related("figures", "fundings"))
    by_hand = {
        "year-founded": sum(1 for i in published if i.year_founded is None),
        "end-date": sum(1 for i in published if i.activity == "ended" and not i.year_ended),
        "outcomes": sum(
            1 for i in published if not any(f.kind == "outcome" for f in i.figures.all())
        ),
        "evaluation": sum(
            1
            for i in published
            if not any(f.evidence_level == "evaluated" for f in i.figures.all())
        ),
        "checked": sum(1 for i in published if i.needs_checking),
    }
    for slug, count in by_hand.items():
        assert rows[slug]["count"] == count, slug
        assert 0 < count < len(published), slug  # the demo data varies it
    assert len(rows["checked"]["examples"]) == 5
    assert rows["checked"]["others"] == by_hand["checked"] - 5


def test_one_aggregate_counts_every_gap(casebook, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = count_gaps(Initiative.objects.published())
    assert set(counts) == {gap.slug for gap in GAPS} | {None}


def test_the_page_reads_in_spanish(casebook, client):
    response = client.get("/es/data-quality/")
    words = text(response)
    assert "Lo que el libro de casos aún no sabe" in words
    assert "El año de fundación" in words
    assert re.search(r"Declarada\s*: 16", words)


def test_a_case_page_lists_the_gaps_the_data_quality_page_counts(casebook):
    """A case's page reads its gaps from the case in memory; the data-quality page counts
    them in the database: on varied demo data both give every case the same gaps."""
    call_command("generate_demo_data", initiatives=120, verbosity=0)
    in_database = {
        initiative.slug: {gap.slug for gap in GAPS if getattr(initiative, gap.annotation)}
        for initiative in with_gaps(Initiative.objects.published())
    }
    in_memory = {
        initiative.slug: {gap.slug for gap in gaps_of(initiative)}
        for initiative in Initiative.objects.published().for_detail()
    }
    assert in_memory == in_database
    assert len({frozenset(gaps) for gaps in in_memory.values()}) > 5  # the demo data varies
