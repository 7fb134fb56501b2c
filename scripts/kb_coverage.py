#!/usr/bin/env python3
"""Counts of the assistant's knowledge base (app/data/medicine_facts.json) for docs/ASSISTANT.md:
medicines, categories, facts, interaction rules, and per topic how many medicines have a fact of
their own and how many have one of their own or of one of their classes (the rest get the rule for
any medicine). --missing TOPIC lists the medicines that have neither.

usage: scripts/kb_coverage.py [FILE] [--missing TOPIC]"""
import json
import sys

TOPICS = ["use", "driving", "alcohol", "food", "side_effects", "serious", "interactions",
          "pregnancy", "breastfeeding", "children", "elderly", "missed_dose", "double_dose",
          "stopping", "dose_change", "storage", "kidney_liver", "disposal", "crushing",
          "pregnancy_exposure"]


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    missing = argv[argv.index("--missing") + 1] if "--missing" in argv else None
    if missing:
        args.remove(missing)
    path = args[0] if args else "app/data/medicine_facts.json"
    with open(path, encoding="utf-8") as f:
        kb = json.load(f)
    cats = {c["id"]: c for c in kb["categories"]}
    meds = kb["medicines"]
    print(f"medicines {len(meds)}, {sum(len(m['facts']) for m in meds)} facts")
    print(f"categories {len(cats)}, {sum(len(c['facts']) for c in cats.values())} facts")
    print(f"rules for any medicine {len(kb['general']['facts'])}")
    print(f"interaction rules {len(kb['interactions'])}")
    print(f"{'topic':14s} {'own':>4s} {'own or class':>12s}")
    for t in TOPICS:
        own = cover = 0
        lacking = []
        for m in meds:
            mine = any(f["topic"] == t for f in m["facts"])
            theirs = any(f["topic"] == t for c in m.get("classes", []) for f in cats[c]["facts"])
            own += mine
            cover += mine or theirs
            if not (mine or theirs):
                lacking.append(m["id"])
        print(f"{t:14s} {own:4d} {cover:12d}")
        if t == missing:
            print("  without:", " ".join(lacking))


if __name__ == "__main__":
    main(sys.argv[1:])
