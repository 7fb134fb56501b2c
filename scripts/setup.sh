#!/usr/bin/env bash
# Set up everything that is missing (Debian packages, the pinned Python venv, the build, the
# default model bundles) and then run the main job: a medication question answered by the local
# model through our C++ runtime on ExecuTorch, streamed to the terminal. Safe to run again.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_apt_packages
ensure_venv
ensure_kernels_module
start_bundles ensure_default_bundle
ensure_build
wait_bundles

step "answer" "the local model answers a medication question (dailydrug ask, default bundle)"
# The default bundle is Qwen2.5-Coder-0.5B-Instruct 4-bit, the only packaged model that writes
# Korean (docs/MODELS.md). `ask` answers from DailyDrug's medicine notes (triage, the direct
# answer, facts, warnings, referral); --model-text adds the local model's own sentences after the
# direct answer, each checked by the safety filter, the language check and the grounding check
# (off by default in the app: docs/ASSISTANT.md, "The model's part").
QUESTION="${1:-타이레놀 복용 후 운전해도 될까요?}"
echo "Q: $QUESTION"
"$BUILD/frontends/cli/dailydrug" --db "$CACHE/setup-demo.db" --model "$BUNDLES/default" \
  ask "$QUESTION" --model-text
