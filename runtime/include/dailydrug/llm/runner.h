// Runner: text generation on one ExecutorchModel + Tokenizer, with a prefix-reusing KV cache.
//
//   prompt -> chat template -> tokens -> [reuse the cached prefix] -> chunked prefill
//          -> decode loop (sampler chain, stream UTF-8-safe text, stop on EOS / stop string /
//             limit, cancel, timeout) -> response with usage, and stats through a callback.
//
// Its parts: the conversation's KV state is a Session (session.h); the decode loop draws through
// a sampler chain in which the JSON constraint (JsonConstraintStage) is one stage before the
// Sampler; generate() is that loop, and the step API (feed_text / next_token / seek / reset)
// drives the same Session a token at a time. A new prompt that starts with tokens already in
// the cache (a fixed system prompt, or what the step API fed) prefills only the rest.
// Thread-safety: generate()/reset() are serialised internally (one generation at a time); a
// request's CancelToken may be cancelled from any thread and takes effect within one token or
// one prefill chunk.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dailydrug/llm/cancel.h"
#include "dailydrug/llm/chat_template.h"
#include "dailydrug/llm/drafter.h"
#include "dailydrug/llm/error.h"
#include "dailydrug/llm/json_constraint.h"
#include "dailydrug/llm/model.h"
#include "dailydrug/llm/sampler.h"
#include "dailydrug/llm/session.h"
#include "dailydrug/llm/tokenizer.h"

namespace dailydrug::llm {

/// Shaped like DailyDrug's LlmRequest, plus what a local runtime can honour.
struct GenerationRequest {
  std::string prompt;                            // the user's message (or the full text if raw)
  std::vector<std::string> system_instructions;  // joined with "\n"; empty = bundle default
  std::vector<ChatMessage> history;              // earlier turns, oldest first (optional)
  bool raw = false;                              // true: prompt is used as-is, no chat template
  std::optional<float> temperature;              // unset = bundle default
  std::optional<int32_t> top_k;
  std::optional<float> top_p;
  std::optional<float> min_p;
  std::optional<float> repetition_penalty;
  std::optional<uint64_t> seed;              // same seed, same prompt -> same text
  std::optional<int32_t> max_output_tokens;  // unset = bundle max_tokens; clamped to context
  std::vector<std::string> stop;             // extra stop strings
  int64_t timeout_ms = 30000;                // wall clock for the whole call; 0 = none
  /// Constrained decoding: when set, the reply is a JSON value valid against this JSON Schema
  /// (the subset in json_constraint.h); every sampled token keeps the text a valid prefix, and
  /// generation ends when the value is complete (stop strings are not applied: the grammar
  /// decides the end). finish_reason kLength means the budget ran out before the value closed.
  /// Unsupported schema -> ConfigurationInvalid("json_schema", why).
  std::optional<std::string> json_schema;
  /// The caller's stop for this request (null = none): checked before the prefill, between
  /// prefill chunks and before every decoded token. A cancelled token ends the call with
  /// finish_reason kCancelled and the text so far; a token whose deadline passed ends it with
  /// GenerationTimeout, like timeout_ms.
  CancelTokenPtr cancel;
  /// Prompt-lookup speculative decoding (docs/RUNTIME.md, "Speculative decoding"): draft tokens
  /// from earlier text and verify several in one forward call. Used only where it cannot change
  /// the output: greedy sampling (temperature 0; the repetition penalty and the json_schema
  /// constraint are applied per drafted position) and a program that returns several rows of
  /// logits (bundles exported with logits_rows > 1). false = one forward call per token.
  bool speculative = true;
};

struct Usage {
  int32_t input_tokens = 0;
  int32_t output_tokens = 0;
  int32_t total_tokens = 0;
};

enum class FinishReason { kStop, kLength, kCancelled };
std::string_view to_string(FinishReason reason);

/// Shaped like DailyDrug's LlmResponse.
struct GenerationResponse {
  std::string text;  // special tokens removed, newlines and bullets kept
  Usage usage;
  FinishReason finish_reason = FinishReason::kStop;
  std::vector<TokenId> output_ids;  // generated ids, including a final EOS if one was sampled
  uint64_t seed = 0;                // the seed actually used
};

struct GenerationStats {
  double load_ms = 0;  // how long loading this runner took (program, tokenizer), once
  int32_t prompt_tokens = 0;
  int32_t reused_prefix_tokens = 0;    // prompt tokens whose KV came from the cache
  int32_t restored_prefix_tokens = 0;  // of those, restored from a prefix snapshot file
  int32_t generated_tokens = 0;
  double ttft_ms = 0;         // request start -> first token sampled
  double prefill_ms = 0;      // the prefill forward calls
  int32_t prefill_calls = 0;  // how many forward calls the prefill took (chunks)
  double decode_ms = 0;       // first token -> last token
  double prefill_tokens_per_s = 0;
  double decode_tokens_per_s = 0;
  int64_t peak_rss_kb = 0;  // process high-water mark (VmHWM)
  // Speculative decoding (0 when it was not used): tokens the drafter proposed and ran through
  // verification, how many of them the model confirmed, and the verifying forward calls.
  int32_t drafted_tokens = 0;
  int32_t accepted_tokens = 0;
  int32_t verify_calls = 0;
};

using TextCallback = std::function<void(std::string_view piece)>;
using StatsCallback = std::function<void(const GenerationStats&)>;

/// One token of the step API: its id, the text it completes (whole UTF-8, possibly empty while a
/// character is split across tokens) and whether it ends the sequence (an EOS id, not run).
struct StepToken {
  TokenId id = 0;
  std::string text;
  bool end_of_sequence = false;
};

struct RunnerOptions {
  SamplingConfig default_sampling;
  std::string default_system_prompt;
  int64_t default_max_tokens = 512;
  int64_t max_cache_tokens = 0;  // 0 = the program's max_context_len
  // Most prompt tokens per forward call while prefilling; 0 = the program's bound
  // (max_tokens_per_call). Smaller chunks let cancel() and the deadline act sooner during a long
  // prompt; larger ones read the weights fewer times (docs/BENCHMARKS.md, "Prefill chunk size").
  int64_t prefill_chunk = 0;
  std::vector<TokenId> eos_ids;  // empty = the program's get_eos_ids
  std::vector<std::string> stop_strings;
  ChatTemplate chat_template = ChatTemplate::raw();
  // Speculative decoding: most drafted tokens verified per forward call (0 = off), capped by the
  // program's logits_rows - 1 (the programs allow up to 8), and how drafts are looked up. 4 was
  // the fastest of 1, 2, 4 and 8 on the default bundle (docs/BENCHMARKS.md).
  static constexpr int32_t kDefaultDraftTokens = 4;
  int32_t draft_tokens = kDefaultDraftTokens;
  DraftSettings draft;
  // Prefix snapshots (docs/RUNTIME.md): a folder ("" = off) where the KV cache of each fixed
  // system prompt is saved after its first use and restored by the first request after a
  // restart that starts with it, and the key naming what the cached values depend on besides
  // the tokens (from_bundle derives both: the packed-weight cache folder, the bundle's files).
  std::string prefix_snapshot_dir;
  std::string prefix_snapshot_key;
};

class ModelBundle;
class PrefixSnapshots;

class Runner {
 public:
  Runner(std::unique_ptr<ExecutorchModel> model, std::unique_ptr<Tokenizer> tokenizer,
         RunnerOptions options);
  ~Runner();

