"""Nothing is lost: every change is in the history with who, when and what; a deleted
initiative comes back from the admin with its partners, figures and sources."""

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import translation
from reversion.models import Version

from casebook.models import Figure, Initiative, Partnership, Source, Theme
from partners.models import Partner
from ppci.lib.history import describe_change
from tests.factories import PASSWORD
from tests.support import form_on, log_in, make_initiative


def history_of(browser, admin_name, pk):
    response = browser.get(reverse(f"admin:{admin_name}_history", args=[pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_it_records_who_changed_an_initiative_when_and_what(editor):
    initiative = make_initiative(title="Parques del Río")
    browser = log_in(editor)
    change = reverse("admin:casebook_initiative_change", args=[initiative.pk])
    data = form_on(browser.get(change), "initiative_form")
    data["title_es"] = "Parques del Río Medellín"
    data["lessons_learned_en"] = "Start with trust."

    assert browser.post(change, data).status_code == 302

    history = history_of(browser, "casebook_initiative", initiative.pk)
    assert "eva" in history
    assert "Changed Title [es] and Lessons learned [en]." in history
    (version,) = Version.objects.get_for_object(initiative)
    assert version.revision.user == editor
    assert version.revision.date_created is not None
    assert version.field_dict["title_es"] == "Parques del Río Medellín"


def test_it_records_a_figure_changed_in_the_initiative_form(editor):
    initiative = make_initiative()
    Figure.objects.create(
        initiative=initiative,
        key="homicides",
        label_es="Homicidios",
        kind="outcome",
        value=40,
        unit="percent",
        direction="decrease",
    )
    browser = log_in(editor)
    change = reverse("admin:casebook_initiative_change", args=[initiative.pk])
    data = form_on(browser.get(change), "initiative_form")
    data["figures-0-value"] = "45"

    assert browser.post(change, data).status_code == 302

    history = history_of(browser, "casebook_initiative", initiative.pk)
    assert "Changed Value for figure" in history
    (figure_version,) = Version.objects.get_for_model(Figure)
    assert figure_version.field_dict["value"] == 45
    assert figure_version.revision.user == editor


def test_it_records_changes_to_partners_and_themes(reviewer):
    partner = Partner.objects.create(
        slug="ruta-n", name_es="Ruta N", sector="public", kind="local-authority"
    )
    theme = Theme.objects.create(slug="trust", order=1, name_es="Confianza", description_es="…")
    browser = log_in(reviewer)

    for admin_name, obj, form_id, field, value in [
        ("partners_partner", partner, "partner_form", "description_es", "Centro de innovación."),
        ("casebook_theme", theme, "theme_form", "name_en", "Trust building"),
    ]:
        change = reverse(f"admin:{admin_name}_change", args=[obj.pk])
        data = form_on(browser.get(change), form_id)
        data[field] = value
        assert browser.post(change, data).status_code == 302
        history = history_of(browser, admin_name, obj.pk)
        assert "rafa" in history
        (version,) = Version.objects.get_for_object(obj)
        assert version.field_dict[field] == value


def test_it_records_publishing_from_the_list_in_the_history(reviewer):
    initiative = make_initiative()
    browser = log_in(reviewer)
    listing = reverse("admin:casebook_initiative_changelist")
    data = form_on(browser.get(listing), "changelist-form")
    data.update(action="publish", _selected_action=[initiative.pk], index="0")

    browser.post(listing, data)

    (version,) = Version.objects.get_for_object(initiative)
    assert version.field_dict["status"] == "published"
    assert version.revision.user == reviewer
    assert "Published." in history_of(browser, "casebook_initiative", initiative.pk)


def test_it_records_the_case_book_as_loaded(casebook):
    ruta_n = Initiative.objects.get(slug="ruta-n")

    (version,) = Version.objects.get_for_object(ruta_n)

    with translation.override("en"):
        assert describe_change(version.revision.comment) == "Loaded by load_casebook from fixtures/"
    with translation.override("es"):
        assert describe_change(version.revision.comment) == (
            "Cargado por load_casebook desde fixtures/"
        )


def snapshot(initiative):
    return {
        "fields": (initiative.title_es, initiative.summary_en, initiative.status),
        "themes": sorted(initiative.themes.values_list("slug", flat=True)),
        "partners": sorted(initiative.partnerships.values_list("partner__slug", "role")),
        "figures": sorted(initiative.figures.values_list("key", "value", "unit")),
        "sources": sorted(initiative.sources.values_list("key", "title_es")),
    }


def test_it_restores_a_deleted_initiative_with_its_partners_figures_and_sources(
    casebook, reviewer, client
):
    initiative = Initiative.objects.get(slug="memphis-fast-forward")
    before = snapshot(initiative)
    assert before["partners"] and before["figures"] and before["sources"]
    root = User.objects.create_superuser("root", password=PASSWORD)
    as_root = log_in(root)
    delete = reverse("admin:casebook_initiative_delete", args=[initiative.pk])
    token = as_root.get(delete).context["csrf_token"]
    as_root.post(delete, {"csrfmiddlewaretoken": str(token), "post": "yes"})
    assert not Initiative.objects.filter(slug="memphis-fast-forward").exists()
    assert not Partnership.objects.filter(initiative__slug="memphis-fast-forward").exists()
    assert client.get("/en/initiatives/memphis-fast-forward/").status_code == 404

    browser = log_in(reviewer)
    recover_list = browser.get(reverse("admin:casebook_initiative_recoverlist"))
    assert "Memphis Fast Forward" in recover_list.content.decode()
    (version,) = Version.objects.get_deleted(Initiative)
    recover = reverse("admin:casebook_initiative_recover", args=[version.pk])
    data = form_on(browser.get(recover), "initiative_form")
    response = browser.post(recover, data)

    assert response.status_code == 302
    restored = Initiative.objects.get(slug="memphis-fast-forward")
    assert snapshot(restored) == before
    assert Source.objects.filter(initiative=restored).exists()
    page = client.get("/en/initiatives/memphis-fast-forward/")
    assert page.status_code == 200
    assert "Memphis Fast Forward" in page.content.decode()
    assert "Reverted to previous version" in history_of(browser, "casebook_initiative", restored.pk)


def test_it_offers_recovery_only_to_those_who_may_publish(casebook, editor, reviewer):
    as_editor = log_in(editor)
    listing = reverse("admin:casebook_initiative_changelist")

    assert "Recover deleted" not in as_editor.get(listing).content.decode()
    assert as_editor.get(reverse("admin:casebook_initiative_recoverlist")).status_code == 403
    assert "Recover deleted" in log_in(reviewer).get(listing).content.decode()


def test_it_takes_an_initiative_back_to_an_earlier_version(reviewer):
    initiative = make_initiative(title="Parques del Río")
    browser = log_in(reviewer)
    change = reverse("admin:casebook_initiative_change", args=[initiative.pk])
    for title in ["Primera versión", "Segunda versión"]:
        data = form_on(browser.get(change), "initiative_form")
        data["title_es"] = title
        browser.post(change, data)
    first = Version.objects.get_for_object(initiative).order_by("pk").first()

    revision = reverse("admin:casebook_initiative_revision", args=[initiative.pk, first.pk])
    data = form_on(browser.get(revision), "initiative_form")
    assert data["title_es"] == ["Primera versión"]
    assert browser.post(revision, data).status_code == 302

    initiative.refresh_from_db()
    assert initiative.title_es == "Primera versión"
