// The C API over dailydrug::llm (see include/dailydrug/dailydrug_llm.h for the contract).
//
// Every entry point is a thin shell: check arguments, run the C++ call inside a catch-all guard,
// and convert Result/Error values to return codes and malloc-owned C strings.
#include "dailydrug/dailydrug_llm.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "dailydrug/app/assistant.h"
#include "dailydrug/app/clock.h"
#include "dailydrug/app/medication_store.h"
#include "dailydrug/llm/error.h"
#include "dailydrug/llm/local_llm.h"
#include "dailydrug/llm/log.h"
#include "dailydrug/llm/runner.h"
#include "dailydrug/llm/utf8.h"

namespace llm = dailydrug::llm;
namespace dd_app = dailydrug::app;

struct ddllm_runner {
  std::unique_ptr<llm::LocalLlm> llm;
  // The open options' copy progress, used by every load (at open, lazily, after unload).
  ddllm_progress_fn progress = nullptr;
  void* progress_user = nullptr;
  // Serialises generate/reset/unload (and so every load after open) and lets close wait for a
  // running call.
  std::mutex call_mutex;
  // The thread currently inside generate() (and so inside its callbacks); default id when idle.
  // Used to refuse re-entrant calls from a callback, which would deadlock on call_mutex.
  std::atomic<std::thread::id> generating_thread{};
  // Set by ddllm_close(): a running generation stops and no new one starts.
  std::atomic<bool> closing{false};
  // ddllm_close() was called from inside a callback: generate() frees the runner on return.
  std::atomic<bool> close_deferred{false};
  // The strings ddllm_get_model_info() hands out: stable addresses (a deque never moves its
  // elements on push_back), freed by unload/close as documented.
  std::mutex info_mutex;
  std::deque<std::string> info_strings;
};

namespace {

/// malloc'd copy of `s`, NUL-terminated; NULL only when memory ran out.
char* dup_string(std::string_view s) noexcept {
  auto* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) return nullptr;
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

void reset_error(ddllm_error* err) noexcept {
  if (err == nullptr) return;
  std::free(err->message);
  std::free(err->subject);
  std::free(err->cause);
  *err = ddllm_error{};
  err->kind_name = "";
}

/// Fill `err` from `e` and return its code. Never throws: a message that cannot be built is left
/// NULL (which the header allows only for out-of-memory).
int fail(ddllm_error* err, const llm::Error& e) noexcept {
  const int code = static_cast<int>(e.kind);
  if (err == nullptr) return code;
  reset_error(err);
  err->kind = code;
  err->kind_name = ddllm_error_kind_name(code);
  try {
    err->message = dup_string(e.message());
  } catch (...) {
    err->message = nullptr;
  }
  err->subject = dup_string(e.subject);
  err->cause = dup_string(e.cause);
  err->expected = e.expected;
  err->actual = e.actual;
  return code;
}

/// The same, for failures detected before any C++ object could be built (no allocation).
int fail_argument(ddllm_error* err, const char* name) noexcept {
  try {
    return fail(err, llm::Error::configuration_invalid(name, "must not be NULL"));
  } catch (...) {
    return static_cast<int>(llm::ErrorKind::kConfigurationInvalid);
  }
}

int fail_out_of_memory(ddllm_error* err, llm::ErrorKind kind) noexcept {
  // Building an Error allocates; if even that fails, only the code is reported.
  try {
    llm::Error e;
    e.kind = kind;
    e.subject = "internal error";
    e.cause = "out of memory";
    return fail(err, e);
  } catch (...) {
    return static_cast<int>(kind);
  }
}

/// Run `body` (returning an int code); any C++ exception becomes `kind` with its what().
template <typename F>
int guarded(ddllm_error* err, llm::ErrorKind kind, F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail_out_of_memory(err, kind);
  } catch (const std::exception& ex) {
    try {
      llm::Error e;
      e.kind = kind;
      e.subject = "internal error";
      e.cause = ex.what();
      return fail(err, e);
    } catch (...) {
      return static_cast<int>(kind);
    }
  } catch (...) {
    try {
      llm::Error e;
      e.kind = kind;
      e.subject = "internal error";
      e.cause = "unknown exception";
      return fail(err, e);
    } catch (...) {
      return static_cast<int>(kind);
    }
  }
}

