#!/usr/bin/env bash
# Set up everything that is missing (Debian packages, the pinned Python venv, the build, the
# default model bundles) and then run the main job: a medication question answered by the local
# model through our C++ runtime on ExecuTorch, streamed to the terminal. Safe to run again.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_apt_packages
ensure_venv
ensure_build
ensure_bundles

step "answer" "the local model answers a medication question"
# The default model, SmolLM2-135M-Instruct, answers in English only (docs/MODELS.md); a Korean
# question works the same way once a Korean-capable bundle is the default.
QUESTION="${1:-Can I drive after taking Tylenol?}"
echo "Q: $QUESTION"
"$BUILD/frontends/cli/dailydrug" --model "$BUNDLES/default" generate "$QUESTION" \
  --temperature 0 --max-tokens 160 --stats
