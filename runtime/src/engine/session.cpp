#include "dailydrug/llm/session.h"

#include <algorithm>

namespace dailydrug::llm {

StopCondition StopCondition::of(int64_t timeout_ms, const CancelTokenPtr& cancel,
                                std::chrono::steady_clock::time_point start) {
  StopCondition s;
  s.cancel = cancel.get();
  s.timeout_ms = timeout_ms;
  if (timeout_ms > 0) s.deadline = start + std::chrono::milliseconds(timeout_ms);
  if (cancel && cancel->deadline() && *cancel->deadline() < s.deadline) {
    s.deadline = *cancel->deadline();
    s.timeout_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(s.deadline - start).count();
  }
  return s;
}

Session::Session(ExecutorchModel& model, int64_t context_limit, int64_t chunk)
    : model_(model), context_limit_(context_limit), chunk_(std::max<int64_t>(1, chunk)) {}

void Session::set_limits(int64_t context_limit, int64_t chunk) {
  context_limit_ = context_limit;
  chunk_ = std::max<int64_t>(1, chunk);
}

void Session::reset() {
  tokens_.clear();
  logits_ = {};
  verify_rows_ = {};
}

Status Session::seek(size_t position) {
  if (position > tokens_.size()) {
    return Error::configuration_invalid(
        "position", "past the " + std::to_string(tokens_.size()) + " tokens in the cache");
  }
  tokens_.resize(position);
  logits_ = {};
  verify_rows_ = {};
  return Status::Ok();
}

size_t Session::keep_prefix(const std::vector<TokenId>& prompt) {
  size_t keep = 0;
  while (keep < tokens_.size() && keep < prompt.size() && tokens_[keep] == prompt[keep]) ++keep;
  keep = std::min(keep, prompt.empty() ? 0 : prompt.size() - 1);
  tokens_.resize(keep);
  logits_ = {};
  verify_rows_ = {};
  return keep;
}

void Session::adopt(std::span<const TokenId> prefix) {
  tokens_.assign(prefix.begin(), prefix.end());
  logits_ = {};
  verify_rows_ = {};
}

Result<bool> Session::prefill(std::span<const TokenId> tokens, const StopCondition& stop,
                              int32_t* calls) {
  const auto total = static_cast<int64_t>(tokens_.size() + tokens.size());
  if (total > context_limit_) return Error::context_length_exceeded(context_limit_, total);
  const auto chunk = static_cast<size_t>(chunk_);
  verify_rows_ = {};
  for (size_t at = 0; at < tokens.size(); at += chunk) {
    // A long prompt is many calls: honour the token and the deadline between them.
    if (stop.cancelled()) return false;
    if (stop.timed_out()) return Error::generation_timeout(stop.timeout_ms);
    const auto piece = tokens.subspan(at, std::min(chunk, tokens.size() - at));
    auto r = model_.forward(piece, static_cast<int64_t>(tokens_.size()));
    if (calls) ++*calls;
    if (!r.ok()) {
      logits_ = {};
      return r.take_error();
    }
    tokens_.insert(tokens_.end(), piece.begin(), piece.end());
    logits_ = *r;
  }
  return true;
}

Status Session::step(TokenId token) {
  const auto total = static_cast<int64_t>(tokens_.size()) + 1;
  if (total > context_limit_) return Error::context_length_exceeded(context_limit_, total);
  verify_rows_ = {};
  auto r =
      model_.forward(std::span<const TokenId>(&token, 1), static_cast<int64_t>(tokens_.size()));
  if (!r.ok()) {
    logits_ = {};
    return r.take_error();
  }
  tokens_.push_back(token);
  logits_ = *r;
  return Status::Ok();
}

Result<std::span<const float>> Session::verify(std::span<const TokenId> tokens) {
  const auto rows = model_.metadata().logits_rows;
  if (tokens.empty() || static_cast<int64_t>(tokens.size()) > rows) {
    return Error::configuration_invalid("tokens", "verify takes 1.." + std::to_string(rows) +
                                                      " tokens, got " +
                                                      std::to_string(tokens.size()));
  }
  const auto total = static_cast<int64_t>(tokens_.size() + tokens.size());
  if (total > context_limit_) return Error::context_length_exceeded(context_limit_, total);
  verify_rows_ = {};
  auto r = model_.forward_rows(tokens, static_cast<int64_t>(tokens_.size()));
  if (!r.ok()) {
    logits_ = {};
    return r.take_error();
  }
  verify_start_ = tokens_.size();
  tokens_.insert(tokens_.end(), tokens.begin(), tokens.end());
  verify_rows_ = *r;
  const auto vocab = static_cast<size_t>(model_.metadata().vocab_size);
  logits_ = verify_rows_.subspan(verify_rows_.size() - vocab);
  return verify_rows_;
}

Status Session::accept(size_t position) {
  const auto vocab = static_cast<size_t>(model_.metadata().vocab_size);
  if (verify_rows_.empty() || position <= verify_start_ || position > tokens_.size()) {
    return Error::configuration_invalid("position",
                                        std::to_string(position) +
                                            " does not end within the tokens of the last "
                                            "verify()");
  }
  tokens_.resize(position);
  logits_ = verify_rows_.subspan((position - verify_start_ - 1) * vocab, vocab);
  return Status::Ok();
}

}  // namespace dailydrug::llm
