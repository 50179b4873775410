"""The chat bot's intent model on a held-out split: accuracy per language, macro-F1, a
confusion matrix, training time and inference latency; figures appended to bench/RESULTS.md.

    .venv/bin/python bench/intents.py [--data-dir ../shared/data] [--test-size 0.25] [--no-save]

The split is stratified by (intent, language) with a fixed seed; Bitext's utterances are the
English side, bot/data/ru.jsonl the Russian one (bot/data/en_extra.jsonl adds English phrases
for the intents Bitext lacks).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script, too

from bench import results
from omnishop.conversations.bot import rules
from omnishop.conversations.bot.intents import (
    SEED,
    Example,
    IntentModel,
    load_examples,
)


def split(examples: list[Example], test_size: float) -> tuple[list[Example], list[Example]]:
    strata = [f"{e.intent}/{e.language}" for e in examples]
    counts = Counter(strata)
    # A stratum of one cannot be split: it goes to training.
    single = [e for e, s in zip(examples, strata, strict=True) if counts[s] < 2]
    rest = [e for e, s in zip(examples, strata, strict=True) if counts[s] >= 2]
    train, test = train_test_split(
        rest,
        test_size=test_size,
        random_state=SEED,
        stratify=[f"{e.intent}/{e.language}" for e in rest],
    )
    return [*single, *train], list(test)


def matrix_text(labels: list[str], truth: list[str], guess: list[str]) -> str:
    grid = confusion_matrix(truth, guess, labels=labels)
    short = [label[:6] for label in labels]
    width = max(len(x) for x in labels)
    head = " " * (width + 1) + " ".join(f"{s:>6}" for s in short)
    rows = [
        f"{label:<{width}} " + " ".join(f"{int(n):>6}" for n in row)
        for label, row in zip(labels, grid, strict=True)
    ]
    return "\n".join([head, *rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--test-size", type=float, default=0.25)
    parser.add_argument("--no-save", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()

    examples = load_examples(args.data_dir)
    train, test = split(examples, args.test_size)
    started = time.perf_counter()
    model = IntentModel.train(train)
    train_seconds = time.perf_counter() - started

    truth = [e.intent for e in test]
    guess = model.predict_many([e.text for e in test])
    # The bot's decision is the rules first, then the model: measure that too.
    decided = [rules.understand(e.text, g, 1.0).intent for e, g in zip(test, guess, strict=True)]
    labels = [x for x in rules.INTENTS if x in set(truth) | set(guess)]

    def accuracy(language: str | None, predicted: list[str]) -> tuple[float, int]:
        pairs = [
            (t, p)
            for e, t, p in zip(test, truth, predicted, strict=True)
            if language is None or e.language == language
        ]
        return (sum(t == p for t, p in pairs) / len(pairs) if pairs else 0.0), len(pairs)

    latencies = []
    for e in test[:300]:
        t0 = time.perf_counter()
        model.predict(e.text)
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]

    def by_language(items: list[Example]) -> str:
        counts = Counter(e.language for e in items)
        return f"{len(items)} (" + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + ")"

    figures: dict[str, str] = {
        "training examples": by_language(train),
        "held-out examples": by_language(test),
    }
    for language in (None, "en", "ru"):
        acc, n = accuracy(language, guess)
        with_rules, _ = accuracy(language, decided)
        name = language or "all"
        figures[f"accuracy {name} (model / rules+model)"] = f"{acc:.3f} / {with_rules:.3f} (n={n})"
    figures["macro-F1 (model)"] = f"{f1_score(truth, guess, average='macro'):.3f}"
    figures["macro-F1 (rules+model)"] = f"{f1_score(truth, decided, average='macro'):.3f}"
    figures["training time"] = f"{train_seconds:.2f} s"
    figures["inference p50 / p99 (one message)"] = f"{p50:.2f} ms / {p99:.2f} ms"
    figures["load average (1 min)"] = f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"

    for name, value in figures.items():
        print(f"{name:>40}: {value}")
    print("\nconfusion matrix (rows: truth, columns: model)")
    print(matrix_text(labels, truth, guess))
    per_class = f1_score(truth, guess, labels=labels, average=None)
    print("\nF1 per intent:")
    for label, f1 in zip(labels, per_class, strict=True):
        print(f"  {label:<18} {f1:.3f}")
    if not args.no_save:
        results.append("Chat bot intents (bench/intents.py)", figures)


if __name__ == "__main__":
    main()
