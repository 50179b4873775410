"""The search read model: one document per (product, channel) where the product is shown,
fed by catalog, pricing and inventory events. Nothing here is the source of truth.

Engine-specific structures are created by DDL events (``metadata.create_all``) and by
migration 0002: on SQLite an FTS5 table over the stemmed text kept in step by triggers; on
PostgreSQL a ``tsvector`` column with a GIN index and a trigram index on the vocabulary.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from omnishop.kernel.db import Base

# INTEGER PRIMARY KEY is SQLite's rowid, which the FTS5 table points at.
DocId = BigInteger().with_variant(Integer(), "sqlite")


class SearchDocument(Base):
    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("product_id", "channel_id"),
        Index("ix_search_documents_channel_sort_ru", "channel_id", "sort_ru", "product_id"),
        Index("ix_search_documents_channel_sort_en", "channel_id", "sort_en", "product_id"),
        Index("ix_search_documents_channel_sort_ka", "channel_id", "sort_ka", "product_id"),
        Index("ix_search_documents_channel_price", "channel_id", "price_min", "product_id"),
        Index("ix_search_documents_tsv", "tsv", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(DocId, primary_key=True, autoincrement=True)
    product_id: Mapped[uuid.UUID] = mapped_column(index=True)
    channel_id: Mapped[uuid.UUID]
    slug: Mapped[str] = mapped_column(String(120))
    names: Mapped[dict[str, Any]]  # locale → name, for display
    category_id: Mapped[uuid.UUID | None]
    # {"slug": ..., "names": {locale: name}} of the product's own category, for display.
    category: Mapped[dict[str, Any] | None]
    image: Mapped[dict[str, Any] | None]  # first picture: {"sizes": {...}, "alt": {...}}
    currency: Mapped[str] = mapped_column(String(3))
    price_min: Mapped[int | None] = mapped_column(BigInteger)
    price_max: Mapped[int | None] = mapped_column(BigInteger)
    compare_at: Mapped[int | None] = mapped_column(BigInteger)  # of the cheapest variant
    in_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    purchasable: Mapped[bool] = mapped_column(Boolean, default=True)
    popularity: Mapped[int] = mapped_column(default=0)
    # Scheduled launches are filtered at query time, so no job has to wake up for them.
    published_at: Mapped[datetime | None]
    # Lower-cased display names with the channel's fallback applied, for "sort by name".
    sort_ru: Mapped[str] = mapped_column(String(300))
    sort_en: Mapped[str] = mapped_column(String(300))
    sort_ka: Mapped[str] = mapped_column(String(300))
    # Analysed text (see analysis.py): stems of the names, stems of everything else, and the
    # unstemmed words of the names for prefix completion.
    fts_title: Mapped[str] = mapped_column(Text)
    fts_body: Mapped[str] = mapped_column(Text)
    fts_raw: Mapped[str] = mapped_column(Text)
    # PostgreSQL only (NULL on SQLite, where the FTS5 table does this job).
    tsv: Mapped[str | None] = mapped_column(TSVECTOR().with_variant(Text(), "sqlite"))
    updated_at: Mapped[datetime]


class SearchFacet(Base):
    """Filterable values of a document: its category chain and attribute values."""

    __tablename__ = "search_facets"
    __table_args__ = (Index("ix_search_facets_facet_value", "facet", "value", "doc_id"),)

    doc_id: Mapped[int] = mapped_column(
        DocId, ForeignKey("search_documents.id", ondelete="CASCADE"), primary_key=True
    )
    # "category" (ids of the chain), "category_slug", or "attr:<code>".
    facet: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)


class SearchVariant(Base):
    """Which product a variant belongs to, so price and stock events find their document."""

    __tablename__ = "search_variants"

    variant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(index=True)


class SearchTerm(Base):
    """The vocabulary of indexed stems, for typo correction ("did you mean")."""

    __tablename__ = "search_terms"
    __table_args__ = (
        Index(
            "ix_search_terms_term_trgm",
            "term",
            postgresql_using="gin",
            postgresql_ops={"term": "gin_trgm_ops"},
        ),
    )

    term: Mapped[str] = mapped_column(String(100), primary_key=True)
    word: Mapped[str] = mapped_column(String(100))  # a surface form to show the person
    doc_freq: Mapped[int] = mapped_column(default=0)


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
PG_EXTENSION = "CREATE EXTENSION IF NOT EXISTS pg_trgm"


def _ddl(statement: str, dialect: str) -> Any:
    return DDL(statement).execute_if(dialect=dialect)  # type: ignore[no-untyped-call]


_documents = SearchDocument.__table__
for statement in SQLITE_FTS:
    event.listen(_documents, "after_create", _ddl(statement, "sqlite"))
for statement in SQLITE_FTS_DROP:
    event.listen(_documents, "before_drop", _ddl(statement, "sqlite"))
# The trigram operator class must exist before the vocabulary's index is created.
event.listen(SearchTerm.__table__, "before_create", _ddl(PG_EXTENSION, "postgresql"))
