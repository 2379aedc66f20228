"""SQLite as a server's database: how each connection reads and writes its file."""

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own settings")


def test_a_connection_reads_the_file_through_memory_mapping_and_writes_ahead(
    tmp_path, django_db_blocker
):
    """Pages are read from the system's file cache as mapped memory, not copied by a system
    call each (the exports and lists of thousands of initiatives read most pages); readers
    never wait for the writer."""
    settings = {**connection.settings_dict, "NAME": str(tmp_path / "casebook.sqlite3")}
    wrapper = DatabaseWrapper(settings, alias="file-check")
    try:
        with django_db_blocker.unblock(), wrapper.cursor() as cursor:
            cursor.execute("PRAGMA mmap_size")
            assert cursor.fetchone()[0] == 256 * 1024 * 1024
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
    finally:
        wrapper.close()
