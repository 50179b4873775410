"""Review photos on disk: checked by their bytes, stored under ``<media_dir>/reviews/`` with
unguessable names, and served by the app's ``/media`` mount."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omnishop.kernel import ids
from omnishop.kernel.settings import get_settings
from omnishop.reviews import rules

FOLDER = "reviews"


@dataclass(frozen=True)
class PhotoUpload:
    """One uploaded file, already read (the route caps how much it reads)."""

    data: bytes
    filename: str | None = None


def check(uploads: Sequence[PhotoUpload]) -> list[tuple[PhotoUpload, str, str]]:
    """Every upload with its (content type, extension); 422 for too many or a non-image."""
    rules.check_photo_count(len(uploads))
    return [(upload, *rules.check_photo(upload.data, index=i)) for i, upload in enumerate(uploads)]


async def store(
    media_dir: Path, checked: list[tuple[PhotoUpload, str, str]]
) -> list[dict[str, Any]]:
    """Write the photos; the records to keep on the review. Names are random, never the
    client's, so nothing can be overwritten or guessed."""
    folder = media_dir / FOLDER
    records: list[dict[str, Any]] = []
    for upload, content_type, extension in checked:
        name = f"{FOLDER}/{ids.new_token(24)}.{extension}"
        await asyncio.to_thread(_write, media_dir / name, upload.data, folder)
        records.append({"file": name, "content_type": content_type, "size": len(upload.data)})
    return records


async def remove(media_dir: Path, records: Sequence[dict[str, Any]]) -> None:
    """Delete stored photos again (their review was not saved)."""
    for record in records:
        await asyncio.to_thread((media_dir / str(record["file"])).unlink, missing_ok=True)


def url(record: dict[str, Any]) -> str:
    return f"{get_settings().media_url.rstrip('/')}/{record['file']}"


def _write(path: Path, data: bytes, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as fh:
        fh.write(data)
