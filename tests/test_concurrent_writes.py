"""Several staff members saving at the same moment: every save waits its turn and is kept."""

import threading

import pytest
from django.db import connection, transaction

from casebook.models import Initiative
from tests.factories import make_initiative

SAVES_PER_EDITOR = 8
EDITORS = 4


@pytest.mark.django_db(transaction=True)
def test_it_keeps_every_save_when_editors_save_at_once():
    initiatives = [
        make_initiative(slug=f"busy-{n}", lessons_learned_en="Lessons.") for n in range(EDITORS)
    ]
    start = threading.Barrier(EDITORS)
    errors = []

    def editor(pk):
        try:
            start.wait()
            for n in range(SAVES_PER_EDITOR):
                # What an admin save does: read the row, change it, save it with its search
                # document and history, all in one transaction.
                with transaction.atomic():
                    initiative = Initiative.objects.get(pk=pk)
                    initiative.lessons_learned_en = f"{initiative.lessons_learned_en} Save {n}."
                    initiative.save()
        except Exception as error:  # noqa: BLE001  (every failure is what this test counts)
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=editor, args=(i.pk,)) for i in initiatives]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    for initiative in initiatives:
        initiative.refresh_from_db()
        saves = " ".join(f"Save {n}." for n in range(SAVES_PER_EDITOR))
        assert initiative.lessons_learned_en == f"Lessons. {saves}"
        assert initiative.version == 1 + SAVES_PER_EDITOR
