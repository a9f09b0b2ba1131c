"""The database side of the search index (vendor specific, kept in step by the database).

SQLite: an FTS5 external-content table over helpcenter_searchdocument, maintained by
triggers, tokenised by ``unicode61`` over the space-separated tokens we store.
PostgreSQL: a generated ``tsvector`` column (config ``simple``; weights A title,
B keywords, D body) with a GIN index, and a title + keywords ``tsvector`` with its own GIN index.
Both GIN indexes have ``fastupdate`` off: articles change rarely, and a pending list would be
scanned by every search until the next vacuum.
"""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE helpcenter_search_fts USING fts5("
    "title_tokens, keyword_tokens, body_tokens, content='helpcenter_searchdocument', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER helpcenter_search_ai AFTER INSERT ON helpcenter_searchdocument BEGIN "
    "INSERT INTO helpcenter_search_fts(rowid, title_tokens, keyword_tokens, body_tokens) "
    "VALUES (new.id, new.title_tokens, new.keyword_tokens, new.body_tokens); END",
    "CREATE TRIGGER helpcenter_search_ad AFTER DELETE ON helpcenter_searchdocument BEGIN "
    "INSERT INTO helpcenter_search_fts(helpcenter_search_fts, rowid, title_tokens, keyword_tokens, body_tokens) "
    "VALUES ('delete', old.id, old.title_tokens, old.keyword_tokens, old.body_tokens); END",
    "CREATE TRIGGER helpcenter_search_au AFTER UPDATE ON helpcenter_searchdocument BEGIN "
    "INSERT INTO helpcenter_search_fts(helpcenter_search_fts, rowid, title_tokens, keyword_tokens, body_tokens) "
    "VALUES ('delete', old.id, old.title_tokens, old.keyword_tokens, old.body_tokens); "
    "INSERT INTO helpcenter_search_fts(rowid, title_tokens, keyword_tokens, body_tokens) "
    "VALUES (new.id, new.title_tokens, new.keyword_tokens, new.body_tokens); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS helpcenter_search_au",
    "DROP TRIGGER IF EXISTS helpcenter_search_ad",
    "DROP TRIGGER IF EXISTS helpcenter_search_ai",
    "DROP TABLE IF EXISTS helpcenter_search_fts",
]
POSTGRES_UP = [
    "ALTER TABLE helpcenter_searchdocument ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title_tokens), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, keyword_tokens), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, body_tokens), 'D')) STORED",
    "CREATE INDEX helpcenter_search_vector_gin ON helpcenter_searchdocument USING gin (search_vector) WITH (fastupdate = off)",
    # title + keywords alone: its own statistics let the planner see that title matches are few
    "ALTER TABLE helpcenter_searchdocument ADD COLUMN title_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title_tokens), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, keyword_tokens), 'B')) STORED",
    "CREATE INDEX helpcenter_title_vector_gin ON helpcenter_searchdocument USING gin (title_vector) WITH (fastupdate = off)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS helpcenter_title_vector_gin",
    "ALTER TABLE helpcenter_searchdocument DROP COLUMN IF EXISTS title_vector",
    "DROP INDEX IF EXISTS helpcenter_search_vector_gin",
    "ALTER TABLE helpcenter_searchdocument DROP COLUMN IF EXISTS search_vector",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("helpcenter", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
