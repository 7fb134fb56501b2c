#include "dailydrug/llm/runner.h"

#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/log.h"
#include "dailydrug/llm/utf8.h"
#include "prefix_snapshot.h"
#include "sha256.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <future>
#include <limits>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <string>

namespace dailydrug::llm {

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

/// Holds back text that could be the start of a stop string, and finds stop strings that span
/// token boundaries ("<|im_" + "end|>").
class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {
    // The reply is whole UTF-8: a stop string that is not (a lone byte of a character, a cut
    // sequence) could only match inside a character and cut it, so it never applies.
    std::erase_if(stops_, [](const std::string& s) { return s.empty() || !is_valid_utf8(s); });
  }
  /// Add text; returns what may be shown now. Sets `stopped` once a stop string appeared (the
  /// stop string and anything after it are dropped).
  std::string push(std::string_view piece, bool& stopped) {
    pending_ += piece;
    size_t cut = std::string::npos;
    for (const auto& s : stops_) cut = std::min(cut, pending_.find(s));
    if (cut != std::string::npos) {
      stopped = true;
      std::string out = pending_.substr(0, cut);
      pending_.clear();
      return out;
    }
    size_t hold = 0;  // longest suffix of pending_ that is a proper prefix of a stop string
    for (const auto& s : stops_) {
      for (size_t n = std::min(s.size() - 1, pending_.size()); n > hold; --n) {
        if (pending_.compare(pending_.size() - n, n, s, 0, n) == 0) {
          hold = n;
          break;
        }
      }
    }
    std::string out = pending_.substr(0, pending_.size() - hold);
    pending_.erase(0, pending_.size() - hold);
    return out;
  }
  std::string flush() { return std::exchange(pending_, {}); }

 private:
  std::vector<std::string> stops_;
  std::string pending_;
};

/// A hash started with `tag` and fed each listed file's name and SHA-256 (the tokenizer's too,
/// or not): what the cache keys below are made of.
Sha256 hash_of_files(std::string_view tag, const BundleConfig& c, bool with_tokenizer) {
  Sha256 h;
  h.update(tag.data(), tag.size());
  for (const auto& f : c.files) {
    if (f.role == "tokenizer" && !with_tokenizer) continue;
    h.update(f.path.data(), f.path.size() + 1);  // with the NUL: "ab"+"c" != "a"+"bc"
    h.update(f.sha256.data(), f.sha256.size());
  }
  return h;
}

/// The packed-weight cache file stem of a bundle: a hash of the SHA-256s of the files its packed
/// weights come from (program, data, adapter) and of the cache layout's version.
std::string weight_cache_key(const BundleConfig& c) {
  return "w1-" + hash_of_files("dailydrug packed weights v1", c, false).hex().substr(0, 32);
}

/// What a prefix snapshot's values depend on besides its tokens: every file of the bundle
/// (program, data, adapter, tokenizer), the chat template and the snapshot layout's version.
std::string prefix_snapshot_key(const BundleConfig& c) {
  Sha256 h = hash_of_files("dailydrug prefix snapshot v1", c, true);
  const ChatTemplate& t = c.chat_template;
  for (const std::string* s : {&t.name, &t.prefix, &t.system, &t.user, &t.assistant,
                               &t.generation_prompt, &t.default_system}) {
    h.update(s->data(), s->size() + 1);
  }
  return h.hex();
}

}  // namespace

std::string_view to_string(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kCancelled:
      return "cancelled";
  }
  return "stop";
}

int64_t peak_rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

Runner::Runner(std::unique_ptr<ExecutorchModel> model, std::unique_ptr<Tokenizer> tokenizer,
               RunnerOptions options)
    : model_(std::move(model)),
      tokenizer_(std::move(tokenizer)),
      options_(std::move(options)),
      session_(*model_, 0, 1) {
  if (options_.eos_ids.empty()) options_.eos_ids = model_->metadata().eos_ids;
  sync_session_limits();
  if (!options_.prefix_snapshot_dir.empty()) {
    if (model_->state().empty()) {
      log_message(LogLevel::kInfo, "prefix snapshots off: " + model_->state_note());
    } else {
      snapshots_ = std::make_unique<PrefixSnapshots>(options_.prefix_snapshot_dir,
                                                     options_.prefix_snapshot_key, model_->state());
    }
  }
}

