"""NDCG@10 of omnishop product search on the Home Depot search-relevance data, beside a plain
BM25 baseline (rank_bm25's BM25Okapi over lower-cased whitespace tokens) on the same titles
and queries, then both again with one injected typo per query.

    .venv/bin/python bench/search_relevance.py [--postgres] [--queries N]

Titles are indexed into a throwaway database through the real search service (the bulk
``write_documents`` path), every distinct query is run through ``search.service.search``,
and the figures are appended to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import math
import os
import random
import sys
import tempfile
import time
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results import append
from omnishop.channels.models import Channel
from omnishop.kernel import clock
from omnishop.kernel.db import make_engine, make_sessionmaker, unit_of_work
from omnishop.models import metadata
from omnishop.search import index, service
from omnishop.search.schemas import DocumentIn, SearchQuery

console = Console()
K = 10
SEED = 20161
Judgements = dict[str, dict[int, float]]


def data_file() -> Path:
    base = os.environ.get("OMNISHOP_DATA_DIR")
    root = Path(base) if base else Path(__file__).resolve().parents[2] / "shared" / "data"
    return root / "homedepot_search_relevance" / "train.csv.zip"


def load() -> tuple[dict[int, str], Judgements]:
    """Unique titles by product uid, and graded judgements per distinct query."""
    titles: dict[int, str] = {}
    judged: Judgements = defaultdict(dict)
    with zipfile.ZipFile(data_file()) as archive, archive.open("train.csv") as raw:
        for row in csv.DictReader(io.TextIOWrapper(raw, encoding="latin-1")):
            uid = int(row["product_uid"])
            titles[uid] = row["product_title"]
            judged[row["search_term"].strip()][uid] = float(row["relevance"])
    return titles, {q: j for q, j in judged.items() if q}


def ndcg(ranked: Sequence[int], judgements: dict[int, float]) -> float:
    """NDCG@10 with exponential gain (2^rel − 1); unjudged products gain 0; the ideal ranking
    is the query's judged products by grade."""
    dcg = sum(
        (2 ** judgements.get(u, 0.0) - 1) / math.log2(i + 2) for i, u in enumerate(ranked[:K])
    )
    ideal = sorted(judgements.values(), reverse=True)[:K]
    idcg = sum((2**r - 1) / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def with_typo(query: str) -> str:
    """The query with one edit (swap, delete or replace a letter) in one word of ≥4 letters;
    deterministic per query."""
    rng = random.Random(f"{SEED}:{query}")
    words = query.split()
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return query
    i = rng.choice(candidates)
    word = words[i]
    pos = rng.randrange(len(word) - 1)
    kind = rng.choice(("swap", "delete", "replace"))
    if kind == "swap":
        word = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
    elif kind == "delete":
        word = word[:pos] + word[pos + 1 :]
    else:
        letter = rng.choice([c for c in "abcdefghijklmnopqrstuvwxyz" if c != word[pos].lower()])
        word = word[:pos] + letter + word[pos + 1 :]
    words[i] = word
    return " ".join(words)


class Baseline:
    """BM25Okapi's own parameters and idf, scored through postings so 11k queries over 54k
    titles finish in seconds (rank_bm25's get_scores loops over every document per term);
    the scores are identical."""

    def __init__(self, uids: list[int], titles: list[str]) -> None:
        self.uids = np.array(uids)
        self.bm25 = BM25Okapi([t.lower().split() for t in titles])
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for doc, freqs in enumerate(self.bm25.doc_freqs):
            for term, tf in freqs.items():
                self.postings[term].append((doc, tf))
        self.norm = self.bm25.k1 * (
            1 - self.bm25.b + self.bm25.b * np.array(self.bm25.doc_len) / self.bm25.avgdl
        )

    def top(self, query: str) -> list[int]:
        scores: dict[int, float] = defaultdict(float)
        k1 = self.bm25.k1
        for term in query.lower().split():
            idf = self.bm25.idf.get(term) or 0.0
            for doc, tf in self.postings.get(term, []):
                scores[doc] += idf * tf * (k1 + 1) / (tf + self.norm[doc])
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:K]
        return [int(self.uids[doc]) for doc, _ in best]