bool on_generating_thread(const ddllm_runner* r) noexcept {
  return r->generating_thread.load() == std::this_thread::get_id();
}

int fail_reentrant(ddllm_error* err, const char* function) noexcept {
  try {
    return fail(err, llm::Error::generation_failed(
                         "re-entrant call",
                         std::string(function) + " called from inside this runner's callback"));
  } catch (...) {
    return static_cast<int>(llm::ErrorKind::kGenerationFailed);
  }
}

int log_level_code(llm::LogLevel level) {
  switch (level) {
    case llm::LogLevel::kDebug:
      return DDLLM_LOG_DEBUG;
    case llm::LogLevel::kInfo:
      return DDLLM_LOG_INFO;
    case llm::LogLevel::kError:
      return DDLLM_LOG_ERROR;
    case llm::LogLevel::kFatal:
      return DDLLM_LOG_FATAL;
  }
  return DDLLM_LOG_INFO;
}

int finish_code(llm::FinishReason reason) {
  switch (reason) {
    case llm::FinishReason::kStop:
      return DDLLM_FINISH_STOP;
    case llm::FinishReason::kLength:
      return DDLLM_FINISH_LENGTH;
    case llm::FinishReason::kCancelled:
      return DDLLM_FINISH_CANCELLED;
  }
  return DDLLM_FINISH_STOP;
}

std::string stats_json(const ddllm_stats& s) {
  nlohmann::json j = {
      {"prompt_tokens", s.prompt_tokens},
      {"reused_prefix_tokens", s.reused_prefix_tokens},
      {"generated_tokens", s.generated_tokens},
      {"ttft_ms", s.ttft_ms},
      {"prefill_ms", s.prefill_ms},
      {"decode_ms", s.decode_ms},
      {"prefill_tokens_per_s", s.prefill_tokens_per_s},
      {"decode_tokens_per_s", s.decode_tokens_per_s},
      {"peak_rss_kb", s.peak_rss_kb},
      {"drafted_tokens", s.drafted_tokens},
      {"accepted_tokens", s.accepted_tokens},
      {"verify_calls", s.verify_calls},
      {"restored_prefix_tokens", s.restored_prefix_tokens},
  };
  return j.dump();
}

/// Check a (pointer, count) string array; returns the name of the first bad entry, or "".
std::string bad_string_array(const char* const* items, size_t n, const char* name) {
  if (n == 0) return {};
  if (items == nullptr) return name;
  for (size_t i = 0; i < n; ++i) {
    if (items[i] == nullptr) return std::string(name) + "[" + std::to_string(i) + "]";
  }
  return {};
}

/// The request's optional sampling settings over `r` (unset ones stay the bundle's defaults).
void apply_sampling(const ddllm_request& in, llm::GenerationRequest& r) {
  if (in.has_temperature) r.temperature = in.temperature;
  if (in.has_top_k) r.top_k = in.top_k;
  if (in.has_top_p) r.top_p = in.top_p;
  if (in.has_min_p) r.min_p = in.min_p;
  if (in.has_repetition_penalty) r.repetition_penalty = in.repetition_penalty;
  if (in.has_seed) r.seed = in.seed;
}

llm::GenerationRequest to_request(const ddllm_request& in) {
  llm::GenerationRequest r;
  const size_t len = in.prompt_len != 0 ? in.prompt_len : std::strlen(in.prompt);
  r.prompt.assign(in.prompt, len);
  for (size_t i = 0; i < in.n_system_instructions; ++i) {
    r.system_instructions.emplace_back(in.system_instructions[i]);
  }
  for (size_t i = 0; i < in.n_stop; ++i) r.stop.emplace_back(in.stop[i]);
  r.raw = in.raw != 0;
  apply_sampling(in, r);
  if (in.has_max_output_tokens) r.max_output_tokens = in.max_output_tokens;
  r.timeout_ms = in.timeout_ms;
  return r;
}

