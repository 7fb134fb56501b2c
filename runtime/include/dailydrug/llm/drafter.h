// PromptLookupDrafter: proposes the tokens that may come next by prompt lookup (n-gram matching):
// it finds the most recent earlier occurrence of the last n tokens of the text so far (prompt and
// output), longest n first, and proposes the tokens that followed it there. Answers that restate
// facts from the prompt (DailyDrug's assistant) repeat long runs of it, which is where such drafts
// are accepted. The drafter only proposes; Runner::generate verifies a draft with the model.
//
// Stateless apart from its settings; safe to share between threads.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "dailydrug/llm/tokenizer.h"

namespace dailydrug::llm {

struct DraftSettings {
  size_t max_ngram = 3;  // longest suffix looked up
  // Shortest suffix looked up (1..max_ngram). One-token matches are mostly wrong guesses, and a
  // rejected draft is not free (a verify call of 2-5 tokens costs 1.3-1.5 one-token steps on the
  // 0.5B bundle): with 2, chat decodes ~34 % faster and the assistant workload, where drafts
  // rarely match, loses ~1 % instead of ~9 % (docs/BENCHMARKS.md, "Speculative decoding").
  size_t min_ngram = 2;
};

class PromptLookupDrafter {
 public:
  explicit PromptLookupDrafter(DraftSettings settings = {});

  /// Up to `max_tokens` tokens that followed the most recent earlier occurrence of the longest
  /// suffix of `context` (max_ngram down to min_ngram tokens) found earlier in it; empty when
  /// none occurs or max_tokens is 0. `out` is overwritten (kept as a buffer across calls).
  void propose(std::span<const TokenId> context, size_t max_tokens,
               std::vector<TokenId>& out) const;

  const DraftSettings& settings() const { return settings_; }

 private:
  DraftSettings settings_;
};

}  // namespace dailydrug::llm