Runner::~Runner() = default;

Result<std::unique_ptr<Runner>> Runner::from_bundle(const ModelBundle& bundle,
                                                    ModelLoadOptions options) {
  const auto t0 = Clock::now();
  const BundleConfig& c = bundle.config();
  // The tokenizer (a JSON parse of up to ~11 MB and maps of 151k tokens and merges for Qwen2)
  // loads on its own thread while ExecuTorch loads the program and XNNPACK packs the weights:
  // the load takes the longer of the two instead of their sum. A broken tokenizer is still the
  // error reported first.
  auto tokenizer_future = std::async(std::launch::async, [path = bundle.tokenizer_path()] {
    auto t = load_tokenizer(path);
#if defined(__GLIBC__)
    // The parse tree of tokenizer.json (~90 MB for Qwen2's) is freed by now; hand its pages back
    // to the system before XNNPACK's weight packing reaches its peak, instead of keeping them
    // in malloc's free lists (peak RSS of the default bundle: 601 -> see docs/BENCHMARKS.md).
    malloc_trim(0);
#endif
    return t;
  });
  if (options.data_files.empty()) options.data_files = bundle.data_paths();
  if (!options.weight_cache_dir.empty() && options.weight_cache_key.empty()) {
    options.weight_cache_key = weight_cache_key(c);
  }
  if (options.num_threads == -1) options.num_threads = c.default_threads;
  if (options.state_buffers.empty()) options.state_buffers = c.kv_cache_buffers;
  auto loaded = ExecutorchModel::load(bundle.program_path(), options);
  DD_ASSIGN_OR_RETURN(auto tokenizer, tokenizer_future.get());
  DD_ASSIGN_OR_RETURN(auto model, std::move(loaded));
  const auto& meta = model->metadata();
  if (meta.vocab_size != c.vocab_size || tokenizer->vocab_size() > meta.vocab_size) {
    return Error::model_corrupted(bundle.program_path(),
                                  "vocabulary sizes disagree: program " +
                                      std::to_string(meta.vocab_size) + ", config " +
                                      std::to_string(c.vocab_size) + ", tokenizer " +
                                      std::to_string(tokenizer->vocab_size()));
  }
  RunnerOptions ro;
  ro.default_sampling = c.sampling;
  ro.default_system_prompt = c.system_prompt;
  ro.default_max_tokens = c.max_tokens;
  ro.max_cache_tokens = c.max_cache_tokens;
  ro.eos_ids = c.eos_ids;
  ro.stop_strings = c.stop_strings;
  ro.chat_template = c.chat_template;
  // The snapshots live beside the packed weights: the folder an app gives for its caches.
  ro.prefix_snapshot_dir = options.weight_cache_dir;
  ro.prefix_snapshot_key = prefix_snapshot_key(c);
  auto runner = std::make_unique<Runner>(std::move(model), std::move(tokenizer), std::move(ro));
  runner->load_ms_ = ms_since(t0);
  return runner;
}

int64_t Runner::context_limit() const {
  const int64_t program = model_->metadata().max_context_len;
  return options_.max_cache_tokens > 0 ? std::min(program, options_.max_cache_tokens) : program;
}

void Runner::sync_session_limits() {
  session_.set_limits(context_limit(), prefill_chunk());
}

void Runner::set_max_cache_tokens(int64_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  options_.max_cache_tokens = n;
  sync_session_limits();
}

void Runner::set_prefill_chunk(int64_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  options_.prefill_chunk = std::max<int64_t>(0, n);
  sync_session_limits();
}

void Runner::set_draft_tokens(int32_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  options_.draft_tokens = std::max<int32_t>(0, n);
}

void Runner::set_prefix_snapshots(bool on) {
  std::lock_guard<std::mutex> lock(mutex_);
  use_snapshots_ = on;
}

int64_t Runner::prefill_chunk() const {
  const int64_t program = model_->metadata().max_tokens_per_call;
  return options_.prefill_chunk > 0 ? std::min(program, options_.prefill_chunk) : program;
}

void Runner::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  session_.reset();
  step_decoder_.reset();
}

size_t Runner::position() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return session_.position();
}

