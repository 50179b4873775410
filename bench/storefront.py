"""Storefront product page budget: bytes transferred (HTML + CSS + JS, compressed, images
aside), no render-blocking third-party requests, and server time p50/p95/p99 over N requests.

Builds (once, under bench/.work/storefront) an SQLite shop seeded with the demo data
(../shared/data), serves it with uvicorn in a subprocess (one process, no in-process worker),
then requests product pages in turn over one keep-alive connection, as a browser would.
Budget (issue 4): ≤ 30 KB transferred, p95 ≤ 30 ms. Appends the figures to bench/RESULTS.md.

    .venv/bin/python bench/storefront.py --requests 500
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.results import append  # noqa: E402

WORK = ROOT / "bench" / ".work" / "storefront"
console = Console()
BUDGET_BYTES = 30 * 1024
BUDGET_P95_MS = 30.0


async def build(database_url: str, data_dir: Path) -> None:
    """Schema (from the models: migrations are generated at release) and the demo seed."""
    from omnishop.demo.seed import seed
    from omnishop.kernel.db import make_engine
    from omnishop.kernel.runtime import Database
    from omnishop.kernel.settings import Settings
    from omnishop.models import metadata

    settings = Settings(database_url=database_url, data_dir=data_dir, log_level="WARNING")
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()
    database = Database.from_settings(settings)
    try:
        await seed(database=database, settings=settings, console=console)
        # Let the worker index the catalog for search, as `serve` would in the background.
        from omnishop import handlers
        from omnishop.kernel import outbox

        handlers.register()
        await outbox.drain(database.sessions)
    finally:
        await database.dispose()


def schema_stamp() -> str:
    """A fingerprint of every table and column: a seeded shop built on another schema is
    rebuilt (tables come from the models until the release migration exists)."""
    from omnishop.models import metadata

    text = ";".join(
        f"{t.name}:{','.join(sorted(c.name for c in t.columns))}"
        for t in sorted(metadata.tables.values(), key=lambda t: t.name)
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def ensure_shop(data_dir: Path, *, rebuild: bool = False) -> str:
    """The URL of the seeded demo shop under bench/.work, built when missing or stale."""
    WORK.mkdir(parents=True, exist_ok=True)
    db, stamp = WORK / "shop.db", WORK / "schema.txt"
    url = f"sqlite+aiosqlite:///{db}"
    current = schema_stamp()
    if rebuild or not db.exists() or not stamp.exists() or stamp.read_text() != current:
        for leftover in WORK.glob("shop.db*"):
            leftover.unlink()
        console.print("seeding the demo shop (once per schema)…")
        asyncio.run(build(url, data_dir))
        stamp.write_text(current)
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Assets(HTMLParser):
    """Scripts and stylesheets a page loads, and which of them block rendering."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[str, bool]] = []  # (src, blocking)
        self.styles: list[str] = []
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "head":
            self.in_head = True
        elif tag == "body":
            self.in_head = False
        elif tag == "script" and a.get("src"):
            blocking = self.in_head and "async" not in a and "defer" not in a
            self.scripts.append((str(a["src"]), blocking))
        elif tag == "link" and a.get("rel") == "stylesheet" and a.get("href"):
            self.styles.append(str(a["href"]))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    url = ensure_shop(args.data_dir, rebuild=args.rebuild)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "OMNISHOP_DATABASE_URL": url,
        "OMNISHOP_WORKER_IN_PROCESS": "false",
        "OMNISHOP_LOG_LEVEL": "WARNING",
        "OMNISHOP_BASE_URL": base,
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "omnishop"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        figures = measure(base, args.requests, args.products)
    finally:
        server.terminate()
        server.wait(timeout=10)

    table = Table(title="storefront product page")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in figures.items():
        table.add_row(name, value)
    console.print(table)
    append("storefront product page (bench/storefront.py)", figures)


def measure(base: str, requests: int, products: int) -> dict[str, str]:
    headers = {"Accept-Encoding": "gzip, br", "Accept-Language": "ru"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.3)
        sitemap = client.get("/sitemap.xml").text
        paths = [urlsplit(u).path for u in re.findall(r"<loc>([^<]+/p/[^<]+)</loc>", sitemap)]
        paths = paths[:products]
        if not paths:
            raise SystemExit("no products in the sitemap: is the demo data seeded?")

        # Transfer: the page as the wire carries it (compressed), plus its CSS and JS.
        page = client.get(paths[0])
        assert page.status_code == 200, page.status_code
        html_wire = page.num_bytes_downloaded
        assets = Assets()
        assets.feed(page.text)
        same_origin = [src for src, _ in assets.scripts if not urlsplit(src).netloc] + [
            href for href in assets.styles if not urlsplit(href).netloc
        ]
        asset_wire = 0
        for src in same_origin:
            asset = client.get(urljoin(base, src))
            asset_wire += asset.num_bytes_downloaded
        third_party_blocking = [
            src for src, blocking in assets.scripts if blocking and urlsplit(src).netloc
        ]
        raw_html = len(page.content)

        for path in paths[:20]:  # warm-up: templates compiled, connections open
            client.get(path)
        timings: list[float] = []
        statuses: dict[int, int] = {}
        for i in range(requests):
            start = time.perf_counter()
            r = client.get(paths[i % len(paths)])
            timings.append((time.perf_counter() - start) * 1000)
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

    total = html_wire + asset_wire
    p95 = percentile(timings, 0.95)
    return {
        "pages": f"{len(paths)} product pages, {requests} requests, 1 keep-alive connection",
        "HTML transferred (gzip)": f"{html_wire} B (uncompressed {raw_html} B)",
        "CSS + JS transferred (gzip)": f"{asset_wire} B ({len(same_origin)} files; CSS inline)",
        "total transferred": f"{total / 1024:.1f} KB (budget 30 KB: "
        f"{'met' if total <= BUDGET_BYTES else 'MISSED'})",
        "render-blocking third-party requests": str(len(third_party_blocking)),
        "server time p50 (ms)": f"{statistics.median(timings):.1f}",
        "server time p95 (ms)": f"{p95:.1f} (budget 30 ms: "
        f"{'met' if p95 <= BUDGET_P95_MS else 'MISSED'})",
        "server time p99 (ms)": f"{percentile(timings, 0.99):.1f}",
        "statuses": ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())),
        "load average during the run (1 min)": f"{os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores (other work on the machine inflates server time)",
    }


if __name__ == "__main__":
    main()
