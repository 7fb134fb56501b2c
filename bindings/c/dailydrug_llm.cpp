// The C API over dailydrug::llm (see include/dailydrug/dailydrug_llm.h for the contract).
//
// Every entry point is a thin shell: check arguments, run the C++ call inside a catch-all guard,
// and convert Result/Error values to return codes and malloc-owned C strings.
#include "dailydrug/dailydrug_llm.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/error.h"
#include "dailydrug/llm/log.h"
#include "dailydrug/llm/runner.h"

namespace llm = dailydrug::llm;

struct ddllm_runner {
  std::unique_ptr<llm::Runner> runner;
  // Serialises generate/reset and lets close wait for a running call.
  std::mutex call_mutex;
  // The thread currently inside generate() (and so inside its callbacks); default id when idle.
  // Used to refuse re-entrant calls from a callback, which would deadlock on call_mutex.
  std::atomic<std::thread::id> generating_thread{};
  // Set by ddllm_close(): a running generation stops and no new one starts.
  std::atomic<bool> closing{false};
  // ddllm_close() was called from inside a callback: generate() frees the runner on return.
  std::atomic<bool> close_deferred{false};
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
                         "re-entrant call", std::string(function) +
                                                " called from inside this runner's callback"));
  } catch (...) {
    return static_cast<int>(llm::ErrorKind::kGenerationFailed);
  }
}

int log_level_code(llm::LogLevel level) {
  switch (level) {
    case llm::LogLevel::kDebug: return DDLLM_LOG_DEBUG;
    case llm::LogLevel::kInfo: return DDLLM_LOG_INFO;
    case llm::LogLevel::kError: return DDLLM_LOG_ERROR;
    case llm::LogLevel::kFatal: return DDLLM_LOG_FATAL;
  }
  return DDLLM_LOG_INFO;
}

int finish_code(llm::FinishReason reason) {
  switch (reason) {
    case llm::FinishReason::kStop: return DDLLM_FINISH_STOP;
    case llm::FinishReason::kLength: return DDLLM_FINISH_LENGTH;
    case llm::FinishReason::kCancelled: return DDLLM_FINISH_CANCELLED;
  }
  return DDLLM_FINISH_STOP;
}

const char* finish_name(llm::FinishReason reason) {
  switch (reason) {
    case llm::FinishReason::kStop: return "stop";
    case llm::FinishReason::kLength: return "length";
    case llm::FinishReason::kCancelled: return "cancelled";
  }
  return "stop";
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

llm::GenerationRequest to_request(const ddllm_request& in) {
  llm::GenerationRequest r;
  const size_t len = in.prompt_len != 0 ? in.prompt_len : std::strlen(in.prompt);
  r.prompt.assign(in.prompt, len);
  for (size_t i = 0; i < in.n_system_instructions; ++i) {
    r.system_instructions.emplace_back(in.system_instructions[i]);
  }
  for (size_t i = 0; i < in.n_stop; ++i) r.stop.emplace_back(in.stop[i]);
  r.raw = in.raw != 0;
  if (in.has_temperature) r.temperature = in.temperature;
  if (in.has_top_k) r.top_k = in.top_k;
  if (in.has_top_p) r.top_p = in.top_p;
  if (in.has_min_p) r.min_p = in.min_p;
  if (in.has_repetition_penalty) r.repetition_penalty = in.repetition_penalty;
  if (in.has_seed) r.seed = in.seed;
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
    out->output_ids =
        static_cast<int32_t*>(std::malloc(in.output_ids.size() * sizeof(int32_t)));
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
  out->finish_reason_name = finish_name(in.finish_reason);
  out->seed = in.seed;
  return true;
}

int generate_locked(ddllm_runner* r, const ddllm_request& request, ddllm_text_fn on_text,
                    ddllm_stats_fn on_stats, void* user, ddllm_response* out,
                    ddllm_error* err) {
  const llm::GenerationRequest req = to_request(request);
  std::lock_guard<std::mutex> lock(r->call_mutex);
  if (r->closing.load()) {
    return fail(err, llm::Error::inference_not_initialized("the runner is being closed"));
  }
  r->generating_thread.store(std::this_thread::get_id());
  struct ClearThread {
    ddllm_runner* r;
    ~ClearThread() { r->generating_thread.store(std::thread::id{}); }
  } clear_thread{r};

  bool stopped_by_caller = false;  // on_text asked to stop: no more text callbacks
  std::string piece;
  auto text_cb = [&](std::string_view p) {
    if (r->closing.load()) {
      r->runner->cancel();
      stopped_by_caller = true;
    }
    if (stopped_by_caller || on_text == nullptr) return;
    piece.assign(p);  // the callback gets a NUL-terminated copy
    if (on_text(piece.c_str(), piece.size(), user) != 0) {
      stopped_by_caller = true;
      r->runner->cancel();
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
      const std::string json = stats_json(c);
      on_stats(&c, json.c_str(), user);
    };
  }
  auto result = r->runner->generate(req, text_cb, stats_cb);
  if (!result.ok()) return fail(err, result.error());
  if (!export_response(*result, out)) {
    return fail_out_of_memory(err, llm::ErrorKind::kGenerationFailed);
  }
  return DDLLM_OK;
}

}  // namespace