std::vector<ChatMessage> Runner::messages(const GenerationRequest& request) const {
  std::vector<ChatMessage> messages;
  std::string system;
  for (const auto& s : request.system_instructions) {
    if (!system.empty()) system += "\n";
    system += s;
  }
  if (system.empty()) system = options_.default_system_prompt;
  if (!system.empty()) messages.push_back({"system", system});
  messages.insert(messages.end(), request.history.begin(), request.history.end());
  messages.push_back({"user", request.prompt});
  return messages;
}

Result<std::vector<TokenId>> Runner::prompt_tokens(const GenerationRequest& request) const {
  DD_ASSIGN_OR_RETURN(EncodedPrompt prompt, encode_prompt(request, /*find_fixed=*/false));
  return std::move(prompt.tokens);
}

Result<Runner::EncodedPrompt> Runner::encode_prompt(const GenerationRequest& request,
                                                    bool find_fixed) const {
  EncodedPrompt out;
  // A raw prompt is fed exactly as written (the caller formatted it, special tokens included).
  if (request.raw) {
    DD_ASSIGN_OR_RETURN(out.tokens, tokenizer_->encode(request.prompt, /*parse_special=*/true));
    return out;
  }
  const std::vector<ChatMessage> msgs = messages(request);
  DD_ASSIGN_OR_RETURN(auto parts, options_.chat_template.render_parts(msgs));
  size_t fixed_parts = 0;
  if (find_fixed) {
    DD_ASSIGN_OR_RETURN(fixed_parts, options_.chat_template.fixed_part_count(msgs));
  }
  // Message text must not smuggle in control tokens ("<|im_end|><|im_start|>system ..."). When
  // no content contains special-token text, the whole prompt is encoded in one piece, exactly as
  // the reference tokenizer would; otherwise each part is encoded on its own, contents as plain
  // text.
  bool hostile = false;
  for (const auto& part : parts) {
    if (!part.content) continue;
    DD_ASSIGN_OR_RETURN(auto with, tokenizer_->encode(part.text, true));
    DD_ASSIGN_OR_RETURN(auto without, tokenizer_->encode(part.text, false));
    if (with != without) {
      hostile = true;
      break;
    }
  }
  if (!hostile) {
    std::string text, fixed_text;
    for (size_t i = 0; i < parts.size(); ++i) {
      text += parts[i].text;
      if (i + 1 == fixed_parts) fixed_text = text;
    }
    DD_ASSIGN_OR_RETURN(out.tokens, tokenizer_->encode(text, /*parse_special=*/true));
    if (!fixed_text.empty()) {
      // The fixed text's own tokens count only when the whole prompt starts with them (a merge
      // across the boundary would make the two differ).
      DD_ASSIGN_OR_RETURN(auto fixed, tokenizer_->encode(fixed_text, /*parse_special=*/true));
      if (fixed.size() <= out.tokens.size() &&
          std::equal(fixed.begin(), fixed.end(), out.tokens.begin())) {
        out.fixed = fixed.size();
      }
    }
    return out;
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    DD_ASSIGN_OR_RETURN(auto piece,
                        tokenizer_->encode(parts[i].text, /*parse_special=*/!parts[i].content));
    out.tokens.insert(out.tokens.end(), piece.begin(), piece.end());
    if (i + 1 == fixed_parts) out.fixed = out.tokens.size();
  }
  return out;
}

SamplingConfig Runner::sampling_for(const GenerationRequest& request) const {
  SamplingConfig sc = options_.default_sampling;
  if (request.temperature) sc.temperature = *request.temperature;
  if (request.top_k) sc.top_k = *request.top_k;
  if (request.top_p) sc.top_p = *request.top_p;
  if (request.min_p) sc.min_p = *request.min_p;
  if (request.repetition_penalty) sc.repetition_penalty = *request.repetition_penalty;
  if (request.seed) sc.seed = *request.seed;
  return sc;
}

Result<JsonConstraintStage> Runner::constraint_for(const std::string& schema) {
  if (!grammar_ || grammar_source_ != schema) {
    DD_ASSIGN_OR_RETURN(grammar_, JsonGrammar::compile(schema));
    grammar_source_ = schema;
  }
  if (!token_mask_) token_mask_ = std::make_unique<TokenMask>(*tokenizer_);
  return JsonConstraintStage(*token_mask_, *tokenizer_, grammar_, options_.eos_ids);
}