/// Move a response into C-owned memory. Returns false when memory ran out.
bool export_response(const llm::GenerationResponse& in, ddllm_response* out) noexcept {
  *out = ddllm_response{};
  out->text = dup_string(in.text);
  if (out->text == nullptr) return false;
  out->text_len = in.text.size();
  if (!in.output_ids.empty()) {
    out->output_ids = static_cast<int32_t*>(std::malloc(in.output_ids.size() * sizeof(int32_t)));
    if (out->output_ids == nullptr) {
      ddllm_response_free(out);
      return false;
    }
    std::memcpy(out->output_ids, in.output_ids.data(), in.output_ids.size() * sizeof(int32_t));
    out->n_output_ids = in.output_ids.size();
  }
  out->input_tokens = in.usage.input_tokens;
  out->output_tokens = in.usage.output_tokens;
  out->total_tokens = in.usage.total_tokens;
  out->finish_reason = finish_code(in.finish_reason);
  // to_string views a string literal, so data() is NUL-terminated and static.
  out->finish_reason_name = llm::to_string(in.finish_reason).data();
  out->seed = in.seed;
  return true;
}

/// The C API's name for a LocalLlmConfig key (the option or argument the caller set).
std::string option_name(const std::string& key) {
  if (key == "bundle") return "bundle_dir";
  if (key == "thread_count") return "num_threads";
  return key;
}

llm::CopyProgress copy_progress(const ddllm_runner& r) {
  if (r.progress == nullptr) return {};
  return [fn = r.progress, user = r.progress_user](uint64_t done, uint64_t total,
                                                   const std::string& file) {
    fn(done, total, file.c_str(), user);
  };
}

/// A string that stays valid until unload/close; equal values share one copy.
const char* intern(ddllm_runner* r, const std::string& value) {
  for (const std::string& s : r->info_strings) {
    if (s == value) return s.c_str();
  }
  r->info_strings.push_back(value);
  return r->info_strings.back().c_str();
}

/// `close_after` is set, while the lock is still held, when a callback asked to close the runner:
/// after the lock is released the runner may already be freed by a ddllm_close() on another
/// thread, so the caller must not read it again unless it owns the deferred close.
int generate_locked(ddllm_runner* r, const ddllm_request& request, ddllm_text_fn on_text,
                    ddllm_stats_fn on_stats, void* user, ddllm_response* out, ddllm_error* err,
                    bool& close_after) {
  llm::GenerationRequest req = to_request(request);
  // One token for the whole call, reachable by ddllm_cancel()/ddllm_close() (LocalLlm::cancel)
  // from before this call waits for the lock until it returns: no cancel in between is lost.
  req.cancel = llm::make_cancel_token();
  // The scope ends before the lock is released (declared after it): a ddllm_close() waiting for
  // the lock frees the LocalLlm the scope deregisters from.
  std::unique_lock<std::mutex> lock(r->call_mutex, std::defer_lock);
  const llm::LocalLlm::CancelScope cancel_scope(*r->llm, req.cancel);
  lock.lock();
  struct NoteDeferredClose {  // destroyed before `lock`
    ddllm_runner* r;
    bool& close_after;
    ~NoteDeferredClose() { close_after = r->close_deferred.load(); }
  } note_deferred_close{r, close_after};
  if (r->closing.load()) {
    return fail(err, llm::Error::inference_not_initialized("the runner is being closed"));
  }
  r->generating_thread.store(std::this_thread::get_id());
  struct ClearThread {
    ddllm_runner* r;
    ~ClearThread() { r->generating_thread.store(std::thread::id{}); }
  } clear_thread{r};
  if (!r->llm->is_loaded()) {
    // Load here rather than inside LocalLlm::generate, to report the copy progress.
    llm::Status loaded = r->llm->load(copy_progress(*r), req.cancel.get());
    if (!loaded.ok() && req.cancel->cancelled()) {  // the copy stopped for the cancel
      llm::GenerationResponse cancelled;
      cancelled.finish_reason = llm::FinishReason::kCancelled;
      return export_response(cancelled, out)
                 ? DDLLM_OK
                 : fail_out_of_memory(err, llm::ErrorKind::kGenerationFailed);
    }
    if (!loaded.ok()) return fail(err, loaded.error());
    if (r->closing.load()) {  // closed while loading: do not start the generation
      return fail(err, llm::Error::inference_not_initialized("the runner is being closed"));
    }
  }

  bool stopped_by_caller = false;  // on_text asked to stop: no more text callbacks
  std::string piece;
  auto text_cb = [&](std::string_view p) {
    if (r->closing.load()) {
      req.cancel->cancel();
      stopped_by_caller = true;
    }
    if (stopped_by_caller || on_text == nullptr) return;
    piece.assign(p);  // the callback gets a NUL-terminated copy
    if (on_text(piece.c_str(), piece.size(), user) != 0) {
      stopped_by_caller = true;
      req.cancel->cancel();
    }
  };
  llm::StatsCallback stats_cb;
  if (on_stats != nullptr) {
    stats_cb = [&](const llm::GenerationStats& s) {
      if (r->closing.load()) return;
      ddllm_stats c{};
      c.prompt_tokens = s.prompt_tokens;
      c.reused_prefix_tokens = s.reused_prefix_tokens;
      c.generated_tokens = s.generated_tokens;
      c.ttft_ms = s.ttft_ms;
      c.prefill_ms = s.prefill_ms;
      c.decode_ms = s.decode_ms;
      c.prefill_tokens_per_s = s.prefill_tokens_per_s;
      c.decode_tokens_per_s = s.decode_tokens_per_s;
      c.peak_rss_kb = s.peak_rss_kb;
      c.drafted_tokens = s.drafted_tokens;
      c.accepted_tokens = s.accepted_tokens;
      c.verify_calls = s.verify_calls;
      c.restored_prefix_tokens = s.restored_prefix_tokens;
      const std::string json = stats_json(c);
      on_stats(&c, json.c_str(), user);
    };
  }
  auto result = r->llm->generate(req, text_cb, stats_cb);
  if (!result.ok()) return fail(err, result.error());
  if (!export_response(*result, out)) {
    return fail_out_of_memory(err, llm::ErrorKind::kGenerationFailed);
  }
  return DDLLM_OK;
}

}  // namespace

