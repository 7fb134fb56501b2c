/* DailyDrug local LLM: C API over the C++ runtime (libdailydrug_llm.so).
 *
 * Pure C (C99), for the JNI binding, FFI users and anything that cannot link C++. A runner wraps
 * one dailydrug::llm::LocalLlm (dailydrug/llm/local_llm.h): the optional first-use copy of a
 * bundle from a read-only assets folder to a writable cache folder (atomic, SHA-256 verified, with
 * progress), the memory check, eager or lazy loading, unload/reload, cancel and reset. Generation
 * semantics are those of dailydrug/llm/runner.h.
 *
 * Conventions
 * - Every fallible function returns 0 on success, or one of the DDLLM_ERR_* codes below (the
 *   values of the C++ ErrorKind, 1..13). No C++ exception or crash escapes the library: an
 *   unexpected internal failure is reported as DDLLM_ERR_GENERATION_FAILED (or
 *   DDLLM_ERR_MODEL_LOAD_FAILED while opening).
 * - A NULL pointer where an object is required gives DDLLM_ERR_CONFIGURATION_INVALID with
 *   `subject` set to the argument's name ("bundle_dir", "out", "runner", "request",
 *   "request.prompt", ...).
 * - `err` parameters are optional (may be NULL). When given, the struct must be zero-initialised
 *   (`ddllm_error err = {0};`) or hold a value this library wrote. Each call first releases what
 *   `err` holds and resets it to "no error" (kind 0), then fills it on failure; so after any call
 *   `err` describes that call only. Release the last value with ddllm_error_free().
 * - Strings are UTF-8 and, unless a length is given, NUL-terminated. Strings passed in are only
 *   read during the call (the library copies what it keeps).
 * - Structs passed in (options, requests) may gain fields at their end in later versions: fill
 *   them with their *_init() function first, and rebuild against the header that matches the
 *   library you ship.
 *
 * Thread-safety
 * - Different runners may be used from different threads at the same time.
 * - One runner: ddllm_generate(), ddllm_reset() and ddllm_unload() are serialised (a second call
 *   waits for the first). ddllm_cancel(), ddllm_is_loaded(), ddllm_context_length() and
 *   ddllm_get_model_info() may be called from any thread at any time while the runner is open
 *   and never wait for a generation. ddllm_close() cancels a running generation and waits for it
 *   to return; no other call on the runner may start during or after ddllm_close().
 * - The callbacks (text, stats, copy progress) run on the thread that called ddllm_generate() (or
 *   ddllm_open()). They must not call ddllm_generate(), ddllm_reset(), ddllm_unload() or
 *   ddllm_close() on the same runner (such calls fail with DDLLM_ERR_GENERATION_FAILED; close is
 *   deferred, see ddllm_close); ddllm_cancel() is allowed.
 */
#ifndef DAILYDRUG_DAILYDRUG_LLM_H_
#define DAILYDRUG_DAILYDRUG_LLM_H_

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#if defined(DDLLM_BUILDING_LIBRARY)
#define DDLLM_API __declspec(dllexport)
#else
#define DDLLM_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define DDLLM_API __attribute__((visibility("default")))
#else
#define DDLLM_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Errors. The codes and the meaning of the fields mirror DailyDrug's Kotlin `LocalLlmError`.
 * ------------------------------------------------------------------------------------------- */