bool Runner::is_eos(TokenId id) const {
  return std::find(options_.eos_ids.begin(), options_.eos_ids.end(), id) != options_.eos_ids.end();
}

Result<GenerationResponse> Runner::generate(const GenerationRequest& request,
                                            const TextCallback& on_text,
                                            const StatsCallback& on_stats) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto t_start = Clock::now();
  const StopCondition stop = StopCondition::of(request.timeout_ms, request.cancel, t_start);

  const SamplingConfig sc = sampling_for(request);
  DD_RETURN_IF_ERROR(sc.validate());
  if (request.max_output_tokens && *request.max_output_tokens < 1) {
    return Error::configuration_invalid("max_output_tokens", "must be >= 1");
  }
  if (request.timeout_ms < 0) return Error::configuration_invalid("timeout_ms", "must be >= 0");

  std::optional<JsonConstraintStage> constraint;
  if (request.json_schema) {
    DD_ASSIGN_OR_RETURN(auto stage, constraint_for(*request.json_schema));
    constraint.emplace(std::move(stage));
  }

  PrefixSnapshots* const snapshots = use_snapshots_ ? snapshots_.get() : nullptr;
  DD_ASSIGN_OR_RETURN(EncodedPrompt prompt, encode_prompt(request, snapshots != nullptr));
  const std::vector<TokenId>& tokens = prompt.tokens;
  const int64_t limit = context_limit();
  const auto n_prompt = static_cast<int64_t>(tokens.size());
  if (n_prompt == 0) return Error::tokenization_failed("empty prompt");
  if (n_prompt >= limit) return Error::context_length_exceeded(limit, n_prompt);
  const int64_t wanted = request.max_output_tokens.value_or(options_.default_max_tokens);
  const int64_t max_new = std::min(wanted, limit - n_prompt);

  // Reuse the cached prefix; at least the last prompt token is run to get fresh logits.
  step_decoder_.reset();
  size_t reuse = session_.keep_prefix(tokens);
  GenerationStats stats;
  // The fixed system prompt's cache from a snapshot file, when the session does not hold it
  // (the first request after a start); at least the last prompt token still runs.
  const std::span<const TokenId> fixed =
      std::span<const TokenId>(tokens).first(std::min(prompt.fixed, tokens.size() - 1));
  if (snapshots != nullptr && fixed.size() > reuse) {
    if (snapshots->restore(fixed)) {
      session_.adopt(fixed);
      reuse = fixed.size();
      stats.restored_prefix_tokens = static_cast<int32_t>(reuse);
    }
    log_message(LogLevel::kDebug, "prefix snapshot: " + snapshots->note());
  }
  stats.load_ms = load_ms_;
  stats.prompt_tokens = static_cast<int32_t>(n_prompt);
  stats.reused_prefix_tokens = static_cast<int32_t>(reuse);
  const auto t_prefill = Clock::now();
  DD_ASSIGN_OR_RETURN(const bool prefilled,
                      session_.prefill(std::span<const TokenId>(tokens).subspan(reuse), stop,
                                       &stats.prefill_calls));
  stats.prefill_ms = ms_since(t_prefill);
  Sampler sampler(sc);
  GenerationResponse resp;
  resp.seed = sampler.seed();
  if (!prefilled) {  // cancelled before or during the prefill
    resp.finish_reason = FinishReason::kCancelled;
    resp.usage = {static_cast<int32_t>(n_prompt), 0, static_cast<int32_t>(n_prompt)};
    return resp;
  }
  if (stop.timed_out()) return Error::generation_timeout(stop.timeout_ms);
  StreamingDecoder decoder(*tokenizer_, /*skip_special=*/true);
  std::vector<std::string> stops;
  if (!constraint) {  // the grammar decides where a constrained value ends
    stops = options_.stop_strings;
    stops.insert(stops.end(), request.stop.begin(), request.stop.end());
  }
  StopMatcher stop_matcher(stops);
  auto emit = [&](const std::string& s) {
    if (s.empty()) return;
    resp.text += s;
    if (on_text) on_text(s);
  };
  std::vector<TokenId> history = tokens;  // what the repetition penalty looks back over
  Clock::time_point t_first{};
  resp.finish_reason = FinishReason::kLength;
  bool stopped = false;
  // Speculation only where the draft cannot change the output: a greedy choice is a function of
  // the logits, the history and the JSON constraint's state, all known for every drafted
  // position (a copy of the constraint follows the draft).
  const bool speculate = request.speculative && sc.temperature == 0.0f &&
                         options_.draft_tokens > 0 && model_->metadata().logits_rows > 1;
  std::optional<JsonConstraintStage> draft_grammar;
  if (speculate && constraint) draft_grammar.emplace(*constraint);
  std::vector<TokenId> verified;  // confirmed drafted tokens, in the cache, not yet output
  size_t next_verified = 0;
  // Output tokens that one-token-per-call decoding would have run into the cache: the cache is
  // cut back to them at the end, so what follows (the step API, the next prompt's reuse) sees
  // the same state with and without speculation.
  size_t ran = 0;
  for (int64_t i = 0; i < max_new; ++i) {
    if (stop.cancelled()) {
      resp.finish_reason = FinishReason::kCancelled;
      break;
    }
    TokenId next;
    const bool in_cache = next_verified < verified.size();
    if (in_cache) {
      next = verified[next_verified++];
    } else {
      // The sampler chain: [JSON constraint] -> penalty, temperature, top-k/p, min-p, draw.
      std::span<const float> logits = session_.logits();
      if (constraint) {
        DD_ASSIGN_OR_RETURN(logits, constraint->apply(logits));
      }
      next = sampler.sample(logits, history);
    }
    if (i == 0) {
      t_first = Clock::now();
      stats.ttft_ms = ms_since(t_start);
    }
    resp.output_ids.push_back(next);
    history.push_back(next);
    if (is_eos(next)) {
      resp.finish_reason = FinishReason::kStop;
      break;
    }
    if (constraint) {
      DD_RETURN_IF_ERROR(constraint->accept(next));
    }
    emit(stop_matcher.push(decoder.push(next), stopped));
    if (stopped || (constraint && constraint->finished())) {
      resp.finish_reason = FinishReason::kStop;
      break;
    }
    if (i + 1 == max_new) break;  // the budget is spent: no need to run this token
    if (stop.timed_out()) return Error::generation_timeout(stop.timeout_ms);
    ++ran;
    if (in_cache) continue;
    if (speculate) {
      verified.clear();
      next_verified = 0;
      if (draft_grammar) draft_grammar->sync(*constraint);
      DD_ASSIGN_OR_RETURN(
          const bool ran_draft,
          run_with_draft(next, history, static_cast<size_t>(max_new - i - 1),
                         draft_grammar ? &*draft_grammar : nullptr, sampler, verified, stats));
      if (ran_draft) continue;
    }
    DD_RETURN_IF_ERROR(session_.step(next));
  }
  if (const size_t want = static_cast<size_t>(n_prompt) + ran; session_.position() > want) {
    DD_RETURN_IF_ERROR(session_.accept(want));
  }
  if (!stopped) emit(stop_matcher.push(decoder.flush(), stopped));
  if (!stopped) emit(stop_matcher.flush());
  // After the reply, so the first answer's TTFT does not wait for the write; the positions of
  // the fixed prompt are not touched by decoding.
  if (snapshots != nullptr && !fixed.empty() && session_.position() >= fixed.size() &&
      snapshots->save(fixed)) {
    log_message(LogLevel::kDebug, "prefix snapshot: " + snapshots->note());
  }

  const auto n_out = static_cast<int32_t>(resp.output_ids.size());
  resp.usage = {static_cast<int32_t>(n_prompt), n_out, static_cast<int32_t>(n_prompt) + n_out};
  if (on_stats) {
    stats.generated_tokens = n_out;
    if (n_out > 0) stats.decode_ms = ms_since(t_first);
    const auto prefilled_n = n_prompt - static_cast<int64_t>(reuse);
    if (stats.prefill_ms > 0) stats.prefill_tokens_per_s = prefilled_n * 1000.0 / stats.prefill_ms;
    if (n_out > 1 && stats.decode_ms > 0) {
      stats.decode_tokens_per_s = (n_out - 1) * 1000.0 / stats.decode_ms;
    }
    stats.peak_rss_kb = peak_rss_kb();
    on_stats(stats);
  }
  return resp;
}

