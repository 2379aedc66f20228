"""An editor writes an initiative in the admin, a reviewer publishes it, a visitor finds it.

The admin is filled in as a person fills it in: through the login form and the visible
fields, widgets and buttons, so that whatever else the form carries is sent as rendered.
"""

import importlib
import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from playwright.sync_api import expect

from casebook.models import Initiative, Status

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long enough passphrase for staff"
staff_groups = importlib.import_module("casebook.migrations.0003_staff_groups")


def staff_member(username, group_name):
    """A staff account in one of the groups a migration creates (re-created here, since the
    live-server tests empty the database between tests)."""
    group, created = Group.objects.get_or_create(name=group_name)
    if created:
        group.permissions.set(
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in staff_groups.GROUPS[group_name]
        )
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(group)
    return user


def log_in(page, base_url, username):
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Site administration")


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logged out")


def choose_partner(page, row, name):
    """The partner field is an autocomplete: open it, type, pick the match."""
    row.get_by_role("combobox").first.click()
    page.locator(".select2-container--open").get_by_role("searchbox").fill(name)
    page.get_by_role("option", name=name, exact=True).click()
    expect(row.get_by_role("combobox").first).to_contain_text(name)


def test_an_editor_writes_a_reviewer_publishes_and_a_visitor_finds_it(new_page, live_casebook):
    staff_member("elena", "Editors")
    staff_member("ramon", "Reviewers")
    base = live_casebook.url
    page = new_page(locale="en-GB")

    # The editor adds the initiative, two partners and a figure.
    log_in(page, base, "elena")
    page.goto(f"{base}/admin/casebook/initiative/add/")
    page.get_by_label("Title [es]:").filter(visible=True).fill("Escuelas Seguras de Murcia")
    page.get_by_label("Title [en]:").filter(visible=True).fill("Safe Schools Murcia")
    expect(page.get_by_label("Slug:")).to_have_value("escuelas-seguras-de-murcia")
    page.get_by_label("Summary [es]:").fill(
        "Mediadores escolares y un club de fútbol trabajan con el ayuntamiento contra el acoso."
    )
    page.get_by_label("Summary [en]:").fill(
        "School mediators and a football club work with the city council against bullying."
    )
    page.get_by_label("City:").select_option(label="Murcia")
    page.get_by_label("Country:").select_option(label="Spain")
    page.get_by_label("Year founded:").fill("2024")
    page.get_by_label("Programming:").select_option(label="implicit")
    page.get_by_label("Scale:").select_option(label="city-wide")
    page.get_by_role("listbox", name=re.compile("^Available work themes")).select_option(
        label="Education"
    )
    page.get_by_role("button", name="Choose selected work themes").click()
    expect(page.get_by_role("listbox", name=re.compile("^Chosen work themes"))).to_contain_text(
        "Education"
    )
    # There is no way for an editor to publish: the status is shown, not offered.
    publication = page.get_by_role("group", name="Publication")
    expect(publication).to_contain_text("draft")
    expect(publication.get_by_role("combobox")).to_have_count(0)

    partnerships = page.get_by_role("group", name="Partnerships")
    first = partnerships.locator(".inline-related:not(.empty-form)")
    choose_partner(page, first.nth(0), "Crystal Palace FC Foundation")
    first.nth(0).get_by_role("combobox").nth(1).select_option(label="lead partner")
    partnerships.get_by_role("button", name="Add another Partnership").click()
    choose_partner(page, first.nth(1), "YMCA")
    first.nth(1).get_by_role("combobox").nth(1).select_option(label="delivery partner")

    figures = page.get_by_role("group", name="Figures")
    figures.get_by_role("button", name="Add another Figure").click()

    def figure(label):  # the new figure's field, not the hidden template's
        return figures.get_by_label(label, exact=True).filter(visible=True)

    figure("Key:").fill("schools")
    figure("Kind:").select_option(index=1)
    figure("What was measured [es]:").fill("Colegios participantes")
    figure("What was measured [en]:").fill("Schools taking part")
    figure("Value:").fill("12")
    figure("Unit:").select_option(label="organisations")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    initiative = Initiative.objects.get(slug="escuelas-seguras-de-murcia")
    assert initiative.status == Status.DRAFT
    assert sorted(p.partner.name_en for p in initiative.partnerships.all()) == [
        "Crystal Palace FC Foundation",
        "YMCA",
    ]
    assert [f.label_en for f in initiative.figures.all()] == ["Schools taking part"]

    # Nor can the editor publish from the list: there is no such action.
    page.get_by_role("link", name="Safe Schools Murcia").first.wait_for()
    expect(page.get_by_role("option", name="Publish selected initiatives")).to_have_count(0)

    # Drafts stay hidden: a visitor's search finds nothing yet.
    visitor = new_page(locale="en-GB")
    visitor.goto(f"{base}/en/initiatives/?q=bullying")
    expect(visitor.locator(".results-line")).to_contain_text("0 initiatives")
    log_out(page)

    # The reviewer publishes it from the list.
    log_in(page, base, "ramon")
    page.goto(f"{base}/admin/casebook/initiative/?q=murcia")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Safe Schools Murcia"))
    row.get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label="Publish selected initiatives")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("1 initiative published.")
    expect(row).to_contain_text("published")

    # A visitor finds it by searching the public list, in either language.
    visitor.goto(f"{base}/en/initiatives/")
    visitor.get_by_label("Search", exact=True).fill("bullying")
    visitor.get_by_role("button", name="Apply filters").click()
    expect(visitor.locator(".results-line")).to_contain_text("1 initiative")
    visitor.get_by_role("link", name="Safe Schools Murcia").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Safe Schools Murcia")
    expect(visitor.get_by_role("link", name="Crystal Palace FC Foundation")).to_be_visible()
    expect(visitor.get_by_role("link", name="YMCA")).to_be_visible()
    expect(visitor.get_by_role("table")).to_contain_text("Schools taking part")
    visitor.goto(f"{base}/es/initiatives/?q=acoso")
    expect(visitor.get_by_role("link", name="Escuelas Seguras de Murcia")).to_be_visible()