async def build_index(
    url: str, titles: dict[int, str], channel: Channel
) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessions = make_sessionmaker(engine)
    docs = [
        DocumentIn(
            product_id=uuid.UUID(int=uid),
            channel_id=channel.id,
            slug=str(uid),
            names={"en": title},
            currency=channel.currency,
            updated_at=clock.now(),
            sort_names={
                "ru": title.lower()[:300],
                "en": title.lower()[:300],
                "ka": title.lower()[:300],
            },
        )
        for uid, title in titles.items()
    ]
    started = time.perf_counter()
    with Progress(console=console) as progress:
        task = progress.add_task(f"indexing {len(docs):,} titles", total=len(docs))
        async with unit_of_work(sessions) as session:
            for start in range(0, len(docs), 2000):
                await index.write_documents(session, docs[start : start + 2000])
                progress.advance(task, len(docs[start : start + 2000]))
    console.print(f"indexed in {time.perf_counter() - started:.1f} s")
    return engine, sessions


async def run_ours(
    sessions: async_sessionmaker[AsyncSession], channel: Channel, queries: list[str], label: str
) -> tuple[list[list[int]], int]:
    results, corrected = [], 0
    with Progress(console=console) as progress:
        task = progress.add_task(label, total=len(queries))
        async with sessions() as session:
            for q in queries:
                page = await service.search(
                    session=session,
                    channel=channel,
                    query=SearchQuery(q=q[:200], limit=K, facets=False, sort="relevance"),
                    locale="en",
                )
                corrected += page.corrected_query is not None
                results.append([p.id.int for p in page.data])
                progress.advance(task)
    return results, corrected


async def postgres_url() -> tuple[str, Callable[[], Awaitable[None]]]:
    import asyncpg

    admin = (
        os.environ.get("OMNISHOP_TEST_POSTGRES_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    name = f"omnishop_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()

    async def drop() -> None:
        c = await asyncpg.connect(admin)
        await c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await c.close()

    url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}"
    return url, drop


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres", action="store_true", help="also measure on PostgreSQL")
    parser.add_argument("--queries", type=int, default=0, help="only the first N queries")
    args = parser.parse_args()

    titles, judged = load()
    queries = sorted(judged)
    if args.queries:
        queries = queries[: args.queries]
    typo_queries = [with_typo(q) for q in queries]
    console.print(f"{len(titles):,} titles, {len(queries):,} distinct queries")
    channel = Channel(id=uuid.uuid4(), code="bench", currency="USD", default_locale="en")

    uids = list(titles)
    baseline = Baseline(uids, [titles[u] for u in uids])
    figures: dict[str, float] = {}
    figures["BM25 baseline"] = float(np.mean([ndcg(baseline.top(q), judged[q]) for q in queries]))
    figures["BM25 baseline, one typo"] = float(
        np.mean(
            [ndcg(baseline.top(t), judged[q]) for q, t in zip(queries, typo_queries, strict=True)]
        )
    )

    engines = ["sqlite"] + (["postgresql"] if args.postgres else [])
    notes: dict[str, str] = {}
    for engine_name in engines:
        drop: Callable[[], Awaitable[None]] | None = None
        if engine_name == "sqlite":
            tmp = tempfile.mkdtemp(prefix="omnishop-bench-")
            url = f"sqlite+aiosqlite:///{tmp}/search.db"
        else:
            url, drop = await postgres_url()
        try:
            engine, sessions = await build_index(url, titles, channel)
            started = time.perf_counter()
            plain, fixed_plain = await run_ours(
                sessions, channel, queries, f"{engine_name}: queries"
            )
            elapsed = time.perf_counter() - started
            typos, fixed = await run_ours(
                sessions, channel, typo_queries, f"{engine_name}: typo queries"
            )
            await engine.dispose()
        finally:
            if drop is not None:
                await drop()
        figures[f"omnishop ({engine_name})"] = float(
            np.mean([ndcg(r, judged[q]) for r, q in zip(plain, queries, strict=True)])
        )
        figures[f"omnishop ({engine_name}), one typo"] = float(
            np.mean([ndcg(r, judged[q]) for r, q in zip(typos, queries, strict=True)])
        )
        notes[f"omnishop ({engine_name}) query time"] = (
            f"{1000 * elapsed / len(queries):.1f} ms/query"
        )
        notes[f"omnishop ({engine_name}) corrected"] = f"{fixed_plain} plain, {fixed} typo queries"

    table = Table(title=f"NDCG@{K}, Home Depot ({len(queries):,} queries, {len(titles):,} titles)")
    table.add_column("system")
    table.add_column(f"NDCG@{K}", justify="right")
    for name, value in figures.items():
        table.add_row(name, f"{value:.4f}")
    for name, note in notes.items():
        table.add_row(name, note)
    console.print(table)
    if not args.queries:
        append(
            "search_relevance (NDCG@10, Home Depot)",
            {"queries": f"{len(queries):,}", "titles": f"{len(titles):,}"}
            | {name: f"{value:.4f}" for name, value in figures.items()}
            | notes,
        )


if __name__ == "__main__":
    asyncio.run(main())
