"""What the history (django-reversion) and the backup (export_casebook) store of a record.

Every stored field, with each language in its own column (``title_es``, ``title_en``) rather
than modeltranslation's language-less original, and without the fields rebuilt on every save.
"""

import reversion
from modeltranslation.translator import NotRegistered, translator

# Rebuilt from the other fields on every save.
DERIVED_FIELDS = {"search_document", "search_name"}


def stored_fields(model):
    try:
        translated = set(translator.get_options_for_model(model).fields)
    except NotRegistered:
        translated = set()
    opts = model._meta
    return [
        field.name
        for field in [*opts.local_fields, *opts.local_many_to_many]
        if not field.primary_key
        and field.name not in translated
        and field.name not in DERIVED_FIELDS
    ]


def keep_history(model, follow=()):
    """Record every save of ``model`` made in a revision (each admin save is one)."""
    reversion.register(model, fields=stored_fields(model), follow=follow)
