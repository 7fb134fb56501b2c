// dd_greedy_ids: greedy (argmax) decoding of a bundle's program through our runtime
// (ExecutorchModel), with the two best logits of every step, as JSON on stdout. Built in every
// tree: tests/python/compare_greedy.py runs the x86 build natively and the aarch64 build under
// qemu on the same .pte and compares the ids.
//
//   dd_greedy_ids BUNDLE_DIR PROMPT STEPS [FOLLOW]
//
// FOLLOW ("3,17,42"): teacher forcing. Step k feeds FOLLOW[k-1] instead of this run's own
// choice, so every step is computed on the same context as the run FOLLOW came from, and a
// differing argmax can be compared with that run's logits at that very step.
// Output: {"prompt_ids": [...], "ids": [argmax per step], "top": [[id1, logit1, id2, logit2], ...]}
// Exit 1 (with the error on stderr) when the bundle cannot be loaded or a step fails.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/model.h"
#include "dailydrug/llm/tokenizer.h"

namespace {

using namespace dailydrug::llm;

int fail(const std::string& what) {
  std::cerr << "dd_greedy_ids: " << what << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return fail("usage: dd_greedy_ids BUNDLE_DIR PROMPT STEPS [FOLLOW]");
  const int steps = std::stoi(argv[3]);
  std::vector<TokenId> follow;
  if (argc > 4) {
    std::stringstream in(argv[4]);
    for (std::string item; std::getline(in, item, ',');) follow.push_back(std::stoi(item));
  }

  auto bundle = ModelBundle::open(argv[1]);
  if (!bundle.ok()) return fail(bundle.error().message());
  auto tok = load_tokenizer(bundle->tokenizer_path());
  if (!tok.ok()) return fail(tok.error().message());
  ModelLoadOptions opts;
  opts.data_files = bundle->data_paths();
  auto model = ExecutorchModel::load(bundle->program_path(), opts);
  if (!model.ok()) return fail(model.error().message());

  auto prompt = (*tok)->encode(argv[2], true);
  if (!prompt.ok()) return fail(prompt.error().message());
  std::vector<TokenId> feed = *prompt;
  if (const auto bos = (*tok)->bos_id(); bos && (feed.empty() || feed.front() != *bos)) {
    feed.insert(feed.begin(), *bos);
  }
  const int64_t per_call = (*model)->metadata().max_tokens_per_call;

  nlohmann::json out;
  out["prompt_ids"] = feed;
  out["threads"] = ExecutorchModel::num_threads();
  nlohmann::json ids = nlohmann::json::array(), top = nlohmann::json::array();
  int64_t pos = 0;
  for (int step = 0; step < steps; ++step) {
    // Prefill in chunks the program accepts; the logits are those of the chunk's last token.
    std::span<const float> logits;
    for (size_t at = 0; at < feed.size();) {
      const size_t n = std::min<size_t>(feed.size() - at, static_cast<size_t>(per_call));
      auto r = (*model)->forward(std::span<const TokenId>(feed.data() + at, n), pos);
      if (!r.ok()) return fail("step " + std::to_string(step) + ": " + r.error().message());
      logits = *r;
      pos += static_cast<int64_t>(n);
      at += n;
    }
    // The two best: first by logit, ties to the lower id, as the runtime's greedy sampler does.
    size_t best = 0, second = logits.size() > 1 ? 1 : 0;
    if (logits[second] > logits[best]) std::swap(best, second);
    for (size_t i = 2; i < logits.size(); ++i) {
      if (logits[i] > logits[best]) {
        second = best;
        best = i;
      } else if (logits[i] > logits[second]) {
        second = i;
      }
    }
    ids.push_back(best);
    top.push_back({best, logits[best], second, logits[second]});
    const TokenId next =
        step < static_cast<int>(follow.size()) ? follow[step] : static_cast<TokenId>(best);
    feed.assign(1, next);
  }
  out["ids"] = ids;
  out["top"] = top;
  std::cout << out.dump() << "\n";
  return 0;
}
