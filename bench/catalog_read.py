"""Catalog read throughput: product listing (20 items with prices) and product detail.

Starts `omnishop serve` with N worker processes against the given database (demo data must be
seeded), loads it with wrk at 32 connections, prints requests/s and p50/p99 latency and appends
them to bench/RESULTS.md. Needs wrk (`apt-get install wrk`).

    python bench/catalog_read.py --database-url postgresql+asyncpg://postgres@127.0.0.1/omnishop_demo
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.results import append

ROOT = Path(__file__).resolve().parents[1]
console = Console()


def wait_ready(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"server at {base} not ready after {timeout}s")


def get_json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=10) as response:
        data: dict[str, object] = json.loads(response.read())
        return data


def to_ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        raise SystemExit(f"cannot read wrk latency {value!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, connections: int, seconds: int, threads: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = to_ms(re.search(r"50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = to_ms(re.search(r"99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    if non2xx or errors:
        console.print(f"[red]errors during the run:[/red] {non2xx and non2xx.group(0)} {errors}")
    return {"rps": rps, "p50": p50, "p99": p99}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/omnishop_demo"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--channel", default="web")
    parser.add_argument(
        "--cache-seconds",
        type=float,
        default=0.0,
        help="API micro-cache TTL for the server under test (0 measures the database path).",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")

    env = {
        **os.environ,
        "OMNISHOP_DATABASE_URL": args.database_url,
        "OMNISHOP_WORKER_IN_PROCESS": "false",
        "OMNISHOP_LOG_LEVEL": "WARNING",
        "OMNISHOP_API_CACHE_SECONDS": str(args.cache_seconds),
    }
    omnishop = str(Path(sys.executable).parent / "omnishop")
    server = subprocess.Popen(
        [omnishop, "serve", "--port", str(args.port), "--workers", str(args.workers)],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        wait_ready(base)
        listing = f"{base}/api/v1/products?channel={args.channel}&limit=20"
        page = get_json(listing)
        items = page["data"]
        assert isinstance(items, list) and len(items) == 20, "seed the demo data first"
        detail = f"{base}/api/v1/products/{items[0]['slug']}?channel={args.channel}"
        results = {}
        for name, url in (("listing", listing), ("detail", detail)):
            console.print(f"warming up {name}…")
            run_wrk(url, args.connections, 3, 2)
            console.print(
                f"measuring {name} for {args.seconds}s at {args.connections} connections…"
            )
            results[name] = run_wrk(url, args.connections, args.seconds, 2)
    finally:
        server.terminate()
        server.wait(timeout=30)

    table = Table(title=f"catalog read, {args.workers} server processes, {args.connections} conns")
    for column in ("endpoint", "req/s", "p50 ms", "p99 ms"):
        table.add_column(column)
    for name, r in results.items():
        table.add_row(name, f"{r['rps']:.0f}", f"{r['p50']:.1f}", f"{r['p99']:.1f}")
    console.print(table)
    engine = args.database_url.split(":", 1)[0]
    append(
        f"catalog_read ({engine}, {args.workers} workers, wrk -c{args.connections}, "
        f"micro-cache {args.cache_seconds:g} s)",
        {
            f"{name} {metric}": f"{r[key]:.0f}" if key == "rps" else f"{r[key]:.1f}"
            for name, r in results.items()
            for metric, key in (("req/s", "rps"), ("p50 ms", "p50"), ("p99 ms", "p99"))
        },
    )


if __name__ == "__main__":
    main()