namespace {

/// One step-API call: the checks every call makes, a cancel token reachable by ddllm_cancel()
/// from before the call waits for the runner, the runner's lock, the lazy load (with copy
/// progress, as ddllm_generate()), then `body(runner, token)` with the loaded model's Runner.
template <typename Body>
int step_call(ddllm_runner* r, ddllm_error* err, const char* function, Body&& body) {
  if (r == nullptr) return fail_argument(err, "runner");
  if (on_generating_thread(r)) return fail_reentrant(err, function);
  return guarded(err, llm::ErrorKind::kGenerationFailed, [&]() -> int {
    const llm::CancelTokenPtr token = llm::make_cancel_token();
    std::unique_lock<std::mutex> lock(r->call_mutex, std::defer_lock);  // released last
    const llm::LocalLlm::CancelScope cancel_scope(*r->llm, token);
    lock.lock();
    if (r->closing.load()) {
      return fail(err, llm::Error::inference_not_initialized("the runner is being closed"));
    }
    if (!r->llm->is_loaded()) {
      llm::Status loaded = r->llm->load(copy_progress(*r), token.get());
      if (!loaded.ok()) return fail(err, loaded.error());
    }
    const llm::Status done = r->llm->with_runner(
        token, [&](llm::Runner& runner) -> llm::Status { return body(runner, token); });
    return done.ok() ? DDLLM_OK : fail(err, done.error());
  });
}

}  // namespace

