#!/usr/bin/env python3
"""Greedy token ids of one bundle on x86 (native) and on aarch64 (under qemu), compared.

Both runs are dd_greedy_ids (tests/arm64/greedy_ids.cpp) built from the same sources, one in the
x86 build tree and one in the aarch64 cross tree, on the same .pte. The ids must be equal. Where
they are not, the aarch64 binary is run again teacher-forced on the x86 ids, so that every step
sees the x86 run's context, and every step whose argmax differs must be a near-tie: the x86
run's token must be the aarch64 run's second best, with both runs' top-1/top-2 margins below
--near. Every such step is printed with its margins. And where both runs chose the same token on
the same context, its logit may differ by at most --max-drift: a kernel can be wrong and still
pick the same tokens for a while. Anything else fails.

  compare_greedy.py --x86 BIN --arm BIN --emulator "qemu-aarch64 -cpu max" \\
      --bundle DIR --prompt TEXT --steps N [--near 0.05] [--max-drift 0.5] [--min-distinct 2]
      [--report FILE]

--min-distinct guards against a comparison that cannot fail: a run that repeats one id (as a
broken kernel does) has fewer distinct ids than that. --report appends a markdown line.
"""
import argparse
import json
import shlex
import subprocess
import sys
import time


def run(cmd, label):
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    took = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"{label} run failed (exit {p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1]), took


def margin(top):
    return top[1] - top[3]


def logit_gap(a, b):
    """Largest difference of the chosen token's logit between two runs over the steps where
    both chose the same token on the same context: how far the two builds' numbers drift."""
    gaps = [(abs(x[1] - y[1]), k) for k, (x, y) in enumerate(zip(a["top"], b["top"]))
            if x[0] == y[0]]
    return max(gaps) if gaps else (0.0, -1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--x86", required=True)
    ap.add_argument("--arm", required=True)
    ap.add_argument("--emulator", required=True)
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--prompt", required=True)
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--near", type=float, default=0.05)
    ap.add_argument("--max-drift", type=float, default=0.5)
    ap.add_argument("--min-distinct", type=int, default=2)
    ap.add_argument("--report")
    a = ap.parse_args()

    base = [a.bundle, a.prompt, str(a.steps)]
    emu = shlex.split(a.emulator)
    x86, t_x86 = run([a.x86] + base, "x86")
    arm, t_arm = run(emu + [a.arm] + base, "aarch64")
    print(f"prompt ids: {x86['prompt_ids']}")
    print(f"x86     ids: {x86['ids']}  ({t_x86:.1f} s, {x86['threads']} threads)")
    print(f"aarch64 ids: {arm['ids']}  ({t_arm:.1f} s under {a.emulator})")
    if arm["prompt_ids"] != x86["prompt_ids"]:
        sys.exit("FAIL: the two builds tokenized the prompt differently")
    distinct = len(set(x86["ids"]))
    if len(x86["ids"]) != a.steps or distinct < a.min_distinct:
        sys.exit(f"FAIL: x86 run has {len(x86['ids'])} ids, {distinct} distinct "
                 f"(want {a.steps}, >= {a.min_distinct} distinct): nothing to compare")
    min_step = min(range(a.steps), key=lambda k: margin(x86["top"][k]))
    closest = (f"closest x86 step {min_step}: top-1/top-2 margin "
               f"{margin(x86['top'][min_step]):.4f}")

    if arm["ids"] == x86["ids"]:
        gap, at = logit_gap(x86, arm)
        if gap > a.max_drift:
            sys.exit(f"FAIL: equal ids, but a chosen token's logit differs by {gap:.4f} at step "
                     f"{at} (> {a.max_drift})")
        verdict = f"equal ({a.steps}/{a.steps} ids; logits differ by <= {gap:.4f})"
        print(f"PASS: {verdict}; {closest}")
    else:
        first = next(k for k in range(a.steps) if arm["ids"][k] != x86["ids"][k])
        print(f"the ids differ from step {first} on; teacher-forcing the aarch64 run on the "
              f"x86 ids")
        follow = ",".join(str(i) for i in x86["ids"])
        forced, _ = run(emu + [a.arm] + base + [follow], "aarch64 (forced)")
        bad, ties = [], []
        for k in range(a.steps):
            want, got = x86["ids"][k], forced["ids"][k]
            if want == got:
                continue
            mx, ma = margin(x86["top"][k]), margin(forced["top"][k])
            line = (f"step {k}: x86 {want} (margin {mx:.4f} over {x86['top'][k][2]}), "
                    f"aarch64 {got} (margin {ma:.4f} over {forced['top'][k][2]})")
            near = forced["top"][k][2] == want and x86["top"][k][2] == got
            (ties if near and mx < a.near and ma < a.near else bad).append(line)
        for line in ties:
            print("near-tie  " + line)
        for line in bad:
            print("NOT A TIE " + line)
        gap, at = logit_gap(x86, forced)
        print(f"largest difference of a chosen token's logit (teacher-forced): {gap:.4f} "
              f"at step {at}")
        if bad:
            sys.exit(f"FAIL: {len(bad)} step(s) differ by more than a near-tie (< {a.near})")
        if gap > a.max_drift:
            sys.exit(f"FAIL: a chosen token's logit differs by {gap:.4f} (> {a.max_drift})")
        verdict = (f"{len(ties)} step(s) differ, each a near-tie (< {a.near}); "
                   f"free-running ids equal up to step {first}; logits differ by <= {gap:.4f}")
        print(f"PASS: {verdict}; {closest}")
    if a.report:
        with open(a.report, "a", encoding="utf-8") as f:
            f.write(f"| {a.bundle} | {a.emulator} | {a.steps} | {verdict} | "
                    f"{margin(x86['top'][min_step]):.4f} | {t_x86:.1f} s | {t_arm:.1f} s |\n")


if __name__ == "__main__":
    main()
