#!/usr/bin/env python3
"""Trains triage's second opinion (app/src/triage_model.h) and writes app/data/triage_model.tsv.

A logistic regression over TF-IDF vectors of character 1- to 3-grams (code points) of a message
lower-cased (ASCII only, as the C++ side does) with all white space removed. It learns from
messages outside authors wrote, nothing else: every message of the triage probes' dev parts
(emergencies and look-alikes), every non-emergency question of the assistant's dev sets, and 600
everyday medication questions an outside writer wrote for this model alone
(tools/triage/ordinary_questions.json, tools/triage/README.md). Sealed, blind and held-out sets
are never read.

The regularisation C and the threshold were chosen by leaving each probe round out in turn (with
its ordinary dev questions and a quarter of the ordinary corpus) on these messages only, as the
highest recall that keeps false alarms on held-out ordinary questions near 1 %: at C = 10 and a
decision value over 0.5, 301 of 480 emergencies (63 %), 0 of 218 look-alikes, 1 of 135 ordinary
dev questions and 5 of 600 corpus questions (docs/ASSISTANT.md, "Triage").

    .venv/bin/python tools/triage/train_triage_model.py           # write the table
    .venv/bin/python tools/triage/train_triage_model.py --check   # fail if it is out of date
    .venv/bin/python tools/triage/train_triage_model.py --cv      # the leave-one-round-out figures

The table: comment lines start with '#'; "intercept", "threshold" and "check" lines (a message
and the decision value scikit-learn gives it, which the C++ tests compare with), then one line
per n-gram of the vocabulary: the n-gram, its idf, its weight.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests/data/assistant"
OUT = ROOT / "app/data/triage_model.tsv"
ORDINARY = Path(__file__).resolve().parent / "ordinary_questions.json"
# (probe round, the ordinary dev questions held out with it in --cv)
ROUNDS = [("triage-dev", "dev"), ("triage-dev2", "dev2"), ("triage-dev3", "dev3"),
          ("triage-dev4", "dev4")]
C = 10.0
THRESHOLD = 0.5
CHECKS = ["숨이 안 쉬어지고 입술이 부었어요", "타이레놀 먹고 운전해도 되나요?",
          "아이가 할머니 약을 먹은 것 같아요", "I missed my blood pressure pill this morning",
          "my chest feels tight after the new pill"]


def normalise(text: str) -> str:
    """ASCII letters lower-cased, ASCII white space removed: ascii_lower_without_spaces() in C++."""
    text = "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in text)
    return re.sub(r"[ \t\n\v\f\r]+", "", text)


def load_round(probes: str, ordinary: str) -> list[tuple[str, int]]:
    rows = []
    for case in json.loads((CASES / f"{probes}.json").read_text(encoding="utf-8")):
        rows.append((normalise(case["question"]), 1 if case["emergency"] else 0))
    for case in json.loads((CASES / f"{ordinary}.json").read_text(encoding="utf-8")):
        if not case.get("emergency"):
            rows.append((normalise(case["question"]), 0))
    return rows


def load_ordinary() -> list[tuple[str, int]]:
    return [(normalise(q["text"]), 0) for q in json.loads(ORDINARY.read_text(encoding="utf-8"))]


def train(rows: list[tuple[str, int]]):
    # lowercase=False: normalise() already did what the C++ side can do.
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True,
                                 lowercase=False)
    x = vectorizer.fit_transform([text for text, _ in rows])
    model = LogisticRegression(C=C, max_iter=5000)
    model.fit(x, [label for _, label in rows])
    return vectorizer, model


def table(vectorizer, model) -> str:
    lines = ["# triage's second opinion: made by tools/triage/train_triage_model.py; do not edit",
             f"intercept\t{model.intercept_[0]:.7g}", f"threshold\t{THRESHOLD:.9g}"]
    scores = model.decision_function(vectorizer.transform([normalise(t) for t in CHECKS]))
    lines += [f"check\t{score:.7g}\t{text}" for text, score in zip(CHECKS, scores)]
    weights = model.coef_[0]
    for gram, column in sorted(vectorizer.vocabulary_.items()):
        if "\t" in gram or "\n" in gram:
            continue  # normalise() leaves neither
        lines.append(f"{gram}\t{vectorizer.idf_[column]:.7g}\t{weights[column]:.7g}")
    return "\n".join(lines) + "\n"


def parse(text: str) -> dict:
    out = {"grams": {}, "check": {}}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        if fields[0] in ("intercept", "threshold"):
            out[fields[0]] = float(fields[1])
        elif fields[0] == "check":
            out["check"][fields[2]] = float(fields[1])
        else:
            out["grams"][fields[0]] = (float(fields[1]), float(fields[2]))
    return out


def differs(committed: dict, fresh: dict) -> str:
    """What differs beyond the solver's tolerance (another scikit-learn or BLAS may move the
    weights in their last digits), or "" when the committed table is what the data gives."""
    if committed["grams"].keys() != fresh["grams"].keys():
        return "another vocabulary"
    if committed["threshold"] != fresh["threshold"] or committed["check"].keys() != fresh["check"].keys():
        return "another threshold or other check messages"
    if abs(committed["intercept"] - fresh["intercept"]) > 1e-3:
        return "another intercept"
    for gram, (idf, weight) in fresh["grams"].items():
        old_idf, old_weight = committed["grams"][gram]
        if abs(old_idf - idf) > 1e-6 * idf or abs(old_weight - weight) > 1e-3:
            return f"another weight for {gram!r}"
    return ""


def cross_validate() -> None:
    """Each probe round held out in turn, with its ordinary dev questions and a quarter of the
    ordinary corpus."""
    ordinary = load_ordinary()
    rounds = [load_round(*r) + ordinary[i::len(ROUNDS)] for i, r in enumerate(ROUNDS)]
    held_out_scores = []  # (label, score) of every message, scored by the model without its round
    for held_out in range(len(rounds)):
        rows = [row for i, r in enumerate(rounds) if i != held_out for row in r]
        vectorizer, model = train(rows)
        test = rounds[held_out]
        scores = model.decision_function(vectorizer.transform([t for t, _ in test]))
        held_out_scores += [(label, score) for (_, label), score in zip(test, scores)]
    emergencies = [score for label, score in held_out_scores if label]
    others = [score for label, score in held_out_scores if not label]
    for threshold in (0.0, 0.25, 0.5, 0.75, 1.0, 1.25):
        caught = sum(score > threshold for score in emergencies)
        alarms = sum(score > threshold for score in others)
        print(f"threshold {threshold}: {caught}/{len(emergencies)} emergencies, "
              f"{alarms}/{len(others)} false alarms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the table is out of date")
    parser.add_argument("--cv", action="store_true", help="leave-one-round-out figures")
    args = parser.parse_args()
    if args.cv:
        cross_validate()
        return 0
    rows = [row for r in ROUNDS for row in load_round(*r)] + load_ordinary()
    text = table(*train(rows))
    if args.check:
        problem = differs(parse(OUT.read_text(encoding="utf-8")), parse(text))
        if problem:
            print(f"{OUT.relative_to(ROOT)} is out of date ({problem}): run {Path(__file__).name}",
                  file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(text.splitlines())} lines from {len(rows)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