namespace {

constexpr size_t kMaxQuestionBytes = 4096;
constexpr size_t kMaxSavedMedicines = 50;
constexpr size_t kMaxMedicineNameBytes = 200;

int invalid(ddllm_error* err, const char* subject, const char* why) {
  return fail(err, llm::Error::configuration_invalid(subject, why));
}

// The user's saved medicines into a private in-memory store, as the app's database would hold
// them (the answer reads names only; the schedule is a placeholder).
int save_medicines(const char* json_text, dd_app::MedicationStore& store, ddllm_error* err) {
  const auto doc = nlohmann::json::parse(json_text, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) {
    return invalid(err, "saved_medicines", "must be a JSON array");
  }
  if (doc.size() > kMaxSavedMedicines) return invalid(err, "saved_medicines", "more than 50");
  for (const auto& m : doc) {
    if (!m.is_object() || !m.contains("name") || !m["name"].is_string()) {
      return invalid(err, "saved_medicines", "each item needs a string \"name\"");
    }
    std::string name = m["name"].get<std::string>();
    if (name.empty() || name.size() > kMaxMedicineNameBytes || !llm::is_valid_utf8(name)) {
      return invalid(err, "saved_medicines", "a name must be 1..200 bytes of UTF-8");
    }
    const auto added = dd_app::add_taken_medicine(
        store, std::move(name),
        m.contains("dosage") && m["dosage"].is_string() ? m["dosage"].get<std::string>() : "");
    if (!added.ok()) {
      if (added.error().kind == dd_app::ErrorKind::kInvalid) {
        return invalid(err, "saved_medicines", "an item is not a valid medicine");
      }
      return fail(err, llm::Error::generation_failed("assistant", "in-memory store"));
    }
  }
  return 0;
}

}  // namespace

