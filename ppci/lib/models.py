"""Abstract models and model helpers shared by the apps."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _


def single_line(value):
    """A name or title is one line: a line break in it would break the lines of a citation
    file, a CSV reader's row or a page's heading."""
    if value and ("\n" in value or "\r" in value):
        raise ValidationError(_("Write this on one line, without line breaks."), code="line_break")


class SlugManager(models.Manager):
    """Rows found by slug when fixtures are loaded."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class SlugNamedModel(models.Model):
    """A vocabulary or place: a unique slug, the same in every language, and a name."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120, validators=[single_line])

    objects = SlugManager()

    class Meta:
        abstract = True
        ordering = ["name", "slug"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class CacheDebt(models.Model):
    """A change made while the shared cache could not be reached: pages it kept from before
    are out of date, and the first process to reach it again moves its generation on."""

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "cache debt"

    def __str__(self):
        return f"Change at {self.created_at:%Y-%m-%d %H:%M:%S}"


class OutgoingMail(models.Model):
    """An e-mail to send: stored in the transaction of the change it tells of, sent after that
    commits, and kept with its error (and sent again by ``send_queued_mail``) if sending
    fails, so that none is lost."""

    to = models.JSONField(default=list)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = "outgoing e-mail"
        indexes = [models.Index(fields=["sent_at", "created_at"], name="outbox_unsent_idx")]

    def __str__(self):
        return self.subject


_labels = {}


class ChoiceLabels:
    """``get_FOO_display()`` that looks its label up in the field's choices kept by value.

    Django builds a dict of the field's choices on every call, hashing each (value, label)
    pair, and a lazy label is translated to be hashed: a case's page, with its partners'
    kinds and roles and its figures' evidence, translated some five hundred labels for forty
    displays. The labels stay lazy here, translated when shown."""

    def _get_FIELD_display(self, field):
        labels = _labels.get(field)
        if labels is None:
            labels = _labels[field] = dict(field.flatchoices)
        value = getattr(self, field.attname)
        try:
            label = labels.get(value, value)
        except TypeError:  # a value that cannot be a key: Django's own way
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)


class ConstraintErrorsOnFields:
    """Model validation that puts a database constraint's error on the field it concerns.

    ``constraint_error_fields`` maps a constraint's ``violation_error_code`` to a field name;
    a model may also override ``constraint_error_on_field`` to reword the message.
    """

    constraint_error_fields = {}

    def constraint_error_on_field(self, error):
        """The field an error of the form's top belongs on (None to leave it there), and the
        error to show."""
        return self.constraint_error_fields.get(getattr(error, "code", None)), error

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            for item in errors.pop(NON_FIELD_ERRORS, []):
                field, shown = self.constraint_error_on_field(item)
                errors.setdefault(field or NON_FIELD_ERRORS, []).append(shown)
            raise ValidationError(errors) from None