#define DDLLM_OK 0
#define DDLLM_ERR_MODEL_LOAD_FAILED 1         /* cause */
#define DDLLM_ERR_MODEL_NOT_FOUND 2           /* subject = model path */
#define DDLLM_ERR_MODEL_CORRUPTED 3           /* subject = model path, cause = what did not match */
#define DDLLM_ERR_TOKENIZER_NOT_INITIALIZED 4 /* cause */
#define DDLLM_ERR_TOKENIZER_MODEL_NOT_FOUND 5 /* subject = tokenizer path, cause */
#define DDLLM_ERR_TOKENIZATION_FAILED 6       /* subject = details, cause */
#define DDLLM_ERR_INSUFFICIENT_MEMORY 7       /* expected = required MB, actual = available MB */
#define DDLLM_ERR_GENERATION_TIMEOUT 8        /* expected = timeout in ms */
#define DDLLM_ERR_GENERATION_FAILED 9         /* subject = details, cause */
#define DDLLM_ERR_INFERENCE_NOT_INITIALIZED 10 /* cause */
#define DDLLM_ERR_ASSET_COPY_FAILED 11         /* subject = asset name, cause */
#define DDLLM_ERR_CONFIGURATION_INVALID 12     /* subject = config key or argument name, cause */
#define DDLLM_ERR_CONTEXT_LENGTH_EXCEEDED 13   /* expected = max length, actual = actual length */

typedef struct ddllm_error {
  int kind;              /* 0 = no error, else a DDLLM_ERR_* code */
  const char* kind_name; /* static, never freed: "ModelCorrupted", ...; "" when kind is 0 */
  char* message;         /* owned: one English line, e.g. "model corrupted: /x/model.pte (...)" */
  char* subject;    /* owned: path / details / asset name / config key, per kind ("" if none) */
  char* cause;      /* owned: the underlying reason ("" if none) */
  int64_t expected; /* required MB / timeout ms / max length, per kind; else 0 */
  int64_t actual;   /* available MB / actual length, per kind; else 0 */
} ddllm_error;
/* The owned strings are malloc'd, never NULL after a failure except when memory ran out, and NULL
 * when kind is 0. */

/* Release the strings `err` owns and reset it to kind 0. NULL is a no-op. */
DDLLM_API void ddllm_error_free(ddllm_error* err);

/* The stable name of an error code ("ModelCorrupted"), "" for 0, "Unknown" for anything else.
 * Static storage; never NULL. */
DDLLM_API const char* ddllm_error_kind_name(int kind);

/* The library version, "MAJOR.MINOR.PATCH". Static storage. */
DDLLM_API const char* ddllm_version(void);

/* ---------------------------------------------------------------------------------------------
 * Logging. The library never prints; install a sink to receive its (and ExecuTorch's) messages.
 * ------------------------------------------------------------------------------------------- */

#define DDLLM_LOG_DEBUG 0
#define DDLLM_LOG_INFO 1
#define DDLLM_LOG_ERROR 2
#define DDLLM_LOG_FATAL 3

/* `message` is UTF-8, NUL-terminated and valid during the call only. May be called from any
 * thread; must be thread-safe and must not call back into the library. */
typedef void (*ddllm_log_fn)(int level, const char* message, void* user);

/* Install (or with fn == NULL, remove) the process-wide log sink. Thread-safe. */
DDLLM_API void ddllm_set_log_fn(ddllm_log_fn fn, void* user);

/* ---------------------------------------------------------------------------------------------
 * Runner lifecycle.
 * ------------------------------------------------------------------------------------------- */

/* One model bundle (loaded or not) and its conversation state (KV cache with the cached prompt
 * prefix). */
typedef struct ddllm_runner ddllm_runner;

/* Progress of the first-use copy from assets_dir to cache_dir: `done_bytes` of `total_bytes` (the
 * sum of the bundle's file sizes) copied so far; `file` is the bundle file being copied, relative
 * to the bundle folder ("model.pte"), NUL-terminated and valid during the call only. Called on the
 * thread that loads (inside ddllm_open(), or inside ddllm_generate() with lazy_load or after
 * ddllm_unload()), after each chunk, with done_bytes never decreasing; the last call of a complete
 * copy has done_bytes == total_bytes. Not called at all when cache_dir already holds an intact
 * copy of the same bundle. The copy cannot be interrupted from the callback. */
typedef void (*ddllm_progress_fn)(uint64_t done_bytes, uint64_t total_bytes, const char* file,
                                  void* user);

