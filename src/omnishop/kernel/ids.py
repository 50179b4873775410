"""Identifiers: time-ordered UUIDv7 (index-friendly) and unguessable tokens."""

from __future__ import annotations

import os
import re
import secrets
import time
import unicodedata
import uuid


def new_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): 48-bit unix ms timestamp then random bits, so ids sort by creation."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= (rand >> 68 & 0xFFF) << 64  # rand_a (12 bits)
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b
    return uuid.UUID(int=value)


def new_token(nbytes: int = 24) -> str:
    """A URL-safe secret token (carts, API keys, one-time links)."""
    return secrets.token_urlsafe(nbytes)


_CYRILLIC_FROM = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_CYRILLIC_TO = [
    "a",
    "b",
    "v",
    "g",
    "d",
    "e",
    "e",
    "zh",
    "z",
    "i",
    "y",
    "k",
    "l",
    "m",
    "n",
    "o",
    "p",
    "r",
    "s",
    "t",
    "u",
    "f",
    "h",
    "ts",
    "ch",
    "sh",
    "sch",
    "_",
    "y",
    "_",
    "e",
    "yu",
    "ya",
]
_CYRILLIC = dict(zip(_CYRILLIC_FROM, _CYRILLIC_TO, strict=True))


def slugify(text: str, max_length: int = 80) -> str:
    """A lower-case ASCII slug; Cyrillic is transliterated so Russian titles give readable URLs."""
    out = []
    for ch in text.lower():
        mapped = _CYRILLIC.get(ch)
        out.append("" if mapped == "_" else mapped if mapped is not None else ch)
    ascii_text = unicodedata.normalize("NFKD", "".join(out)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:max_length].rstrip("-") or "item"
