"""Append benchmark figures to bench/RESULTS.md with the date, commit and machine."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = (
    "# Benchmark results\n\nEach row: when, which commit, on what machine, what was measured.\n"
)


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=RESULTS.parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def append(benchmark: str, figures: dict[str, str]) -> None:
    """Add one section for this run; the file is created with a header when absent."""
    if not RESULTS.exists():
        RESULTS.write_text(HEADER)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"\n## {benchmark} — {stamp}, commit {commit()}, {machine()}\n"]
    lines += ["| figure | value |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in figures.items()]
    with RESULTS.open("a") as fh:
        fh.write("\n".join(lines) + "\n")