typedef struct ddllm_open_options {
  /* Threads for ExecuTorch's (process-wide) thread pool. <= 0: the bundle's
   * performance_settings default (-1 there means automatic: the performance cores on a
   * big.LITTLE phone; on cores all alike, all of them up to 4 and one fewer above);
   * otherwise 1..256. */
  int32_t num_threads;
  /* Nonzero: check every bundle file's SHA-256 before the first load (slower); 0: sizes only.
   * A copy from assets_dir is always hashed while it is made, whatever this says. */
  int verify_sha256;

  /* --- Lifecycle options (LocalLlm); ddllm_open_options_init() sets their defaults. --- */

  /* Read-only folder holding the bundle folder (the app's assets). NULL or "": none, and
   * bundle_dir is the bundle folder's path, used in place. Otherwise bundle_dir is the bundle
   * folder's *name* inside assets_dir (no '/'), and the bundle is copied to cache_dir/<name> on
   * first use: atomically (a failure leaves the previous copy as it was), every file checked
   * against model_config.json (size and SHA-256), with `progress` reporting. An intact copy with
   * the same model_config.json is kept and nothing is copied. */
  const char* assets_dir;
  /* Writable folder for the copy; required with assets_dir, ignored without it. */
  const char* cache_dir;
  /* Cap on the KV cache (and so the context) in tokens. 0: the bundle's memory_settings. */
  int64_t max_cache_tokens;
  /* Refuse to load (DDLLM_ERR_INSUFFICIENT_MEMORY) when the system's available memory is below
   * this many MB. -1: the bundle's memory_settings.min_memory_mb; 0: no check. */
  int64_t memory_threshold_mb;
  /* Copy progress (may be NULL), called with `progress_user`. Kept by the runner: it may be called
   * during ddllm_open() and, when the runner loads later (lazy_load, or after ddllm_unload()),
   * during ddllm_generate(); both pointers must stay valid until ddllm_close(). */
  ddllm_progress_fn progress;
  void* progress_user;
  /* 0: ddllm_open() copies, checks and loads the model, so every loading error surfaces there.
   * Nonzero: ddllm_open() only validates the options; the first ddllm_generate() loads the model
   * and returns the loading errors (ddllm_open's list below) itself. */
  int lazy_load;
  /* The packed-weight cache: a writable folder where the first load of a program leaves
   * XNNPACK's packed weights in a file (~ the program's size; at most 3 such files are kept),
   * which later loads map instead of packing the weights again (the default bundle loads ~10x
   * faster). NULL: cache_dir/.packed-weights when cache_dir is set, else none; "": none. A damaged
   * or unusable cache is rebuilt or skipped, never an error. */
  const char* weight_cache_dir;
} ddllm_open_options;

/* Defaults: num_threads = -1, verify_sha256 = 0 (as before the lifecycle fields existed),
 * assets_dir = cache_dir = NULL, max_cache_tokens = 0, memory_threshold_mb = -1 (the bundle's
 * min_memory_mb), progress = progress_user = NULL, lazy_load = 0, weight_cache_dir = NULL. Passing
 * NULL options to ddllm_open() means the same. (A zero-initialised struct differs only in
 * memory_threshold_mb = 0, i.e. no memory check.) */
DDLLM_API void ddllm_open_options_init(ddllm_open_options* opts);

/* Open the bundle `bundle_dir` (a folder with model.pte, tokenizer and model_config.json; or, with
 * opts->assets_dir, the name of such a folder inside assets_dir) and, unless opts->lazy_load,
 * prepare and load it: copy from assets_dir if needed, check the files, check the available
 * memory, load. `opts` may be NULL (defaults). On success *out receives a runner to release with
 * ddllm_close(); on failure *out is set to NULL.
 * Errors: CONFIGURATION_INVALID (NULL bundle_dir or out; an option out of range, subject = the
 * option's name: "bundle_dir" (empty, or containing '/' with assets_dir), "cache_dir" (missing
 * with assets_dir), "num_threads", "max_cache_tokens", "memory_threshold_mb"; a malformed or
 * out-of-range model_config.json value, subject = the key). Loading errors (returned by the first
 * ddllm_generate() instead with lazy_load): ASSET_COPY_FAILED (subject = the file that could not
 * be copied or did not verify, cause = why; the previous copy in cache_dir is left intact),
 * MODEL_NOT_FOUND (no folder or no model_config.json), MODEL_CORRUPTED (a listed file missing, of
 * the wrong size or SHA-256, or program/tokenizer/config disagreeing on the vocabulary),
 * INSUFFICIENT_MEMORY (expected = required MB, actual = available MB), MODEL_LOAD_FAILED
 * (ExecuTorch could not load the program), TOKENIZER_MODEL_NOT_FOUND and TOKENIZER_NOT_INITIALIZED
 * (the tokenizer file is missing or unreadable). */