extern "C" {

void ddllm_error_free(ddllm_error* err) {
  reset_error(err);
}

const char* ddllm_error_kind_name(int kind) {
  if (kind == 0) return "";
  if (kind < 1 || kind > 13) return "Unknown";
  // to_string returns views of string literals, so data() is NUL-terminated and static.
  return llm::to_string(static_cast<llm::ErrorKind>(kind)).data();
}

const char* ddllm_version(void) {
  return DDLLM_VERSION;
}

void ddllm_set_log_fn(ddllm_log_fn fn, void* user) {
  try {
    if (fn == nullptr) {
      llm::set_log_sink({});
      return;
    }
    llm::set_log_sink([fn, user](llm::LogLevel level, std::string_view message) {
      try {
        const std::string text(message);
        fn(log_level_code(level), text.c_str(), user);
      } catch (...) {
        // A log line that cannot be copied is dropped.
      }
    });
  } catch (...) {
    // Out of memory while installing: the previous sink stays.
  }
}

void ddllm_open_options_init(ddllm_open_options* opts) {
  if (opts == nullptr) return;
  *opts = ddllm_open_options{};
  opts->num_threads = -1;
  opts->verify_sha256 = 0;
  opts->assets_dir = nullptr;
  opts->cache_dir = nullptr;
  opts->max_cache_tokens = 0;
  opts->memory_threshold_mb = -1;
  opts->progress = nullptr;
  opts->progress_user = nullptr;
  opts->lazy_load = 0;
  opts->weight_cache_dir = nullptr;
}

int ddllm_open(const char* bundle_dir, const ddllm_open_options* opts, ddllm_runner** out,
               ddllm_error* err) {
  reset_error(err);
  if (out != nullptr) *out = nullptr;
  if (bundle_dir == nullptr) return fail_argument(err, "bundle_dir");
  if (out == nullptr) return fail_argument(err, "out");
  return guarded(err, llm::ErrorKind::kModelLoadFailed, [&]() -> int {
    ddllm_open_options o;
    ddllm_open_options_init(&o);
    if (opts != nullptr) o = *opts;
    llm::LocalLlmConfig config;
    config.bundle = bundle_dir;
    if (o.assets_dir != nullptr && o.assets_dir[0] != '\0') {
      config.assets_dir = o.assets_dir;
      if (o.cache_dir != nullptr) config.cache_dir = o.cache_dir;
    }
    config.thread_count = o.num_threads > 0 ? o.num_threads : -1;
    if (o.max_cache_tokens < 0) {
      return fail(err, llm::Error::configuration_invalid("max_cache_tokens",
                                                         "must be 0 (bundle default) or >= 1"));
    }
    if (o.max_cache_tokens > 0) config.max_cache_tokens = o.max_cache_tokens;
    if (o.memory_threshold_mb < -1) {
      return fail(err, llm::Error::configuration_invalid("memory_threshold_mb",
                                                         "must be -1 (bundle default) or >= 0"));
    }
    if (o.memory_threshold_mb >= 0) config.memory_threshold_mb = o.memory_threshold_mb;
    config.verify_sha256 = o.verify_sha256 != 0;
    if (o.weight_cache_dir != nullptr) config.weight_cache_dir = o.weight_cache_dir;
    auto created = llm::LocalLlm::create(std::move(config));
    if (!created.ok()) {
      llm::Error e = created.error();
      if (e.kind == llm::ErrorKind::kConfigurationInvalid) e.subject = option_name(e.subject);
      return fail(err, e);
    }
    auto handle = std::make_unique<ddllm_runner>();
    handle->llm = std::move(created).value();
    handle->progress = o.progress;
    handle->progress_user = o.progress_user;
    if (o.lazy_load == 0) {
      llm::Status loaded = handle->llm->load(copy_progress(*handle));
      if (!loaded.ok()) return fail(err, loaded.error());
    }
    *out = handle.release();
    return DDLLM_OK;
  });
}

void ddllm_close(ddllm_runner* runner) {
  if (runner == nullptr) return;
  runner->closing.store(true);
  try {
    runner->llm->cancel();
  } catch (...) {
    // Only a broken mutex throws here; `closing` still stops the generation at its next piece.
  }
  if (on_generating_thread(runner)) {
    runner->close_deferred.store(true);  // freed when that generate() returns
    return;
  }
  try {
    { std::lock_guard<std::mutex> wait_for_running_call(runner->call_mutex); }
  } catch (...) {
    // Locking only fails on a broken mutex; free anyway rather than leak.
  }
  delete runner;
}

int ddllm_reset(ddllm_runner* runner, ddllm_error* err) {
  reset_error(err);
  if (runner == nullptr) return fail_argument(err, "runner");
  if (on_generating_thread(runner)) return fail_reentrant(err, "ddllm_reset");
  return guarded(err, llm::ErrorKind::kGenerationFailed, [&]() -> int {
    std::lock_guard<std::mutex> lock(runner->call_mutex);
    // Not loaded: there is no cached prefix to forget (LocalLlm::reset would call that an error).
    if (!runner->llm->is_loaded()) return DDLLM_OK;
    llm::Status s = runner->llm->reset();
    if (!s.ok()) return fail(err, s.error());
    return DDLLM_OK;
  });
}

void ddllm_cancel(ddllm_runner* runner) {
  if (runner == nullptr) return;
  try {
    runner->llm->cancel();
  } catch (...) {
    // Only a broken mutex throws here; there is nothing else to stop the generation with.
  }
}

int64_t ddllm_context_length(const ddllm_runner* runner) {
  if (runner == nullptr) return 0;
  try {
    return runner->llm->info().context_length;
  } catch (...) {
    return 0;  // out of memory copying the info
  }
}

int ddllm_unload(ddllm_runner* runner, ddllm_error* err) {
  reset_error(err);
  if (runner == nullptr) return fail_argument(err, "runner");
  if (on_generating_thread(runner)) return fail_reentrant(err, "ddllm_unload");
  return guarded(err, llm::ErrorKind::kGenerationFailed, [&]() -> int {
    std::lock_guard<std::mutex> lock(runner->call_mutex);
    runner->llm->unload();
    std::lock_guard<std::mutex> info_lock(runner->info_mutex);
    runner->info_strings.clear();
    return DDLLM_OK;
  });
}

int ddllm_is_loaded(const ddllm_runner* runner) {
  if (runner == nullptr) return 0;
  try {
    return runner->llm->is_loaded() ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

int ddllm_get_model_info(ddllm_runner* runner, ddllm_model_info* out, ddllm_error* err) {
  reset_error(err);
  if (runner == nullptr) return fail_argument(err, "runner");
  if (out == nullptr) return fail_argument(err, "out");
  *out = ddllm_model_info{};
  return guarded(err, llm::ErrorKind::kGenerationFailed, [&]() -> int {
    const llm::ModelInfo info = runner->llm->info();
    ddllm_model_info result{};
    {
      std::lock_guard<std::mutex> lock(runner->info_mutex);
      result.name = intern(runner, info.name);
      result.path = intern(runner, info.path);
      result.quantization = intern(runner, info.quantization);
    }
    result.size_bytes = info.size_bytes;
    result.context_length = info.context_length;
    result.max_tokens = info.max_tokens;
    result.loaded = info.loaded ? 1 : 0;
    result.load_ms = info.load_ms;
    result.threads = info.threads;
    *out = result;
    return DDLLM_OK;
  });
}

void ddllm_request_init(ddllm_request* request) {
  if (request == nullptr) return;
  *request = ddllm_request{};
  request->timeout_ms = 30000;
}

void ddllm_response_free(ddllm_response* response) {
  if (response == nullptr) return;
  std::free(response->text);
  std::free(response->output_ids);
  *response = ddllm_response{};
}

int ddllm_generate(ddllm_runner* runner, const ddllm_request* request, ddllm_text_fn on_text,
                   ddllm_stats_fn on_stats, void* user, ddllm_response* out, ddllm_error* err) {
  reset_error(err);
  if (out != nullptr) *out = ddllm_response{};
  if (runner == nullptr) return fail_argument(err, "runner");
  if (request == nullptr) return fail_argument(err, "request");
  if (request->prompt == nullptr) return fail_argument(err, "request.prompt");
  if (out == nullptr) return fail_argument(err, "out");
  if (on_generating_thread(runner)) return fail_reentrant(err, "ddllm_generate");
  bool close_after = false;
  const int rc = guarded(err, llm::ErrorKind::kGenerationFailed, [&]() -> int {
    for (const auto& bad :
         {bad_string_array(request->system_instructions, request->n_system_instructions,
                           "request.system_instructions"),
          bad_string_array(request->stop, request->n_stop, "request.stop")}) {
      if (!bad.empty()) {
        return fail(err, llm::Error::configuration_invalid(bad, "must not be NULL"));
      }
    }
    return generate_locked(runner, *request, on_text, on_stats, user, out, err, close_after);
  });
  // A close requested from inside a callback is carried out now that the call has returned (the
  // response, if any, stays valid: it does not refer to the runner). Otherwise the runner is not
  // touched again: a ddllm_close() on another thread may free it as soon as the lock is released.
  if (close_after) {
    runner->close_deferred.store(false);
    ddllm_close(runner);
  }
  return rc;
}

int ddllm_feed_text(ddllm_runner* runner, const char* text, size_t len, int parse_special,
                    int64_t* position, ddllm_error* err) {
  reset_error(err);
  if (text == nullptr) return fail_argument(err, "text");
  return step_call(runner, err, "ddllm_feed_text",
                   [&](llm::Runner& r, const llm::CancelTokenPtr& token) -> llm::Status {
                     DD_ASSIGN_OR_RETURN(const size_t at, r.feed_text(std::string_view(text, len),
                                                                      parse_special != 0, token));
                     if (position != nullptr) *position = static_cast<int64_t>(at);
                     return llm::Status::Ok();
                   });
}

int ddllm_feed_tokens(ddllm_runner* runner, const int32_t* ids, size_t n_ids, int64_t* position,
                      ddllm_error* err) {
  reset_error(err);
  if (ids == nullptr && n_ids != 0) return fail_argument(err, "ids");
  return step_call(runner, err, "ddllm_feed_tokens",
                   [&](llm::Runner& r, const llm::CancelTokenPtr& token) -> llm::Status {
                     const std::vector<llm::TokenId> tokens(ids, ids + n_ids);
                     DD_ASSIGN_OR_RETURN(const size_t at, r.feed_tokens(tokens, token));
                     if (position != nullptr) *position = static_cast<int64_t>(at);
                     return llm::Status::Ok();
                   });
}

int ddllm_next_token(ddllm_runner* runner, const ddllm_request* sampling, ddllm_step_token* out,
                     ddllm_error* err) {
  reset_error(err);
  if (out != nullptr) *out = ddllm_step_token{};
  if (out == nullptr) return fail_argument(err, "out");
  return step_call(runner, err, "ddllm_next_token",
                   [&](llm::Runner& r, const llm::CancelTokenPtr&) -> llm::Status {
                     llm::GenerationRequest fields;  // only the sampling fields are read
                     if (sampling != nullptr) apply_sampling(*sampling, fields);
                     DD_ASSIGN_OR_RETURN(llm::StepToken t, r.next_token(r.sampling_for(fields)));
                     out->text = dup_string(t.text);
                     if (out->text == nullptr) {
                       return llm::Error::generation_failed("internal error", "out of memory");
                     }
                     out->id = t.id;
                     out->text_len = t.text.size();
                     out->end_of_sequence = t.end_of_sequence ? 1 : 0;
                     return llm::Status::Ok();
                   });
}

void ddllm_step_token_free(ddllm_step_token* token) {
  if (token == nullptr) return;
  std::free(token->text);
  *token = ddllm_step_token{};
}

int ddllm_seek(ddllm_runner* runner, int64_t position, ddllm_error* err) {
  reset_error(err);
  if (runner == nullptr) return fail_argument(err, "runner");
  if (on_generating_thread(runner)) return fail_reentrant(err, "ddllm_seek");
  return guarded(err, llm::ErrorKind::kGenerationFailed, [&]() -> int {
    std::lock_guard<std::mutex> lock(runner->call_mutex);
    if (!runner->llm->is_loaded()) {
      return fail(err, llm::Error::inference_not_initialized("the model is not loaded"));
    }
    if (position < 0) {
      return fail(err, llm::Error::configuration_invalid("position", "must be >= 0"));
    }
    const llm::Status s = runner->llm->with_runner(
        nullptr, [&](llm::Runner& r) { return r.seek(static_cast<size_t>(position)); });
    return s.ok() ? DDLLM_OK : fail(err, s.error());
  });
}

int64_t ddllm_position(ddllm_runner* runner) {
  if (runner == nullptr) return 0;
  try {
    std::lock_guard<std::mutex> lock(runner->call_mutex);
    if (!runner->llm->is_loaded()) return 0;
    return runner->llm
        ->with_runner(nullptr,
                      [](llm::Runner& r) -> llm::Result<int64_t> {
                        return static_cast<int64_t>(r.position());
                      })
        .value();
  } catch (...) {
    return 0;
  }
}

void ddllm_string_free(char* s) {
  std::free(s);
}

int ddllm_assistant_ask(const char* question, const char* lang, const char* saved_medicines_json,
                        char** out_json, ddllm_error* err) {
  reset_error(err);
  if (out_json != nullptr) *out_json = nullptr;
  if (question == nullptr) return fail_argument(err, "question");
  if (out_json == nullptr) return fail_argument(err, "out_json");
  return guarded(err, llm::ErrorKind::kGenerationFailed, [&]() -> int {
    const std::string_view q(question);
    if (q.empty() || q.size() > kMaxQuestionBytes || !llm::is_valid_utf8(q)) {
      return invalid(err, "question", "must be 1..4096 bytes of UTF-8");
    }
    const auto language = dd_app::parse_language(lang == nullptr ? "ko" : lang);
    if (!language) return invalid(err, "lang", "must be \"ko\" or \"en\"");
    auto store = dd_app::MedicationStore::open_in_memory();
    if (!store.ok()) {
      return fail(err, llm::Error::generation_failed("assistant", "in-memory store"));
    }
    if (saved_medicines_json != nullptr) {
      if (const int rc = save_medicines(saved_medicines_json, *store, err); rc != 0) return rc;
    }
    const dd_app::MedicineFacts& facts = dd_app::MedicineFacts::builtin();
    dd_app::Assistant assistant(nullptr, *store, store->clock(), facts);
    auto reply = assistant.ask(q, *language);
    if (!reply.ok()) {
      if (reply.error().is_llm()) return fail(err, std::get<llm::Error>(reply.error().error));
      return invalid(err, "question", "is blank");
    }
    const nlohmann::json out = {
        {"text", reply->text},
        {"language", dd_app::to_string(reply->language)},
        {"emergency", reply->emergency ? nlohmann::json(dd_app::to_string(*reply->emergency))
                                       : nlohmann::json(nullptr)},
        {"facts_used", reply->facts_used},
        {"medicines", reply->medicines},
        {"content_review", facts.review_status().in(*language)}};
    *out_json = dup_string(out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (*out_json == nullptr) throw std::bad_alloc();
    return 0;
  });
}

}  // extern "C"
