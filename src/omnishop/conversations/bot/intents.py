"""The bot's intent model: TF-IDF (character and word n-grams) + logistic regression, trained
on Bitext's English retail support utterances (mapped to our intents) and our own Russian and
English phrases (bot/data/*.jsonl).

Training is deterministic (fixed seed, sorted data) and takes a few seconds; the fitted model
is cached under ``var/bot/`` keyed by a digest of the training data and the scikit-learn
version, so a process loads it in milliseconds and a changed dataset retrains by itself.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import os
import re
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from omnishop.conversations.bot.rules import INTENTS, language_of

DATA_DIR = Path(__file__).resolve().parent / "data"
BITEXT = Path("bitext_customer_support") / "bitext_train.csv.gz"
# Bitext's 27 intents onto ours; the rest are "other" (capped so they do not swamp the rest).
BITEXT_MAP = {
    "track_order": "order_status",
    "delivery_options": "delivery_question",
    "delivery_period": "delivery_question",
    "change_shipping_address": "delivery_question",
    "set_up_shipping_address": "delivery_question",
    "get_refund": "return",
    "check_refund_policy": "return",
    "track_refund": "return",
    "contact_human_agent": "human",
    "contact_customer_service": "human",
    "complaint": "human",
    "place_order": "checkout",
}
OTHER_PER_BITEXT_INTENT = 40
MAPPED_PER_BITEXT_INTENT = 80
SEED = 0
_PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    language: str
    source: str  # "bitext" | "own"


@dataclass(frozen=True)
class Prediction:
    intent: str
    confidence: float
    language: str


def _bitext(data_dir: Path) -> list[Example]:
    path = data_dir / BITEXT
    if not path.exists():
        return []
    by_intent: dict[str, list[str]] = defaultdict(list)
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            text = " ".join(_PLACEHOLDER.sub(" ", row["instruction"]).split())
            if text:
                by_intent[row["intent"]].append(text)
    out: list[Example] = []
    for name in sorted(by_intent):
        texts = sorted(set(by_intent[name]))
        ours = BITEXT_MAP.get(name, "other")
        cap = OTHER_PER_BITEXT_INTENT if ours == "other" else MAPPED_PER_BITEXT_INTENT
        # An even spread over the sorted texts: deterministic without a random generator.
        step = max(1, len(texts) // cap)
        out += [Example(t, ours, "en", "bitext") for t in texts[::step][:cap]]
    return out


def _own(paths: Iterable[Path]) -> list[Example]:
    out: list[Example] = []
    for path in sorted(paths):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                if item["intent"] not in INTENTS:
                    raise ValueError(f"{path.name}: unknown intent {item['intent']!r}")
                out.append(Example(item["text"], item["intent"], language_of(item["text"]), "own"))
    return out


def load_examples(data_dir: Path | None) -> list[Example]:
    """Every training example: Bitext (when ``data_dir`` holds it) and our own phrases."""
    own = _own(DATA_DIR.glob("*.jsonl"))
    return (_bitext(data_dir) if data_dir is not None else []) + own


def build() -> Pipeline:
    features = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=True
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    lowercase=True,
                    token_pattern=r"(?u)\b\w+\b",  # noqa: S106 (a regex, not a secret)
                ),
            ),
        ]
    )
    classifier = LogisticRegression(
        C=20.0, max_iter=3000, class_weight="balanced", random_state=SEED
    )
    return Pipeline([("features", features), ("classifier", classifier)])


class IntentModel:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.labels: list[str] = [str(x) for x in pipeline.classes_]

    @classmethod
    def train(cls, examples: Sequence[Example]) -> IntentModel:
        pipeline = build()
        pipeline.fit([e.text for e in examples], [e.intent for e in examples])
        return cls(pipeline)

    def predict(self, text: str) -> Prediction:
        """The likeliest intent and its probability (0..1)."""
        probabilities = self.pipeline.predict_proba([text])[0]
        best = int(probabilities.argmax())
        return Prediction(self.labels[best], float(probabilities[best]), language_of(text))

    def predict_many(self, texts: Sequence[str]) -> list[str]:
        return [str(x) for x in self.pipeline.predict(list(texts))]


def digest(examples: Sequence[Example]) -> str:
    h = hashlib.sha256(sklearn.__version__.encode())
    for e in examples:
        h.update(f"{e.intent}\t{e.text}\n".encode())
    return h.hexdigest()[:16]


_lock = threading.Lock()
_cached: dict[str, IntentModel] = {}


def cache_dir() -> Path:
    return Path(os.environ.get("OMNISHOP_BOT_CACHE", "var/bot"))


def load_or_train(data_dir: Path | None, *, cache: Path | None = None) -> IntentModel:
    """The model for this training data: from memory, from the disk cache, or trained now
    (and saved atomically, so parallel workers never read half a file)."""
    examples = load_examples(data_dir)
    key = digest(examples)
    with _lock:
        if key in _cached:
            return _cached[key]
        folder = cache or cache_dir()
        path = folder / f"intents-{key}.joblib"
        model: IntentModel | None = None
        if path.exists():
            try:
                # Our own file, written below from our own training run (not user input).
                model = IntentModel(joblib.load(path))
            except Exception:  # a truncated or foreign file: train again
                model = None
        if model is None:
            model = IntentModel.train(examples)
            _save(model.pipeline, folder, path)
        _cached.clear()
        _cached[key] = model
        return model


def _save(pipeline: Any, folder: Path, path: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        os.close(fd)
        joblib.dump(pipeline, tmp)
        os.replace(tmp, path)
    except OSError:  # a read-only disk: keep the model in memory only
        pass


def default_model() -> IntentModel:
    """The model trained on ``settings.data_dir`` (Bitext) and our phrases."""
    from omnishop.kernel.settings import get_settings

    return load_or_train(get_settings().data_dir)