DDLLM_API int ddllm_open(const char* bundle_dir, const ddllm_open_options* opts, ddllm_runner** out,
                         ddllm_error* err);

/* Cancel any running generation, wait for it to return, and free the runner (and the model).
 * NULL is a no-op. The pointer is invalid afterwards. A load in progress inside ddllm_generate()
 * (lazy_load, or after ddllm_unload()) cannot be interrupted: close waits for it, and that
 * ddllm_generate() then returns INFERENCE_NOT_INITIALIZED without generating. Called from inside
 * one of the runner's own callbacks, it cancels the generation and the runner is freed when that
 * ddllm_generate() returns. */
DDLLM_API void ddllm_close(ddllm_runner* runner);

/* Forget the cached prompt prefix: the next prompt is prefilled from position 0. Waits for a
 * running generation. A no-op (success) when the model is not loaded. Errors:
 * CONFIGURATION_INVALID (NULL runner), GENERATION_FAILED (called from inside the runner's own
 * callback). */
DDLLM_API int ddllm_reset(ddllm_runner* runner, ddllm_error* err);

/* Ask the running call to stop: ddllm_generate() ends within one token with finish reason
 * "cancelled" (not an error); one that is still waiting for the runner or copying the model
 * stops there, and one that is loading it runs no prefill. ddllm_feed_text()/ddllm_feed_tokens()
 * stop between prefill chunks. Any thread; never waits for a call; a no-op when idle (it does
 * not affect a later call). NULL is a no-op. */
DDLLM_API void ddllm_cancel(ddllm_runner* runner);

/* The runner's context limit in tokens (prompt + output): that of the last load (kept across
 * ddllm_unload()), 0 when the model was never loaded (lazy_load) or for NULL. */
DDLLM_API int64_t ddllm_context_length(const ddllm_runner* runner);

/* Release the model (its memory); the runner stays open and the next ddllm_generate() loads the
 * model again (from cache_dir when assets_dir was given, copying only if that copy is gone or
 * damaged). Waits for a running generation (call ddllm_cancel() first to make that quick). The
 * conversation state is dropped with the model. The strings of earlier ddllm_get_model_info()
 * results become invalid. A no-op when not loaded. Errors: CONFIGURATION_INVALID (NULL runner),
 * GENERATION_FAILED (called from inside the runner's own callback). */
DDLLM_API int ddllm_unload(ddllm_runner* runner, ddllm_error* err);

/* Nonzero while the model is loaded (after an eager ddllm_open() or a generate that loaded it,
 * until ddllm_unload() or ddllm_close()); 0 otherwise and for NULL. */
DDLLM_API int ddllm_is_loaded(const ddllm_runner* runner);

/* What the app shows about the model (LocalLlmService's model info). */
typedef struct ddllm_model_info {
  /* The strings are owned by the runner: never NULL, valid until ddllm_unload() or ddllm_close()
   * of that runner (whichever comes first), and not to be freed by the caller. */
  const char* name;         /* model_config.json model_name */
  const char* path;         /* the bundle folder loaded (cache_dir/<name> with assets_dir) */
  uint64_t size_bytes;      /* sum of the bundle's file sizes */
  int64_t context_length;   /* as ddllm_context_length() */
  int64_t max_tokens;       /* model_config.json max_tokens */
  const char* quantization; /* model_config.json quantization, e.g. "fp32" */
  int loaded;               /* as ddllm_is_loaded() */
  double load_ms;           /* duration of the last load (copy + checks + load) */
  int32_t threads;          /* ExecuTorch's thread pool size after the last load */
} ddllm_model_info;