  /// Load a bundle's program and tokenizer and take its defaults (sampling, system prompt,
  /// template, EOS, stop strings, cache limit). Errors: those of ExecutorchModel::load and
  /// load_tokenizer, and ModelCorrupted when program, tokenizer and config disagree on the
  /// vocabulary.
  static Result<std::unique_ptr<Runner>> from_bundle(const ModelBundle& bundle,
                                                     ModelLoadOptions options = {});

  /// Generate a reply. `on_text` gets each complete UTF-8 piece as it is produced (never a broken
  /// sequence). Errors: ConfigurationInvalid (sampling out of range), TokenizationFailed (prompt
  /// not UTF-8), ContextLengthExceeded(max, actual) (prompt leaves no room to answer),
  /// GenerationTimeout(timeout_ms), GenerationFailed (the program failed). Cancellation is not
  /// an error: the response has finish_reason kCancelled and the text so far.
  Result<GenerationResponse> generate(const GenerationRequest& request,
                                      const TextCallback& on_text = {},
                                      const StatsCallback& on_stats = {});

  /// The sampling generate() uses for `request`: the bundle's defaults with its overrides.
  SamplingConfig sampling_for(const GenerationRequest& request) const;

  /// Encode exactly what generate() would feed the model (template applied), for inspection.
  /// Special-token text inside message contents is encoded as plain text, never as control
  /// tokens; a raw prompt is encoded as written.
  Result<std::vector<TokenId>> prompt_tokens(const GenerationRequest& request) const;

  /// Forget the cached prefix (the next prompt is prefilled from position 0).
  void reset();

  // --- Step API: the app's ExecutorRunner.reset / feedPrompt / nextToken, on the same Session
  // as generate() (serialised with it). Text is fed as written: no chat template.

