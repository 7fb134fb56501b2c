#include <algorithm>
#include <limits>

#include "dailydrug/llm/json_constraint.h"

namespace dailydrug::llm {

JsonConstraintStage::JsonConstraintStage(const TokenMask& mask, const Tokenizer& tokenizer,
                                         std::shared_ptr<const JsonGrammar> grammar,
                                         std::vector<TokenId> eos_ids)
    : mask_(mask),
      tokenizer_(tokenizer),
      matcher_(std::move(grammar)),
      eos_ids_(std::move(eos_ids)) {}

Result<std::span<const float>> JsonConstraintStage::apply(std::span<const float> logits) {
  const size_t n = mask_.allowed(matcher_, allowed_);
  const bool eos_ok = matcher_.can_end();
  if (n == 0 && !eos_ok) {
    return Error::generation_failed("constrained decoding",
                                    "no token of the vocabulary continues the JSON value");
  }
  constexpr float kMasked = -std::numeric_limits<float>::infinity();
  // One pass, a select per token (it vectorizes): ids past the tokenizer's are never allowed.
  masked_.resize(logits.size());
  const size_t n_known = std::min(logits.size(), allowed_.size());
  for (size_t i = 0; i < n_known; ++i) masked_[i] = allowed_[i] ? logits[i] : kMasked;
  std::fill(masked_.begin() + static_cast<std::ptrdiff_t>(n_known), masked_.end(), kMasked);
  for (TokenId eos : eos_ids_) {
    if (eos >= 0 && static_cast<size_t>(eos) < masked_.size()) {
      masked_[static_cast<size_t>(eos)] = eos_ok ? logits[static_cast<size_t>(eos)] : kMasked;
    }
  }
  return std::span<const float>(masked_);
}

Status JsonConstraintStage::accept(TokenId token) {
  if (!matcher_.advance(tokenizer_.token_bytes(token))) {
    return Error::generation_failed(
        "constrained decoding",
        "sampled token " + std::to_string(token) + " does not continue the JSON value");
  }
  return Status::Ok();
}

}  // namespace dailydrug::llm