/* Fill *out with the model's info. Before the first load (lazy_load) the strings are "" and the
 * numbers 0; after ddllm_unload() the values of the last load remain, with loaded = 0.
 * Errors: CONFIGURATION_INVALID (NULL runner or out; subject = "runner" / "out"). */
DDLLM_API int ddllm_get_model_info(ddllm_runner* runner, ddllm_model_info* out, ddllm_error* err);

/* ---------------------------------------------------------------------------------------------
 * Generation.
 * ------------------------------------------------------------------------------------------- */

/* Shaped like DailyDrug's LlmRequest. Optional values use explicit has_* flags (nonzero = set);
 * an unset value takes the bundle's default. Zero-initialisation gives: no optional value set,
 * chat template on, no timeout. ddllm_request_init() gives the same with timeout_ms = 30000. */
typedef struct ddllm_request {
  const char* prompt; /* required: the user's message (or, with raw, the whole model input) */
  size_t prompt_len;  /* bytes in prompt; 0 = NUL-terminated (use "" for an empty prompt) */
  const char* const* system_instructions; /* joined with "\n"; none = the bundle's system prompt */
  size_t n_system_instructions;
  const char* const* stop; /* extra stop strings, added to the bundle's and template's */
  size_t n_stop;
  int raw; /* nonzero: prompt is fed as-is, without the chat template */

  int has_temperature;
  float temperature; /* >= 0; 0 = greedy */
  int has_top_k;
  int32_t top_k; /* <= 0 = off */
  int has_top_p;
  float top_p; /* (0, 1] */
  int has_min_p;
  float min_p; /* [0, 1) */
  int has_repetition_penalty;
  float repetition_penalty; /* >= 1 */
  int has_seed;
  uint64_t seed; /* same seed + prompt -> same text */
  int has_max_output_tokens;
  int32_t max_output_tokens; /* >= 1; clamped to the context */
  int64_t timeout_ms;        /* wall clock for the whole call; 0 = none; < 0 is invalid */
} ddllm_request;

/* Zero everything, then timeout_ms = 30000 (DailyDrug's default). */
DDLLM_API void ddllm_request_init(ddllm_request* request);

#define DDLLM_FINISH_STOP 0      /* EOS or a stop string */
#define DDLLM_FINISH_LENGTH 1    /* max_output_tokens or the context was reached */
#define DDLLM_FINISH_CANCELLED 2 /* ddllm_cancel() or a text callback returning nonzero */

/* Shaped like DailyDrug's LlmResponse. Filled by ddllm_generate(); release with
 * ddllm_response_free(). */
typedef struct ddllm_response {
  char* text;      /* owned, UTF-8, NUL-terminated; special tokens removed, newlines kept */
  size_t text_len; /* bytes in text, without the terminator */
  int32_t input_tokens;
  int32_t output_tokens;
  int32_t total_tokens;
  int finish_reason;              /* DDLLM_FINISH_* */
  const char* finish_reason_name; /* static: "stop", "length" or "cancelled" */
  int32_t* output_ids;            /* owned: generated token ids, including a final EOS if sampled */
  size_t n_output_ids;
  uint64_t seed; /* the seed actually used */
} ddllm_response;

/* Release what `response` owns and zero it. NULL is a no-op; so is a zeroed response. */
DDLLM_API void ddllm_response_free(ddllm_response* response);

