"""The staff admin: editors write, reviewers publish, and bad input is named on its field."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from casebook.admin import InitiativeAdmin
from casebook.models import Figure, Initiative, Partnership, Status
from partners.models import Kind, Partner, Sector
from tests.factories import PASSWORD
from tests.support import (
    a_theme,
    change_url,
    errors_on,
    form_on,
    log_in,
    make_city,
    make_initiative,
    make_partner,
    make_theme,
)

# WhiteNoise warns that collectstatic has not been run; tests read static files from the source.
pytestmark = pytest.mark.filterwarnings("ignore:No directory at:UserWarning")


# Groups.


def codenames(group_name):
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=group_name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


EDITOR_PERMISSIONS = {
    "casebook.add_initiative",
    "casebook.change_initiative",
    "casebook.view_initiative",
    "casebook.add_partnership",
    "casebook.change_partnership",
    "casebook.view_partnership",
    "casebook.add_figure",
    "casebook.change_figure",
    "casebook.view_figure",
    "casebook.add_source",
    "casebook.change_source",
    "casebook.view_source",
    "casebook.add_city",
    "casebook.change_city",
    "casebook.view_city",
    "partners.add_partner",
    "partners.change_partner",
    "partners.view_partner",
    "casebook.view_theme",
    "casebook.view_funding",
    "casebook.view_issue",
}


def may_not(permissions):
    """What no staff group may do: delete anything, or manage users and groups."""
    return {
        permission
        for permission in permissions
        if permission.split(".")[1].startswith("delete_") or permission.startswith("auth.")
    }


# Later migrations may give the groups permissions on models added later; these tests hold
# the permissions this one grants and the ones no group may have.


@pytest.mark.django_db
def test_it_creates_the_editors_group_without_delete_publish_or_user_permissions():
    permissions = codenames("Editors")

    assert permissions >= EDITOR_PERMISSIONS
    assert "casebook.publish_initiative" not in permissions
    assert not {"casebook.change_theme", "casebook.add_funding"} & permissions
    assert may_not(permissions) == set()


@pytest.mark.django_db
def test_it_creates_the_reviewers_group_who_also_publish_and_keep_the_vocabularies():
    permissions = codenames("Reviewers")

    assert permissions >= EDITOR_PERMISSIONS | {
        "casebook.publish_initiative",
        "casebook.change_theme",
        "casebook.change_funding",
        "casebook.change_issue",
        "casebook.add_funding",
        "casebook.add_issue",
    }
    assert "casebook.add_theme" not in permissions
    assert may_not(permissions) == set()


@pytest.mark.django_db
def test_it_creates_the_publish_permission_named_in_the_model():
    permission = Permission.objects.get(
        content_type=ContentType.objects.get_for_model(Initiative), codename="publish_initiative"
    )
    assert permission.name == "Can publish and unpublish initiatives"


# Who gets in.


@pytest.mark.django_db
def test_it_sends_a_user_who_is_not_staff_to_the_admin_login():
    visitor = User.objects.create_user("vera", password=PASSWORD)
    client = Client()
    client.force_login(visitor)
    initiative = make_initiative()

    for url in (reverse("admin:index"), change_url(initiative)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('admin:login')}?next={url}"


def test_it_lets_an_editor_open_the_list_and_the_add_and_change_pages(editor):
    initiative = make_initiative(title="Parques del Río", city=make_city())
    browser = log_in(editor)

    listing = browser.get(reverse("admin:casebook_initiative_changelist"))
    assert listing.status_code == 200
    assert "Parques del Río" in listing.content.decode()
    assert "Medellín" in listing.content.decode()

    adding = browser.get(reverse("admin:casebook_initiative_add"))
    assert adding.status_code == 200
    assert "Add initiative" in adding.content.decode()

    changing = browser.get(change_url(initiative))
    assert changing.status_code == 200
    assert 'value="Parques del Río"' in changing.content.decode()


def test_it_links_the_change_page_to_the_initiative_on_the_site(editor):
    initiative = make_initiative()
    browser = log_in(editor)

    response = browser.get(change_url(initiative))

    content_type = ContentType.objects.get_for_model(Initiative)
    view_on_site = reverse("admin:view_on_site", args=[content_type.pk, initiative.pk])
    assert f'href="{view_on_site}"' in response.content.decode()
    redirect = browser.get(view_on_site)
    assert redirect.status_code == 302
    with translation.override("en"):
        assert redirect["Location"].endswith(initiative.get_absolute_url())


def test_it_refuses_an_editor_the_delete_page(editor):
    initiative = make_initiative()
    browser = log_in(editor)

    response = browser.get(reverse("admin:casebook_initiative_delete", args=[initiative.pk]))

    assert response.status_code == 403
    assert Initiative.objects.filter(pk=initiative.pk).exists()
    listing = browser.get(reverse("admin:casebook_initiative_changelist"))
    assert "delete_selected" not in listing.content.decode()


# Writing an initiative.


def test_it_adds_an_initiative_with_a_partnership_and_a_figure_as_a_draft(editor):
    city = make_city()
    theme = make_theme()
    partner = make_partner()
    browser = log_in(editor)
    add_url = reverse("admin:casebook_initiative_add")
    page = browser.get(add_url)
    prefixes = [inline.formset.prefix for inline in page.context["inline_admin_formsets"]]
    assert prefixes == ["partnerships", "figures", "sources"]
    data = form_on(page, "initiative_form")
    assert {"partnerships-TOTAL_FORMS", "figures-TOTAL_FORMS", "sources-TOTAL_FORMS"} <= set(data)

    data.update(
        {
            "title_es": "Parques del Río",
            "slug": "parques-del-rio",
            "summary_es": "Un parque lineal que une los barrios a lado y lado del río.",
            "city": city.pk,
            "country": "CO",
            "programming": "implicit",
            "scale": "city",
            "themes": [theme.pk],
            "partnerships-0-partner": partner.pk,
            "partnerships-0-role": "lead",
            "figures-TOTAL_FORMS": "1",
            "figures-0-key": "visitantes",
            "figures-0-label_es": "Visitantes al año",
            "figures-0-kind": "output",
            "figures-0-qualifier": "more-than",
            "figures-0-value": "100000",
            "figures-0-unit": "people",
            "figures-0-direction": "level",
            "figures-0-order": "0",
            # its evidence, as the form offers it for a new figure
            "figures-0-evidence_level": "reported",
            "figures-0-method": "not-stated",
            "figures-0-attribution": "not-established",
        }
    )
    response = browser.post(add_url, data)

    assert response.status_code == 302, response.content.decode()
    initiative = Initiative.objects.get(slug="parques-del-rio")
    assert initiative.status == Status.DRAFT
    assert initiative.published_at is None
    assert list(initiative.themes.all()) == [theme]
    assert [(p.partner, p.role) for p in initiative.partnerships.all()] == [(partner, "lead")]
    figure = initiative.figures.get()
    assert figure.display_value == "more than 100,000 people"
    assert initiative not in Initiative.objects.published()


def test_it_finds_partners_for_the_partnership_autocomplete(editor):
    make_partner(slug="cruz-roja", name="Cruz Roja", sector=Sector.COMMUNITY, kind=Kind.CHARITY)
    make_partner()
    browser = log_in(editor)

    response = browser.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "casebook",
            "model_name": "partnership",
            "field_name": "partner",
            "term": "cruz",
        },
    )

    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Cruz Roja"]


# Publishing is a permission, checked on the server.


def test_it_shows_an_editor_the_status_without_letting_them_change_it(editor, reviewer):
    initiative = make_initiative()

    editor_page = log_in(editor).get(change_url(initiative)).content.decode()
    reviewer_page = log_in(reviewer).get(change_url(initiative)).content.decode()

    assert 'name="status"' not in editor_page
    assert '<div class="readonly">draft</div>' in editor_page
    assert '<select name="status"' in reviewer_page


def test_it_keeps_an_initiative_a_draft_when_an_editor_posts_published(editor):
    initiative = make_initiative(title="Parques del Río")
    browser = log_in(editor)
    data = form_on(browser.get(change_url(initiative)), "initiative_form")
    assert "status" not in data

    data["title_es"] = "Parques del Río Medellín"
    data["status"] = "published"
    data["published_at"] = "2020-01-01 00:00:00"
    response = browser.post(change_url(initiative), data)

    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.title_es == "Parques del Río Medellín"
    assert initiative.status == Status.DRAFT
    assert initiative.published_at is None
    assert initiative not in Initiative.objects.published()


def test_it_refuses_a_status_change_that_gets_past_the_form(editor):
    initiative = make_initiative()
    request = RequestFactory().post(change_url(initiative))
    request.user = editor
    model_admin = InitiativeAdmin(Initiative, admin.site)

    initiative.status = Status.PUBLISHED
    with pytest.raises(PermissionDenied):
        model_admin.save_model(request, initiative, form=None, change=True)

    assert Initiative.objects.get(pk=initiative.pk).status == Status.DRAFT


def test_it_offers_an_editor_no_publish_action_and_ignores_one_posted(editor):
    initiative = make_initiative()
    browser = log_in(editor)
    listing_url = reverse("admin:casebook_initiative_changelist")
    listing = browser.get(listing_url)
    assert "Publish selected initiatives" not in listing.content.decode()
    # Without delete or publish permission, an editor's one action is to send to review.
    actions = re.findall(r'<option value="([a-z_]+)"', listing.content.decode())
    assert actions == ["send_to_review"]
    data = form_on(listing, "changelist-form")

    data.update(action="publish", _selected_action=[initiative.pk], index="0")
    response = browser.post(listing_url, data)

    # The admin refuses the action it does not offer and goes back to the list.
    assert response.status_code == 302
    assert "No action selected." in browser.get(response.url).content.decode()
    initiative.refresh_from_db()
    assert initiative.status == Status.DRAFT
    assert initiative not in Initiative.objects.published()


def test_it_lets_a_reviewer_publish_through_the_change_form(reviewer):
    initiative = make_initiative()
    browser = log_in(reviewer)
    data = form_on(browser.get(change_url(initiative)), "initiative_form")
    assert data["status"] == ["draft"]

    data["status"] = "published"
    response = browser.post(change_url(initiative), data)

    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.status == Status.PUBLISHED
    assert initiative.published_at is not None
    assert initiative in Initiative.objects.published()


def test_it_lets_a_reviewer_unpublish_through_the_change_form(reviewer):
    initiative = make_initiative(status=Status.PUBLISHED)
    browser = log_in(reviewer)
    data = form_on(browser.get(change_url(initiative)), "initiative_form")

    data["status"] = "draft"  # not a door: a published case is unpublished, not a draft
    refused = browser.post(change_url(initiative), data)
    assert refused.status_code == 200
    assert "An initiative that is published cannot become draft." in refused.content.decode()
    initiative.refresh_from_db()
    assert initiative.status == Status.PUBLISHED

    data["status"] = "unpublished"
    response = browser.post(change_url(initiative), data)

    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.status == Status.UNPUBLISHED
    assert initiative.published_at is None
    assert initiative not in Initiative.objects.published()


def test_it_lets_a_reviewer_publish_and_unpublish_with_the_actions(reviewer):
    first = make_initiative(slug="parques-del-rio")
    second = make_initiative(slug="unidades-de-vida-articulada", title="UVA")
    untouched = make_initiative(slug="presupuesto-participativo", title="Presupuesto")
    browser = log_in(reviewer)
    listing_url = reverse("admin:casebook_initiative_changelist")
    listing = browser.get(listing_url)
    assert "Publish selected initiatives" in listing.content.decode()
    assert "Unpublish selected initiatives" in listing.content.decode()
    data = form_on(listing, "changelist-form")

    data.update(action="publish", _selected_action=[first.pk, second.pk], index="0")
    response = browser.post(listing_url, data, follow=True)

    assert "2 initiatives published." in response.content.decode()
    published = Initiative.objects.published()
    assert set(published) == {first, second}
    assert all(initiative.published_at is not None for initiative in published)
    assert untouched.status == Status.DRAFT

    data.update(action="unpublish", _selected_action=[first.pk])
    response = browser.post(listing_url, data, follow=True)

    assert "1 initiative unpublished." in response.content.decode()
    assert list(Initiative.objects.published()) == [second]
    first.refresh_from_db()
    assert first.status == Status.UNPUBLISHED
    assert first.published_at is None


# Bad input is named on the field it concerns, and nothing is saved.


def test_it_names_a_partner_kind_outside_its_sector_on_the_kind_field(editor):
    browser = log_in(editor)
    add_url = reverse("admin:partners_partner_add")
    data = form_on(browser.get(add_url), "partner_form")

    data.update(name_es="Cruz Roja", slug="cruz-roja", sector="public", kind="charity")
    response = browser.post(add_url, data)

    assert response.status_code == 200
    assert errors_on(response, "id_kind") == [
        "A public partner is one of: local authority, national government, police, "
        "educational institution, health service."
    ]
    assert not Partner.objects.exists()


def initiative_add_form(browser, **changes):
    add_url = reverse("admin:casebook_initiative_add")
    data = form_on(browser.get(add_url), "initiative_form")
    data.update(
        {
            "title_es": "Parques del Río",
            "slug": "parques-del-rio",
            "summary_es": "Un parque junto al río.",
            "country": "CO",
            "programming": "implicit",
            "scale": "city",
            "themes": [a_theme().pk],
        }
    )
    data.update(changes)
    return add_url, data


def test_it_names_an_end_before_the_start_on_the_year_ended_field(editor):
    browser = log_in(editor)
    add_url, data = initiative_add_form(browser, year_founded="2010", year_ended="2005")

    response = browser.post(add_url, data)

    assert response.status_code == 200
    assert errors_on(response, "id_year_ended") == [
        "The year it ended cannot be before the year it was founded."
    ]
    assert not Initiative.objects.exists()


def test_it_names_a_slug_already_taken_on_the_slug_field(editor):
    make_initiative(slug="parques-del-rio", title="Parques del Río (2013)")
    browser = log_in(editor)
    add_url, data = initiative_add_form(browser, slug="parques-del-rio")

    response = browser.post(add_url, data)

    assert response.status_code == 200
    assert errors_on(response, "id_slug") == ["Initiative with this Slug already exists."]
    assert Initiative.objects.count() == 1


def test_it_names_a_figure_without_a_unit_on_its_unit_field(editor):
    browser = log_in(editor)
    add_url, data = initiative_add_form(
        browser,
        **{
            "figures-TOTAL_FORMS": "1",
            "figures-0-key": "homicidios",
            "figures-0-label_es": "Homicidios",
            "figures-0-kind": "outcome",
            "figures-0-qualifier": "exact",
            "figures-0-value": "40",
            "figures-0-unit": "",
            "figures-0-direction": "decrease",
            "figures-0-order": "0",
        },
    )

    response = browser.post(add_url, data)

    assert response.status_code == 200
    assert errors_on(response, "id_figures-0-unit") == ["This field is required."]
    assert not Initiative.objects.exists()
    assert not Figure.objects.exists()


# The list.


def test_it_filters_initiatives_by_partner_sector_listing_each_once(editor):
    private_one = make_partner(
        slug="bancolombia", name="Bancolombia", sector=Sector.PRIVATE, kind=Kind.NATIONAL_COMPANY
    )
    private_two = make_partner(
        slug="epm", name="EPM", sector=Sector.PRIVATE, kind=Kind.NATIONAL_COMPANY
    )
    public = make_partner()
    with_business = make_initiative(slug="parques-del-rio", title="Parques del Río")
    public_only = make_initiative(slug="presupuesto-participativo", title="Presupuesto")
    for partner in (private_one, private_two, public):
        Partnership.objects.create(initiative=with_business, partner=partner, role="funder")
    Partnership.objects.create(initiative=public_only, partner=public, role="lead")
    browser = log_in(editor)

    response = browser.get(
        reverse("admin:casebook_initiative_changelist"), {"partner_sector": "private"}
    )

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [with_business]
    assert "1 initiative" in response.content.decode()


def test_it_finds_initiatives_by_a_partner_name(editor):
    with_partner = make_initiative(slug="parques-del-rio", title="Parques del Río")
    make_initiative(slug="presupuesto-participativo", title="Presupuesto")
    Partnership.objects.create(initiative=with_partner, partner=make_partner(), role="lead")
    browser = log_in(editor)

    response = browser.get(reverse("admin:casebook_initiative_changelist"), {"q": "Alcaldía"})

    assert list(response.context["cl"].result_list) == [with_partner]


@pytest.mark.parametrize("count", [1, 3])
def test_it_lists_initiatives_without_a_query_per_row(editor, count, django_assert_num_queries):
    city = make_city()
    for number in range(count):
        make_initiative(slug=f"iniciativa-{number}", title=f"Iniciativa {number}", city=city)
    browser = Client(headers={"accept-language": "en"})
    browser.force_login(editor)

    # Nine reads; the list opens no revision (each action records its own, object by object).
    with django_assert_num_queries(9):
        response = browser.get(reverse("admin:casebook_initiative_changelist"))

    assert response.content.decode().count('<td class="field-place_name">Medellín, ') == count
