"""Optimistic locking: two people editing the same record from stale forms.

Each versioned model has a ``version`` that every save moves on. The admin form carries the
version it was opened at; saving it after someone else has saved is refused with a message
naming who and when, and the form comes back with everything the user typed.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class VersionedModel(models.Model):
    """A model whose every save moves its ``version`` on, so stale forms can be told apart."""

    version = models.PositiveIntegerField(
        gettext_lazy("version"),
        default=1,
        help_text=gettext_lazy("Counts the saves; a form saved from an older version is refused."),
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "version" not in update_fields:
                kwargs["update_fields"] = [*update_fields, "version"]
        super().save(*args, **kwargs)


def last_change(instance):
    """“Ana, 21 Nov 2026 10:04: Changed title.” — the latest saved revision, for the message."""
    from reversion.models import Version

    from .history import describe_change

    version = (
        Version.objects.get_for_object(instance)
        .select_related("revision", "revision__user")
        .first()
    )
    if version is None:
        return ""
    revision = version.revision
    when = formats.date_format(timezone.localtime(revision.date_created), "DATETIME_FORMAT")
    who = revision.user.get_username() if revision.user else _("someone")
    text = f"{who}, {when}"
    comment = describe_change(revision.comment)
    return f"{text}: {comment}" if comment else text


class VersionCheckedForm(forms.ModelForm):
    """A model form that refuses to save over a version it was not opened at."""

    class Meta:
        widgets = {"version": forms.HiddenInput}

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None or "version" not in self.fields:
            return cleaned
        model = type(self.instance)
        rows = model._default_manager.filter(pk=self.instance.pk)
        if connections[router.db_for_write(model)].in_atomic_block:
            # Hold the row until this save commits, so two saves cannot both pass the check.
            rows = rows.select_for_update()
        current = rows.values_list("version", flat=True).first()
        submitted = cleaned.get("version")
        if current is None or submitted == current:
            return cleaned
        # The form comes back with the user's input as typed, now marked as seen against the
        # current version: saving it again is a deliberate choice to replace the other change.
        data = self.data.copy()
        data[self.add_prefix("version")] = current
        self.data = data
        who = last_change(self.instance)
        message = _(
            "Someone else saved this %(thing)s while you were editing it%(who)s. "
            "Your changes have NOT been saved: they are all still in this form. "
            "Open the %(thing)s in another tab to see the other change; then save this "
            "form again to replace it with yours, or copy what you need and reload."
        ) % {
            "thing": model._meta.verbose_name,
            "who": f" ({who})" if who else "",
        }
        raise ValidationError(message, code="stale")
