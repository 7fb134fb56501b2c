// Next-token sampling as a chain of small stages over one logits row:
//   repetition penalty -> temperature -> top-k -> top-p -> min-p -> draw.
// Temperature 0 is greedy (argmax of the penalised logits). The same seed and the same logits give
// the same tokens on every platform (std::mt19937_64 and our own uniform in [0, 1)).
//
// Thread-safety: a Sampler holds its RNG and scratch buffers; use one per generation/thread.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "dailydrug/llm/error.h"
#include "dailydrug/llm/tokenizer.h"

namespace dailydrug::llm {

struct SamplingConfig {
  float temperature = 0.7f;         // >= 0; 0 = greedy
  int32_t top_k = 40;               // <= 0 = off (whole vocabulary)
  float top_p = 0.9f;               // (0, 1]; 1 = off
  float min_p = 0.0f;               // [0, 1); 0 = off: drop tokens with p < min_p * p_max
  float repetition_penalty = 1.1f;  // >= 1 (CTRL-style: logit / rp if > 0 else logit * rp)
  int32_t repetition_window = 64;   // how many recent tokens the penalty looks at
  uint64_t seed = 0;                // 0 = a fresh random seed per Sampler

  /// Range checks, as ConfigurationInvalid(key, why).
  Status validate() const;
  bool operator==(const SamplingConfig&) const = default;
};

/// One candidate after filtering: token and its probability (renormalised over the survivors).
struct TokenProb {
  TokenId token;
  float prob;
};

class Sampler {
 public:
  explicit Sampler(const SamplingConfig& config);

  /// Pick the next token from `logits` ([vocab]); `recent` are the tokens the repetition
  /// penalty applies to (prompt and output so far; only the last `repetition_window` count).
  TokenId sample(std::span<const float> logits, std::span<const TokenId> recent);

  /// The filtered, renormalised distribution the draw is made from (for tests and logprobs),
  /// sorted by descending probability. Greedy gives the single argmax with p = 1.
  std::vector<TokenProb> distribution(std::span<const float> logits,
                                      std::span<const TokenId> recent);

  const SamplingConfig& config() const { return config_; }
  uint64_t seed() const { return seed_; }

 private:
  void apply_repetition_penalty(std::span<const TokenId> recent);
  SamplingConfig config_;
  uint64_t seed_;
  std::mt19937_64 rng_;
  std::vector<float> work_;  // penalised logits, [vocab]
  std::vector<TokenProb> candidates_;
};

}  // namespace dailydrug::llm