extern "C" {

void ddllm_error_free(ddllm_error* err) { reset_error(err); }

const char* ddllm_error_kind_name(int kind) {
  if (kind == 0) return "";
  if (kind < 1 || kind > 13) return "Unknown";
  // to_string returns views of string literals, so data() is NUL-terminated and static.
  return llm::to_string(static_cast<llm::ErrorKind>(kind)).data();
}

const char* ddllm_version(void) { return DDLLM_VERSION; }

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
}

int ddllm_open(const char* bundle_dir, const ddllm_open_options* opts, ddllm_runner** out,
               ddllm_error* err) {
  reset_error(err);
  if (out != nullptr) *out = nullptr;
  if (bundle_dir == nullptr) return fail_argument(err, "bundle_dir");
  if (out == nullptr) return fail_argument(err, "out");
  return guarded(err, llm::ErrorKind::kModelLoadFailed, [&]() -> int {
    const bool full = opts != nullptr && opts->verify_sha256 != 0;
    auto bundle = llm::ModelBundle::open(
        bundle_dir, full ? llm::ModelBundle::Verify::kFull : llm::ModelBundle::Verify::kSizes);
    if (!bundle.ok()) return fail(err, bundle.error());
    llm::ModelLoadOptions load;
    load.num_threads = (opts != nullptr && opts->num_threads > 0) ? opts->num_threads : -1;
    auto runner = llm::Runner::from_bundle(*bundle, load);
    if (!runner.ok()) return fail(err, runner.error());
    auto handle = std::make_unique<ddllm_runner>();
    handle->runner = std::move(runner).value();
    *out = handle.release();
    return DDLLM_OK;
  });
}

void ddllm_close(ddllm_runner* runner) {
  if (runner == nullptr) return;
  runner->closing.store(true);
  runner->runner->cancel();
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
    runner->runner->reset();
    return DDLLM_OK;
  });
}

void ddllm_cancel(ddllm_runner* runner) {
  if (runner != nullptr) runner->runner->cancel();
}

int64_t ddllm_context_length(const ddllm_runner* runner) {
  return runner == nullptr ? 0 : runner->runner->context_limit();
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
  const int rc = guarded(err, llm::ErrorKind::kGenerationFailed, [&]() -> int {
    for (const auto& bad :
         {bad_string_array(request->system_instructions, request->n_system_instructions,
                           "request.system_instructions"),
          bad_string_array(request->stop, request->n_stop, "request.stop")}) {
      if (!bad.empty()) {
        return fail(err, llm::Error::configuration_invalid(bad, "must not be NULL"));
      }
    }
    return generate_locked(runner, *request, on_text, on_stats, user, out, err);
  });
  // A close requested from inside a callback is carried out now that the call has returned (the
  // response, if any, stays valid: it does not refer to the runner).
  if (runner->close_deferred.load()) {
    runner->close_deferred.store(false);
    ddllm_close(runner);
  }
  return rc;
}

}  // extern "C"