  /// Run `text` into the cache after position(); special-token text ("<|im_start|>") becomes
  /// control tokens only with `parse_special`. Returns the position reached: a cancelled token
  /// stops between prefill chunks. Errors: TokenizationFailed (not UTF-8), ContextLengthExceeded,
  /// GenerationFailed.
  Result<size_t> feed_text(std::string_view text, bool parse_special = false,
                           const CancelTokenPtr& cancel = {});
  /// Run `tokens` into the cache after position(). Errors: ConfigurationInvalid (an id outside
  /// the vocabulary), ContextLengthExceeded, GenerationFailed.
  Result<size_t> feed_tokens(std::span<const TokenId> tokens, const CancelTokenPtr& cancel = {});
  /// Draw the next token from the last logits with `sampling` (the penalty looks back over the
  /// cache), run it into the cache unless it ends the sequence, and return it with the text it
  /// completes. The sampler (its RNG) carries on while `sampling` stays the same. Errors:
  /// InferenceNotInitialized (nothing fed since reset()/seek()), ConfigurationInvalid
  /// (sampling out of range), ContextLengthExceeded, GenerationFailed.
  Result<StepToken> next_token(const SamplingConfig& sampling);
  /// Keep the first `position` tokens (rewind); the next feed continues from there.
  /// ConfigurationInvalid when past position().
  Status seek(size_t position);
  /// Tokens in the cache.
  size_t position() const;

  const ExecutorchModel& model() const { return *model_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  /// The tokenizer, kept alive by the holder even after this Runner is gone (encode/decode are
  /// safe from any thread).
  std::shared_ptr<const Tokenizer> shared_tokenizer() const { return tokenizer_; }
  const RunnerOptions& options() const { return options_; }
  int64_t context_limit() const;  // min(program context, max_cache_tokens)
  /// Cap the KV cache use (DailyDrug's max_cache_tokens); takes effect from the next generate().
  void set_max_cache_tokens(int64_t n);
  /// Cap the tokens per prefill call (RunnerOptions::prefill_chunk; <= 0 = the program's bound);
  /// takes effect from the next generate().
  void set_prefill_chunk(int64_t n);
  /// The tokens per prefill call in effect: min(prefill_chunk, the program's bound).
  int64_t prefill_chunk() const;
  /// Most drafted tokens per verifying call (RunnerOptions::draft_tokens; 0 = no speculation);
  /// takes effect from the next generate().
  void set_draft_tokens(int32_t n);
  /// Use the prefix snapshots (RunnerOptions::prefix_snapshot_dir) from the next generate() on,
  /// or not (benchmarks of a cold start); on by default where a folder was given.
  void set_prefix_snapshots(bool on);

 private:
  std::vector<ChatMessage> messages(const GenerationRequest& request) const;
  /// The prompt's tokens and how many of the first ones come from the template's prefix and the
  /// system text alone (0 unless `find_fixed`, or when they do not encode to a prefix).
  struct EncodedPrompt {
    std::vector<TokenId> tokens;
    size_t fixed = 0;
  };
  Result<EncodedPrompt> encode_prompt(const GenerationRequest& request, bool find_fixed) const;
  /// The JSON constraint stage for `schema` (compiled once per distinct schema; the vocabulary
  /// trie is built on first use).
  Result<JsonConstraintStage> constraint_for(const std::string& schema);
  bool is_eos(TokenId id) const;
  /// Speculative step of generate(): `history` ends with `next`, a token not yet in the cache.
  /// Drafts up to `budget` tokens to follow it, runs next + draft in one call, keeps next and the
  /// drafted tokens whose greedy choice (`sampler`, penalty over `history` + the draft so far,
  /// masked by `grammar` if any: a constraint at the state after `next`, which follows the
  /// confirmed tokens) the model confirms, and appends those to `verified`. Returns false
  /// (nothing run) when there is no draft. Errors: those of Session::verify.
  Result<bool> run_with_draft(TokenId next, std::vector<TokenId>& history, size_t budget,
                              JsonConstraintStage* grammar, Sampler& sampler,
                              std::vector<TokenId>& verified, GenerationStats& stats);
  /// Keep the session's limits in step with the options (after set_max_cache_tokens etc.).
  void sync_session_limits();

  std::unique_ptr<ExecutorchModel> model_;
  std::shared_ptr<Tokenizer> tokenizer_;
  RunnerOptions options_;
  double load_ms_ = 0;  // set by from_bundle
  Session session_;
  // Constrained decoding: the vocabulary trie (built on first use) and the last compiled schema.
  std::unique_ptr<TokenMask> token_mask_;
  std::string grammar_source_;
  std::shared_ptr<const JsonGrammar> grammar_;
  // The step API's sampler and streaming decoder, kept between next_token() calls.
  std::optional<Sampler> step_sampler_;
  std::optional<StreamingDecoder> step_decoder_;
  std::vector<TokenId> draft_;                  // the drafter's output, reused across steps
  std::unique_ptr<PrefixSnapshots> snapshots_;  // null: off, or the program's cache unreachable
  bool use_snapshots_ = true;
  mutable std::mutex mutex_;
};

/// Peak resident set size of this process in KiB (0 where unknown).
int64_t peak_rss_kb();

}  // namespace dailydrug::llm