Result<bool> Runner::run_with_draft(TokenId next, std::vector<TokenId>& history, size_t budget,
                                    JsonConstraintStage* grammar, Sampler& sampler,
                                    std::vector<TokenId>& verified, GenerationStats& stats) {
  const PromptLookupDrafter drafter(options_.draft);
  const size_t position = session_.position();
  const auto room = static_cast<size_t>(
      std::max<int64_t>(0, session_.context_limit() - static_cast<int64_t>(position) - 1));
  const size_t k =
      std::min({static_cast<size_t>(options_.draft_tokens),
                static_cast<size_t>(model_->metadata().logits_rows - 1), budget, room});
  drafter.propose(history, k, draft_);
  if (draft_.empty()) return false;
  draft_.insert(draft_.begin(), next);
  DD_ASSIGN_OR_RETURN(const auto rows, session_.verify(draft_));
  const auto vocab = static_cast<size_t>(model_->metadata().vocab_size);
  // Row j holds the logits after draft_[j]; drafted token j + 1 stands if the greedy choice there
  // (the penalty looking back over history and the drafted tokens before it) is that token.
  const size_t history_size = history.size();
  size_t accepted = 0;
  for (size_t j = 0; j + 1 < draft_.size(); ++j) {
    const TokenId want = draft_[j + 1];
    std::span<const float> row = rows.subspan(j * vocab, vocab);
    if (grammar) {
      // No token continues the value here: the token loop reaches this position and reports it.
      auto masked = grammar->apply(row);
      if (!masked.ok()) break;
      row = *masked;
    }
    if (sampler.sample(row, history) != want) break;
    history.push_back(want);
    verified.push_back(want);
    ++accepted;
    if (is_eos(want)) break;  // the output ends with it
    if (grammar) {
      DD_RETURN_IF_ERROR(grammar->accept(want));  // it was allowed, so it continues the value
      if (grammar->finished()) break;
    }
  }
  history.resize(history_size);
  DD_RETURN_IF_ERROR(session_.accept(position + 1 + accepted));
  stats.drafted_tokens += static_cast<int32_t>(draft_.size() - 1);
  stats.accepted_tokens += static_cast<int32_t>(accepted);
  ++stats.verify_calls;
  return true;
}

