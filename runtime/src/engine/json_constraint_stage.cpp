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
  masked_.assign(logits.begin(), logits.end());
  constexpr float kMasked = -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < masked_.size(); ++i) {
    if (i >= allowed_.size() || !allowed_[i]) masked_[i] = kMasked;
  }
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
