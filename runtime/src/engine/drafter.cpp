#include "dailydrug/llm/drafter.h"

#include <algorithm>

namespace dailydrug::llm {

PromptLookupDrafter::PromptLookupDrafter(DraftSettings settings) : settings_(settings) {
  settings_.min_ngram = std::max<size_t>(1, settings_.min_ngram);
  settings_.max_ngram = std::max(settings_.max_ngram, settings_.min_ngram);
}

void PromptLookupDrafter::propose(std::span<const TokenId> context, size_t max_tokens,
                                  std::vector<TokenId>& out) const {
  out.clear();
  const size_t len = context.size();
  if (max_tokens == 0 || len < 2) return;
  for (size_t n = std::min(settings_.max_ngram, len - 1); n >= settings_.min_ngram; --n) {
    const auto suffix = context.subspan(len - n);
    // Latest occurrence first: the nearest context is the likeliest to continue the same way.
    // The match must end before the suffix itself (start + n < len) and leave a token after it.
    for (size_t start = len - n; start-- > 0;) {
      if (!std::equal(suffix.begin(), suffix.end(),
                      context.begin() + static_cast<ptrdiff_t>(start))) {
        continue;
      }
      const size_t from = start + n;
      const size_t count = std::min(max_tokens, len - from);
      out.assign(context.begin() + static_cast<ptrdiff_t>(from),
                 context.begin() + static_cast<ptrdiff_t>(from + count));
      return;
    }
    if (n == 1) break;
  }
}

}  // namespace dailydrug::llm