/* Timing of one generation (see GenerationStats in runner.h). */
typedef struct ddllm_stats {
  int32_t prompt_tokens;
  int32_t reused_prefix_tokens; /* prompt tokens whose KV came from the cache */
  int32_t generated_tokens;
  double ttft_ms;
  double prefill_ms;
  double decode_ms;
  double prefill_tokens_per_s;
  double decode_tokens_per_s;
  int64_t peak_rss_kb;
  /* speculative decoding (0 when not used): drafted tokens verified, how many the model
   * confirmed, and the verifying forward calls */
  int32_t drafted_tokens;
  int32_t accepted_tokens;
  int32_t verify_calls;
  /* of reused_prefix_tokens, those restored from a prefix snapshot file (the system prompt's
   * cache saved by an earlier start, kept in the weight cache folder) */
  int32_t restored_prefix_tokens;
} ddllm_stats;

/* Called with each complete UTF-8 piece of the reply, in order (`piece` is NUL-terminated,
 * `len` bytes, valid during the call only). Return 0 to go on, nonzero to stop the generation:
 * it then ends like a cancel (finish reason "cancelled", return code 0) and no further text
 * callbacks are made for this call. Without a stop, the pieces concatenate to response.text. */
typedef int (*ddllm_text_fn)(const char* piece, size_t len, void* user);

/* Called once at the end of a successful generation. `json` holds the same values as an object
 * with the field names of ddllm_stats. Both pointers are valid during the call only. */
typedef void (*ddllm_stats_fn)(const ddllm_stats* stats, const char* json, void* user);

/* Generate a reply, blocking. When the model is not loaded (lazy_load, or after ddllm_unload()),
 * it is loaded first, reporting copy progress to the open options' `progress`; the request's
 * timeout_ms does not count the load. on_text, on_stats and user may be NULL. On success *out is
 * filled (release it with ddllm_response_free); on failure *out is zeroed. `out` is overwritten
 * without being freed first.
 * Errors: the loading errors of ddllm_open() when this call loads the model; CONFIGURATION_INVALID
 * (NULL runner, request, request.prompt or out; a NULL string in system_instructions or stop,
 * subject "request.system_instructions[i]" / "request.stop[i]"; sampling out of range, subject =
 * the field name: "temperature", "top_k", "top_p", "min_p", "repetition_penalty",
 * "max_output_tokens", "timeout_ms"), TOKENIZATION_FAILED (prompt not valid UTF-8, or empty after
 * the template), CONTEXT_LENGTH_EXCEEDED (expected = context limit, actual = prompt tokens: the
 * prompt leaves no room to answer), GENERATION_TIMEOUT (expected = timeout_ms), GENERATION_FAILED
 * (the program failed, a callback threw a C++ exception, or the call was made from inside one of
 * this runner's callbacks). */
DDLLM_API int ddllm_generate(ddllm_runner* runner, const ddllm_request* request,
                             ddllm_text_fn on_text, ddllm_stats_fn on_stats, void* user,
                             ddllm_response* out, ddllm_error* err);

/* ---------------------------------------------------------------------------------------------
 * Step API: drive the model a token at a time (DailyDrug's ExecutorRunner.reset / feedPrompt /
 * nextToken). It works on the same conversation state as ddllm_generate(): calls are serialised
 * with it, a later ddllm_generate() reuses the prefix that was fed, and ddllm_reset() starts
 * over. Text is fed as written (no chat template). The model is loaded on first use, as by
 * ddllm_generate(). None of these may be called from inside the runner's callbacks
 * (GENERATION_FAILED).
 * ------------------------------------------------------------------------------------------- */

/* Run `len` bytes of UTF-8 `text` into the model's cache after the current position. Special-
 * token text ("<|im_start|>") becomes control tokens only when `parse_special` is nonzero.
 * `*position` (may be NULL) receives the position reached; ddllm_cancel() stops the feed between
 * prefill chunks (success, position short of the end).
 * Errors: the loading errors; CONFIGURATION_INVALID (NULL runner or text), TOKENIZATION_FAILED
 * (not UTF-8), CONTEXT_LENGTH_EXCEEDED (expected = context limit, actual = tokens it would need),
 * GENERATION_FAILED. */
DDLLM_API int ddllm_feed_text(ddllm_runner* runner, const char* text, size_t len, int parse_special,
                              int64_t* position, ddllm_error* err);

