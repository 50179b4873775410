"""search: the search read model and its engine-specific full-text structures

Tables are created only when absent (0001 may be regenerated from the models and already
hold them); then the SQLite FTS5 table and triggers, or PostgreSQL's pg_trgm extension.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
DOC_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Kept in step with omnishop.search.models (migrations import nothing from the application).
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "fts_title, fts_body, fts_raw, content='search_documents', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0', prefix='2 3')",
    "CREATE TRIGGER IF NOT EXISTS search_documents_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, fts_title, fts_body, fts_raw) "
    "VALUES (new.id, new.fts_title, new.fts_body, new.fts_raw); END",
    "CREATE TRIGGER IF NOT EXISTS search_documents_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, fts_title, fts_body, fts_raw) "
    "VALUES ('delete', old.id, old.fts_title, old.fts_body, old.fts_raw); END",
    "CREATE TRIGGER IF NOT EXISTS search_documents_au AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, fts_title, fts_body, fts_raw) "
    "VALUES ('delete', old.id, old.fts_title, old.fts_body, old.fts_raw); "
    "INSERT INTO search_fts(rowid, fts_title, fts_body, fts_raw) "
    "VALUES (new.id, new.fts_title, new.fts_body, new.fts_raw); END",
)
SQLITE_FTS_DROP = (
    "DROP TRIGGER IF EXISTS search_documents_ai",
    "DROP TRIGGER IF EXISTS search_documents_ad",
    "DROP TRIGGER IF EXISTS search_documents_au",
    "DROP TABLE IF EXISTS search_fts",
)


def _create_tables(existing: set[str]) -> None:
    if "search_documents" not in existing:
        op.create_table(
            "search_documents",
            sa.Column("id", DOC_ID, autoincrement=True, nullable=False),
            sa.Column("product_id", sa.Uuid(), nullable=False),
            sa.Column("channel_id", sa.Uuid(), nullable=False),
            sa.Column("slug", sa.String(length=120), nullable=False),
            sa.Column("names", JSON, nullable=False),
            sa.Column("category_id", sa.Uuid(), nullable=True),
            sa.Column("category", JSON, nullable=True),
            sa.Column("image", JSON, nullable=True),
            sa.Column("currency", sa.String(length=3), nullable=False),
            sa.Column("price_min", sa.BigInteger(), nullable=True),
            sa.Column("price_max", sa.BigInteger(), nullable=True),
            sa.Column("compare_at", sa.BigInteger(), nullable=True),
            sa.Column("in_stock", sa.Boolean(), nullable=False),
            sa.Column("purchasable", sa.Boolean(), nullable=False),
            sa.Column("popularity", sa.Integer(), nullable=False),
            sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("sort_ru", sa.String(length=300), nullable=False),
            sa.Column("sort_en", sa.String(length=300), nullable=False),
            sa.Column("sort_ka", sa.String(length=300), nullable=False),
            sa.Column("fts_title", sa.Text(), nullable=False),
            sa.Column("fts_body", sa.Text(), nullable=False),
            sa.Column("fts_raw", sa.Text(), nullable=False),
            sa.Column(
                "tsv", postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite"), nullable=True
            ),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
            sa.UniqueConstraint(
                "product_id", "channel_id", name=op.f("uq_search_documents_product_id_channel_id")
            ),
        )
        for locale in ("ru", "en", "ka"):
            op.create_index(
                f"ix_search_documents_channel_sort_{locale}",
                "search_documents",
                ["channel_id", f"sort_{locale}", "product_id"],
            )
        op.create_index(
            "ix_search_documents_channel_price",
            "search_documents",
            ["channel_id", "price_min", "product_id"],
        )
        op.create_index(op.f("ix_search_documents_product_id"), "search_documents", ["product_id"])
        op.create_index(
            "ix_search_documents_tsv", "search_documents", ["tsv"], postgresql_using="gin"
        )
    if "search_terms" not in existing:
        op.create_table(
            "search_terms",
            sa.Column("term", sa.String(length=100), nullable=False),
            sa.Column("word", sa.String(length=100), nullable=False),
            sa.Column("doc_freq", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("term", name=op.f("pk_search_terms")),
        )
        op.create_index(
            "ix_search_terms_term_trgm",
            "search_terms",
            ["term"],
            postgresql_using="gin",
            postgresql_ops={"term": "gin_trgm_ops"},
        )
    if "search_variants" not in existing:
        op.create_table(
            "search_variants",
            sa.Column("variant_id", sa.Uuid(), nullable=False),
            sa.Column("product_id", sa.Uuid(), nullable=False),
            sa.PrimaryKeyConstraint("variant_id", name=op.f("pk_search_variants")),
        )
        op.create_index(op.f("ix_search_variants_product_id"), "search_variants", ["product_id"])
    if "search_facets" not in existing:
        op.create_table(
            "search_facets",
            sa.Column("doc_id", DOC_ID, nullable=False),
            sa.Column("facet", sa.String(length=80), nullable=False),
            sa.Column("value", sa.String(length=200), nullable=False),
            sa.ForeignKeyConstraint(
                ["doc_id"],
                ["search_documents.id"],
                name=op.f("fk_search_facets_doc_id_search_documents"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("doc_id", "facet", "value", name=op.f("pk_search_facets")),
        )
        op.create_index(
            "ix_search_facets_facet_value", "search_facets", ["facet", "value", "doc_id"]
        )


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # The trigram operator class must exist before the vocabulary's index.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    _create_tables(set(sa.inspect(bind).get_table_names()))
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS_DROP:
            op.execute(statement)
    for table in ("search_facets", "search_variants", "search_terms", "search_documents"):
        op.drop_table(table)
