"""Roles hold on every admin path: an editor walks every view and action of every model the
admin registers, and nothing is published, unpublished, deleted or brought back."""

import pytest
import reversion
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from reversion.models import Version

from casebook import pending
from casebook.models import Initiative, PendingChange, Status
from tests.factories import make_city, make_funding, make_initiative, make_issue, make_partner
from tests.factories import make_theme as make_any_theme
from tests.support import FormReader

pytestmark = pytest.mark.django_db
NOWHERE = 999_999

# What each model's throwaway row is made with: one per model with a history, deleted before
# the walk, so that every "recover" view has something to offer.
MAKERS = {
    "casebook.initiative": lambda: make_initiative(slug="thrown-away", status="draft"),
    "casebook.city": lambda: make_city(slug="thrown-away"),
    "casebook.theme": lambda: make_any_theme(slug="thrown-away", order=99),
    "casebook.funding": lambda: make_funding(slug="thrown-away"),
    "casebook.issue": lambda: make_issue(slug="thrown-away"),
    "partners.partner": lambda: make_partner(slug="thrown-away"),
}


def form_data(response, model_admin):
    """What the page's change form would submit, or nothing when there is no form."""
    reader = FormReader(f"{model_admin.opts.model_name}_form")
    reader.feed(response.content.decode())
    return reader.data


def everything_of(model):
    return set(model._default_manager.values_list("pk", flat=True))


@pytest.fixture
def world(casebook):
    """The loaded case book, then what a real history holds: a case unpublished and a case
    deleted after the load, and a deleted row of every model with a history."""
    boss = User.objects.create_superuser("boss", password="x" * 12)
    unpublished = Initiative.objects.get(slug="ruta-n")
    unpublished.unpublish(by=boss)
    deleted_case = Initiative.objects.get(slug="gcerf")
    with reversion.create_revision():
        deleted_case.delete()
    deleted = {}
    for label, make in MAKERS.items():
        row = make()
        with reversion.create_revision():
            reversion.add_to_revision(row)
        with reversion.create_revision():
            row.delete()
        deleted[label] = row.pk
    # A change to a published case waiting for review, for the review page to offer.
    waiting = Initiative.objects.published().order_by("pk").first()
    with transaction.atomic():
        point = transaction.savepoint()
        waiting.title_en = "Changed, waiting for review"
        waiting.save()
        captured = pending.capture(waiting)
        transaction.savepoint_rollback(point)
    pending.keep(waiting, boss, captured)
    return {"boss": boss, "deleted": deleted, "waiting": waiting.pk}


def test_an_editor_walks_every_admin_view_and_action_and_changes_no_publication(world, editor):
    boss = world["boss"]
    as_boss = Client()
    as_boss.force_login(boss)
    as_editor = Client()
    as_editor.force_login(editor)
    request = RequestFactory().get("/admin/")
    request.user = boss

    published_before = set(Initiative.objects.published().values_list("pk", flat=True))
    hidden_before = set(Initiative.objects.not_public().values_list("pk", flat=True))
    rows_before = {model: everything_of(model) for model in admin.site._registry}

    walked, expected = set(), set()
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        info = f"{opts.app_label}_{opts.model_name}"
        names = {pattern.name for pattern in model_admin.get_urls() if pattern.name}
        expected |= {f"view:{name}" for name in names}
        actions = model_admin.get_actions(request)
        expected |= {f"action:{info}:{name}" for name in actions}

        obj = model._default_manager.order_by("pk").first()
        if model is Initiative:
            obj = Initiative.objects.published().order_by("pk").first()
        version = gone = None
        if reversion.is_registered(model):
            version = Version.objects.get_for_object(obj).first() if obj else None
            gone = Version.objects.get_deleted(model).first()

        # A model with no row (or no deleted one) is walked at an address that finds none.
        key = obj.pk if obj else NOWHERE
        targets = {
            f"{info}_changelist": [],
            f"{info}_add": [],
            f"{info}_change": [key],
            f"{info}_history": [key],
            f"{info}_delete": [key],
            f"{info}_revision": [key, version.pk if version else NOWHERE],
            f"{info}_recoverlist": [],
            f"{info}_recover": [gone.pk if gone else NOWHERE],
            f"{info}_password_change": [key],
            f"{info}_pending": [key],
            f"{info}_publish": [key],
        }
        for name in names:
            args = targets.get(name)
            if args is None:
                continue  # a view this walk does not know: counted as not walked
            url = reverse(f"admin:{name}", args=args)
            # What the superuser's page would submit, with the status turned round: the
            # editor posts everything a full form holds.
            data = form_data(as_boss.get(url), model_admin)
            if "status" in data:
                data["status"] = [
                    Status.DRAFT if data["status"] == [Status.PUBLISHED] else Status.PUBLISHED
                ]
            data["post"] = ["yes"]  # the delete view's confirmation
            data["accept"] = ["yes"]  # the review page's button that publishes a change
            assert as_editor.get(url).status_code < 500, url
            assert as_editor.post(url, data).status_code < 500, url
            walked.add(f"view:{name}")

        changelist = reverse(f"admin:{info}_changelist")
        for name in actions:
            response = as_editor.post(
                changelist,
                {
                    "action": name,
                    "_selected_action": list(everything_of(model)),
                    "index": "0",
                    "post": "yes",
                },
            )
            assert response.status_code < 500, (changelist, name)
            walked.add(f"action:{info}:{name}")

    assert walked == expected, f"not walked: {sorted(expected - walked)}"
    # Nothing published or unpublished, nothing deleted, nothing brought back.
    assert set(Initiative.objects.published().values_list("pk", flat=True)) == published_before
    assert hidden_before == set(Initiative.objects.not_public().values_list("pk", flat=True))
    # The change waiting for review is still waiting, and not public.
    waiting = Initiative.objects.get(pk=world["waiting"])
    assert waiting.title_en != "Changed, waiting for review"
    assert PendingChange.objects.filter(initiative=waiting).exists()
    assert hidden_before  # the unpublished case, at least
    for model, before in rows_before.items():
        missing = before - everything_of(model)
        assert not missing, f"{model._meta.label}: deleted {sorted(missing)}"
    assert not Initiative.objects.filter(slug="gcerf").exists()
    models = {model._meta.label_lower: model for model in rows_before}
    for label, pk in world["deleted"].items():
        assert not models[label]._default_manager.filter(pk=pk).exists(), f"{label} came back"