/* As ddllm_feed_text() with token ids. CONFIGURATION_INVALID (subject "tokens") for an id outside
 * the vocabulary; nothing runs then. */
DDLLM_API int ddllm_feed_tokens(ddllm_runner* runner, const int32_t* ids, size_t n_ids,
                                int64_t* position, ddllm_error* err);

/* One token drawn by ddllm_next_token(). */
typedef struct ddllm_step_token {
  int32_t id;
  char* text; /* owned, NUL-terminated: the text this token completes (whole UTF-8; may
               * be empty while a character spans tokens) */
  size_t text_len;
  int end_of_sequence; /* nonzero: an end-of-sequence id, not run into the cache */
} ddllm_step_token;

/* Draw the next token from the last logits and run it into the cache (unless it ends the
 * sequence). Sampling comes from `sampling`'s temperature, top_k, top_p, min_p,
 * repetition_penalty and seed (its other fields are ignored; NULL = the bundle's defaults); the
 * sampler's random state carries on while these stay the same. On success *out is filled (release
 * with ddllm_step_token_free); on failure it is zeroed.
 * Errors: the loading errors; CONFIGURATION_INVALID (NULL runner or out; sampling out of range),
 * INFERENCE_NOT_INITIALIZED (nothing fed since ddllm_reset()/ddllm_seek()),
 * CONTEXT_LENGTH_EXCEEDED, GENERATION_FAILED. */
DDLLM_API int ddllm_next_token(ddllm_runner* runner, const ddllm_request* sampling,
                               ddllm_step_token* out, ddllm_error* err);

/* Release what `token` owns and zero it. NULL is a no-op. */
DDLLM_API void ddllm_step_token_free(ddllm_step_token* token);

/* Keep the first `position` tokens of the cache (rewind); the next feed continues from there,
 * and ddllm_next_token() needs a feed first. Errors: CONFIGURATION_INVALID (NULL runner; subject
 * "position" when past the current position), INFERENCE_NOT_INITIALIZED (the model is not
 * loaded). */
DDLLM_API int ddllm_seek(ddllm_runner* runner, int64_t position, ddllm_error* err);

/* Tokens in the cache (0 when the model is not loaded, or for NULL). Waits for a running call. */
DDLLM_API int64_t ddllm_position(ddllm_runner* runner);

/* ---------------------------------------------------------------------------------------------
 * The medication assistant (docs/ASSISTANT.md): answers from DailyDrug's curated medicine notes,
 * no model involved, so it needs no runner and answers in milliseconds.
 * ------------------------------------------------------------------------------------------- */

/* Answer a medication question: triage first (an emergency sign opens the answer with 119 / the
 * emergency room), then the direct answer, the medicine facts, warnings among the medicines in
 * play (those named and the user's saved ones: the same ingredient twice, interactions), the rules
 * for any medicine, sources and a referral line. The same question gives the same answer.
 * `question`: UTF-8, 1..4096 bytes, NUL-terminated. `lang`: "ko" or "en" (NULL: "ko").
 * `saved_medicines_json`: NULL, or a JSON array (at most 50) of {"name": "...", "dosage": "..."}
 * with the user's medicines as saved in the app (names 1..200 bytes).
 * On success *out_json receives a malloc'd, NUL-terminated JSON object, to release with
 * ddllm_string_free(): {"text", "language", "emergency" (null or "breathing", "chest_pain",
 * "overdose", ...), "facts_used", "medicines", "content_review"}.
 * Errors: CONFIGURATION_INVALID (subject "question", "lang", "saved_medicines" or "out_json"),
 * GENERATION_FAILED (an internal failure). */
DDLLM_API int ddllm_assistant_ask(const char* question, const char* lang,
                                  const char* saved_medicines_json, char** out_json,
                                  ddllm_error* err);
/* Release a string returned by the library. NULL is a no-op. */
DDLLM_API void ddllm_string_free(char* s);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* DAILYDRUG_DAILYDRUG_LLM_H_ */
