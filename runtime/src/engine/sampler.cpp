#include "dailydrug/llm/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

namespace dailydrug::llm {

Status SamplingConfig::validate() const {
  if (!(temperature >= 0.0f) || !std::isfinite(temperature) || temperature > 100.0f) {
    return Error::configuration_invalid("temperature", "must be in [0, 100]");
  }
  if (!(top_p > 0.0f && top_p <= 1.0f)) {
    return Error::configuration_invalid("top_p", "must be in (0, 1]");
  }
  if (!(min_p >= 0.0f && min_p < 1.0f)) {
    return Error::configuration_invalid("min_p", "must be in [0, 1)");
  }
  if (!(repetition_penalty >= 1.0f && repetition_penalty <= 10.0f)) {
    return Error::configuration_invalid("repetition_penalty", "must be in [1, 10]");
  }
  if (repetition_window < 0) {
    return Error::configuration_invalid("repetition_window", "must be >= 0");
  }
  return Status::Ok();
}

Sampler::Sampler(const SamplingConfig& config)
    : config_(config),
      seed_(config.seed != 0 ? config.seed : std::random_device{}()),
      rng_(seed_) {}

void Sampler::apply_repetition_penalty(std::span<const TokenId> recent) {
  const float rp = config_.repetition_penalty;
  if (rp == 1.0f || config_.repetition_window == 0) return;
  const size_t window = std::min(recent.size(), static_cast<size_t>(config_.repetition_window));
  std::unordered_set<TokenId> seen(recent.end() - static_cast<ptrdiff_t>(window), recent.end());
  for (TokenId t : seen) {
    if (t < 0 || static_cast<size_t>(t) >= work_.size()) continue;
    float& l = work_[static_cast<size_t>(t)];
    l = l > 0 ? l / rp : l * rp;  // each token once, however often it occurred
  }
}

std::vector<TokenProb> Sampler::distribution(std::span<const float> logits,
                                             std::span<const TokenId> recent) {
  work_.assign(logits.begin(), logits.end());
  apply_repetition_penalty(recent);
  candidates_.clear();
  if (work_.empty()) return {};

  if (config_.temperature == 0.0f) {
    const auto best = std::max_element(work_.begin(), work_.end()) - work_.begin();
    return {{static_cast<TokenId>(best), 1.0f}};
  }

  // Temperature, then top-k by partial sort (k << vocab is the common case).
  const float inv_t = 1.0f / config_.temperature;
  const size_t vocab = work_.size();
  size_t k = config_.top_k > 0 ? std::min(vocab, static_cast<size_t>(config_.top_k)) : vocab;
  candidates_.resize(vocab);
  for (size_t i = 0; i < vocab; ++i) {
    candidates_[i] = {static_cast<TokenId>(i), work_[i] * inv_t};  // prob holds the scaled logit
  }
  auto by_logit = [](const TokenProb& a, const TokenProb& b) {
    return a.prob > b.prob || (a.prob == b.prob && a.token < b.token);
  };
  if (k < vocab) {
    std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<ptrdiff_t>(k),
                      candidates_.end(), by_logit);
    candidates_.resize(k);
  } else {
    std::sort(candidates_.begin(), candidates_.end(), by_logit);
  }

  // Softmax over the survivors (max-subtracted for stability; -inf logits get p = 0).
  const float max_logit = candidates_.front().prob;
  double sum = 0;
  for (auto& c : candidates_) {
    c.prob = std::isfinite(c.prob) ? std::exp(c.prob - max_logit) : 0.0f;
    sum += c.prob;
  }
  for (auto& c : candidates_) c.prob = static_cast<float>(c.prob / sum);
  // Tokens masked out (-inf, e.g. by constrained decoding) can never be drawn, not even by
  // rounding at the end of the cumulative sum. The front is the maximum and always stays.
  std::erase_if(candidates_, [](const TokenProb& c) { return c.prob <= 0.0f; });
  if (candidates_.empty()) candidates_.push_back({0, 1.0f});  // unreachable: front has p > 0

  // Top-p: the smallest prefix whose mass reaches top_p (always at least one token).
  if (config_.top_p < 1.0f) {
    double mass = 0;
    size_t keep = 0;
    while (keep < candidates_.size()) {
      mass += candidates_[keep].prob;
      ++keep;
      if (mass >= config_.top_p) break;
    }
    candidates_.resize(keep);
  }
  // Min-p: drop tokens less likely than min_p times the most likely one.
  if (config_.min_p > 0.0f) {
    const float floor = config_.min_p * candidates_.front().prob;
    auto end = std::find_if(candidates_.begin(), candidates_.end(),
                            [floor](const TokenProb& c) { return c.prob < floor; });
    candidates_.erase(end, candidates_.end());
  }
  double kept = 0;
  for (const auto& c : candidates_) kept += c.prob;
  for (auto& c : candidates_) c.prob = static_cast<float>(c.prob / kept);
  return candidates_;
}

TokenId Sampler::sample(std::span<const float> logits, std::span<const TokenId> recent) {
  const auto dist = distribution(logits, recent);
  if (dist.size() == 1) return dist.front().token;
  // Uniform in [0, 1) from 53 random bits: identical on every standard library.
  const double u = static_cast<double>(rng_() >> 11) * (1.0 / 9007199254740992.0);
  double acc = 0;
  for (const auto& c : dist) {
    acc += c.prob;
    if (u < acc) return c.token;
  }
  return dist.back().token;
}

}  // namespace dailydrug::llm
