"""The database side of full-text search: one index per backend.

PostgreSQL: an unaccented Spanish and an unaccented English text search configuration, a
stored generated column ``search_vector`` with both vectors of ``Initiative.search_document``
(so that ranking and rechecks read it instead of parsing the text again) and a GIN index on
it. The column lives outside Django's model state, like the index: it is PostgreSQL's own.
SQLite: an FTS5 table over the same column, with diacritics removed, kept in step by
triggers (recreated after every migration, since SQLite rebuilds tables it alters).
"""

POSTGRESQL_VECTOR = (
    "(to_tsvector('ppci_es'::regconfig, {column}) || to_tsvector('ppci_en'::regconfig, {column}))"
)

POSTGRESQL_SETUP = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    DO $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'ppci_es') THEN
            CREATE TEXT SEARCH CONFIGURATION ppci_es (COPY = spanish);
            ALTER TEXT SEARCH CONFIGURATION ppci_es
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, spanish_stem;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'ppci_en') THEN
            CREATE TEXT SEARCH CONFIGURATION ppci_en (COPY = english);
            ALTER TEXT SEARCH CONFIGURATION ppci_en
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
        END IF;
    END
    $$
    """,
    "ALTER TABLE casebook_initiative ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (" + POSTGRESQL_VECTOR.format(column="search_document") + ") STORED",
    "CREATE INDEX IF NOT EXISTS initiative_search_vector_idx ON casebook_initiative "
    "USING gin (search_vector)",
    # The first index was on the expression; the column replaces it.
    "DROP INDEX IF EXISTS initiative_search_idx",
    # The planner prices a tsvector match like an integer comparison, and so prefers a
    # sequential scan that decompresses every row's vector (60 ms at 10,000 initiatives) to
    # the GIN index (2 ms). The true price sets it right. It needs ownership of the function
    # (a superuser); without it, search still works, only slower at scale.
    """
    DO $$
    BEGIN
        ALTER FUNCTION ts_match_vq(tsvector, tsquery) COST 100;
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'ts_match_vq keeps its cost: not allowed to change it';
    END
    $$
    """,
]

SQLITE_TABLE = "casebook_initiative_fts"

SQLITE_SETUP = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_TABLE} USING fts5(
        search_document,
        content='casebook_initiative',
        content_rowid='id',
        tokenize="unicode61 remove_diacritics 2"
    )""",
    f"""CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_insert AFTER INSERT ON casebook_initiative
    BEGIN
        INSERT INTO {SQLITE_TABLE}(rowid, search_document) VALUES (new.id, new.search_document);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_delete AFTER DELETE ON casebook_initiative
    BEGIN
        INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, search_document)
        VALUES ('delete', old.id, old.search_document);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {SQLITE_TABLE}_update
    AFTER UPDATE OF search_document ON casebook_initiative
    BEGIN
        INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}, rowid, search_document)
        VALUES ('delete', old.id, old.search_document);
        INSERT INTO {SQLITE_TABLE}(rowid, search_document) VALUES (new.id, new.search_document);
    END""",
    # Rebuilding is cheap at case-book size and makes the index whole again after a table
    # rebuild dropped the triggers.
    f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}) VALUES ('rebuild')",
]


def ensure_search_index(connection):
    statements = {"postgresql": POSTGRESQL_SETUP, "sqlite": SQLITE_SETUP}.get(connection.vendor)
    if not statements:
        return
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def drop_search_index(connection):
    statements = {
        "postgresql": [
            "DROP INDEX IF EXISTS initiative_search_idx",
            "ALTER TABLE casebook_initiative DROP COLUMN IF EXISTS search_vector",
        ],
        "sqlite": [f"DROP TABLE IF EXISTS {SQLITE_TABLE}"]
        + [
            f"DROP TRIGGER IF EXISTS {SQLITE_TABLE}_{event}"
            for event in ("insert", "delete", "update")
        ],
    }.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