Result<size_t> Runner::feed_text(std::string_view text, bool parse_special,
                                 const CancelTokenPtr& cancel) {
  DD_ASSIGN_OR_RETURN(auto ids, tokenizer_->encode(text, parse_special));
  return feed_tokens(ids, cancel);
}

Result<size_t> Runner::feed_tokens(std::span<const TokenId> tokens, const CancelTokenPtr& cancel) {
  std::lock_guard<std::mutex> lock(mutex_);
  const int64_t vocab = model_->metadata().vocab_size;
  for (TokenId id : tokens) {
    if (id < 0 || id >= vocab) {
      return Error::configuration_invalid(
          "tokens",
          "id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(vocab));
    }
  }
  step_decoder_.reset();  // fed text is not output: the next token's text starts fresh
  auto fed = session_.prefill(tokens, StopCondition::of(0, cancel, Clock::now()));
  if (!fed.ok()) return fed.take_error();
  return session_.position();
}

Result<StepToken> Runner::next_token(const SamplingConfig& sampling) {
  std::lock_guard<std::mutex> lock(mutex_);
  DD_RETURN_IF_ERROR(sampling.validate());
  if (session_.logits().empty()) {
    return Error::inference_not_initialized("feed a prompt before asking for the next token");
  }
  if (!step_sampler_ || step_sampler_->config() != sampling) step_sampler_.emplace(sampling);
  if (!step_decoder_) step_decoder_.emplace(*tokenizer_, /*skip_special=*/true);
  StepToken out;
  out.id = step_sampler_->sample(session_.logits(), session_.tokens());
  out.end_of_sequence = is_eos(out.id);
  if (out.end_of_sequence) {
    out.text = step_decoder_->flush();
    return out;
  }
  out.text = step_decoder_->push(out.id);
  DD_RETURN_IF_ERROR(session_.step(out.id));
  return out;
}

Status Runner::seek(size_t position) {
  std::lock_guard<std::mutex> lock(mutex_);
  step_decoder_.reset();
  return session_.seek(position);
}

}  // namespace dailydrug::llm