def review_from_the_queue(page, base, status, comment=None):
    """The reviewer opens the one case waiting from the admin's index and gives it a status
    (with a comment), on its form."""
    log_in(page, base, "ramon")
    page.get_by_role("link", name="1 initiative waits for review").click()
    page.get_by_role("link", name="Murcia neighbourhood mentors").click()
    page.get_by_label("Status:").select_option(label=status)
    if comment:
        page.get_by_label("Reviewer's comment:").fill(comment)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Initiative.objects.get(slug="mentores-de-barrio-de-murcia").status == status
    log_out(page)


def test_a_case_goes_through_review_returned_once_then_published(new_page, live_casebook):
    """The editor adds a case and sends it to review; the reviewer returns it with a comment;
    the editor reads it, fixes the case and sends it again; the reviewer publishes it."""
    staff_member("elena", "Editors")
    staff_member("ramon", "Reviewers")
    base = live_casebook.url
    page = new_page(locale="en-GB", viewport={"width": 1280, "height": 900})

    log_in(page, base, "elena")
    page.goto(f"{base}/admin/casebook/initiative/add/")
    page.get_by_label("Title [es]:").filter(visible=True).fill("Mentores de barrio de Murcia")
    page.get_by_label("Title [en]:").filter(visible=True).fill("Murcia neighbourhood mentors")
    page.get_by_label("Summary [es]:").fill("Vecinos formados acompañan a jóvenes del barrio.")
    page.get_by_label("Country:").select_option(label="Spain")
    page.get_by_label("Programming:").select_option(label="implicit")
    page.get_by_label("Scale:").select_option(label="local community")
    page.get_by_role("listbox", name=re.compile("^Available work themes")).select_option(
        label="Engagement"
    )
    page.get_by_role("button", name="Choose selected work themes").click()
    page.get_by_role("button", name="Save and send to review").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert Initiative.objects.get(slug="mentores-de-barrio-de-murcia").status == "review"
    log_out(page)

    # The reviewer finds it in the queue and returns it with a comment.
    review_from_the_queue(page, base, "returned", "Say how many young people took part.")

    # The editor reads the comment, fixes the case and sends it again.
    log_in(page, base, "elena")
    page.goto(f"{base}/admin/casebook/initiative/?q=murcia")
    page.get_by_role("link", name="Murcia neighbourhood mentors").click()
    expect(page.locator(".review-comment")).to_contain_text("Say how many young people took part.")
    page.get_by_label("Summary [en]:").fill(
        "Trained neighbours mentor 40 young people of the neighbourhood."
    )
    page.get_by_role("button", name="Save and send to review").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Initiative.objects.get(slug="mentores-de-barrio-de-murcia").status == "review"
    log_out(page)

    # The reviewer publishes it; a visitor finds it.
    review_from_the_queue(page, base, "published")
    visitor = new_page(locale="en-GB")
    visitor.goto(f"{base}/en/initiatives/mentores-de-barrio-de-murcia/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Murcia neighbourhood mentors")
    expect(visitor.locator("main")).to_contain_text("40 young people")
