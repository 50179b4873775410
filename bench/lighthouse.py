"""Lighthouse (mobile preset) on the home, category, product and checkout pages.

Installs npm `lighthouse` once into a cache folder (~/.cache/omnishop-lighthouse; not part of
`make test`), runs it against Debian's Chromium (/usr/bin/chromium, `make test` installs it)
on a demo shop served like bench/storefront.py does, prints the four category scores per
page with the audits that cost points, and appends the scores to bench/RESULTS.md.
Target (issue 4): Performance ≥ 98, Accessibility ≥ 95, Best Practices ≥ 95, SEO ≥ 95.

    .venv/bin/python bench/lighthouse.py
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
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.results import append  # noqa: E402
from bench.storefront import ensure_shop, free_port  # noqa: E402

CACHE = Path(os.environ.get("OMNISHOP_LIGHTHOUSE_DIR", Path.home() / ".cache/omnishop-lighthouse"))
CHROMIUM = os.environ.get("OMNISHOP_CHROMIUM", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 98, "accessibility": 95, "best-practices": 95, "seo": 95}
console = Console()


def lighthouse_bin() -> Path:
    binary = CACHE / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        if shutil.which("npm") is None:
            raise SystemExit("npm is needed: apt-get install npm")
        CACHE.mkdir(parents=True, exist_ok=True)
        console.print(f"installing lighthouse into {CACHE} (once)…")
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "lighthouse@12"],
            cwd=CACHE,
            check=True,
        )
    return binary


def run(binary: Path, url: str, cookie: str | None) -> dict[str, Any]:
    command = [
        str(binary),
        url,
        "--quiet",
        "--output=json",
        "--output-path=stdout",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage "
        "--no-first-run --disable-background-networking --disable-component-update",
    ]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    out = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        timeout=300,
    )
    report: dict[str, Any] = json.loads(out.stdout)
    return report


def losses(report: dict[str, Any]) -> list[str]:
    """The audits that cost points, per category (title and score)."""
    found = []
    audits = report["audits"]
    for key in CATEGORIES:
        for ref in report["categories"][key]["auditRefs"]:
            audit = audits[ref["id"]]
            if ref["weight"] and audit.get("score") is not None and audit["score"] < 0.9:
                found.append(f"{key}: {audit['title']} ({audit['score']:.2f})")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    binary = lighthouse_bin()
    url = ensure_shop(args.data_dir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "OMNISHOP_DATABASE_URL": url,
        "OMNISHOP_LOG_LEVEL": "WARNING",
        "OMNISHOP_BASE_URL": base,
    }
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/omnishop"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        pages, cookie = prepare(base)
        rows = {
            name: run(binary, f"{base}{path}", cookie if name == "checkout" else None)
            for name, path in pages.items()
        }
    finally:
        server.terminate()
        server.wait(timeout=10)

    table = Table(title="Lighthouse, mobile preset (Debian Chromium)")
    table.add_column("page")
    for key in CATEGORIES:
        table.add_column(key, justify="right")
    figures: dict[str, str] = {}
    for name, report in rows.items():
        scores = {k: round(100 * (report["categories"][k]["score"] or 0)) for k in CATEGORIES}
        table.add_row(f"{name} ({pages[name]})", *(str(scores[k]) for k in CATEGORIES))
        figures[f"{name} {pages[name]}"] = " / ".join(
            f"{k} {scores[k]}{'' if scores[k] >= TARGETS[k] else ' (below target)'}"
            for k in CATEGORIES
        )
        for line in losses(report):
            console.print(f"  [dim]{name}[/dim] {line}")
    console.print(table)
    figures["browser"] = rows["home"].get("environment", {}).get("hostUserAgent", "")[:80]
    figures["lighthouse"] = str(rows["home"].get("lighthouseVersion"))
    append("Lighthouse mobile (bench/lighthouse.py)", figures)


def prepare(base: str) -> tuple[dict[str, str], str]:
    """The four pages, and a cookie holding a cart with one item (the checkout needs one)."""
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as client:
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
        locs = [urlsplit(u).path for u in re.findall(r"<loc>([^<]+)</loc>", sitemap)]
        category = next(p for p in locs if p.startswith("/c/"))
        products = [p for p in locs if p.startswith("/p/")]
        cookie = ""
        for product in products[:30]:
            html = client.get(product).text
            match = re.search(r'name="variant_id" value="([0-9a-f-]{36})"', html)
            if not match:
                continue
            # The page's form carries the browser's CSRF token (storefront/csrf.py).
            csrf = re.search(r'name="csrf" value="([^"]+)"', html)
            form = {"variant_id": match.group(1), "quantity": "1"}
            if csrf:
                form["csrf"] = csrf.group(1)
            added = client.post("/cart/add", data=form)
            if added.status_code == 303 and "error" not in added.headers["location"]:
                cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
                break
        if not cookie:
            raise SystemExit("could not put a product in a cart for the checkout page")
        return {
            "home": "/",
            "category": category,
            "product": products[0],
            "checkout": "/checkout",
        }, cookie


if __name__ == "__main__":
    main()
