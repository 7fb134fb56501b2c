// JNI side of org.dailydrug.llm.LocalLlm, over the C API (libdailydrug_llm.so).
//
// A Java handle is a JniRunner: the C API's runner plus a global reference to the
// CopyProgressListener, which the C API calls (with the JniRunner as user pointer) whenever the
// runner loads: inside nativeOpen, or inside nativeGenerate (lazy load, reload after unload).
//
// Hygiene rules kept throughout:
// - Strings cross as UTF-16 (GetStringRegion / NewString) with our own standard UTF-8
//   conversion, never through JNI's modified-UTF-8 functions.
// - No C++ exception leaves a JNI entry point (each body is wrapped), and no JNI call other than
//   the exception-safe ones (ExceptionCheck, DeleteLocalRef) is made while a Java exception is
//   pending.
// - Local references made per streamed piece are deleted at once, so a long generation does not
//   exhaust the local reference table.
// - A Java exception thrown by the callback makes the text trampoline return nonzero, which stops
//   the generation (the C API cancels it and sends no more text); the exception is then left
//   pending on return, so Java rethrows it from generate().
// - A Java exception thrown by the progress listener cannot stop the copy (the C API has no way
//   to); it stays pending, every later trampoline sees it (ExceptionCheck) and makes no JNI call,
//   and it propagates from the constructor (which closes the runner) or from generate() (whose
//   text trampoline stops the generation at once).
#include <jni.h>

#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/dailydrug_llm.h"
#include "org_dailydrug_llm_LocalLlm.h"
#include "utf16.h"

namespace {

using dailydrug::jni::utf16_to_utf8;
using dailydrug::jni::utf8_to_utf16;

// Bits of nativeGenerate's `set` argument (LocalLlm.SET_*).
constexpr jint kSetTemperature = 1;
constexpr jint kSetTopK = 1 << 1;
constexpr jint kSetTopP = 1 << 2;
constexpr jint kSetMinP = 1 << 3;
constexpr jint kSetRepetitionPenalty = 1 << 4;
constexpr jint kSetSeed = 1 << 5;
constexpr jint kSetMaxOutputTokens = 1 << 6;

/// Classes and methods resolved once in JNI_OnLoad (global references).
struct JavaRefs {
  jclass response = nullptr;
  jmethodID response_ctor = nullptr;
  jclass exception = nullptr;
  jmethodID exception_ctor = nullptr;
  jclass callback = nullptr;
  jmethodID on_text = nullptr;
  jmethodID on_stats = nullptr;
  jclass progress = nullptr;
  jmethodID on_progress = nullptr;
  jclass model_info = nullptr;
  jmethodID model_info_ctor = nullptr;
  jclass step_token = nullptr;
  jmethodID step_token_ctor = nullptr;
  jclass out_of_memory = nullptr;
};
JavaRefs g_refs;
JavaVM* g_vm = nullptr;

/// What a Java handle points to.
struct JniRunner {
  ddllm_runner* runner = nullptr;
  jobject listener = nullptr;  // global reference to the CopyProgressListener, or null
};

jclass global_class(JNIEnv* env, const char* name) {
  jclass local = env->FindClass(name);
  if (local == nullptr) return nullptr;
  auto global = static_cast<jclass>(env->NewGlobalRef(local));
  env->DeleteLocalRef(local);
  return global;
}

/// A Java String of UTF-8 bytes; nullptr with an exception pending on failure.
jstring to_jstring(JNIEnv* env, std::string_view utf8) {
  const std::u16string utf16 = utf8_to_utf16(utf8);
  static const jchar kEmpty[1] = {0};
  const jchar* chars = utf16.empty() ? kEmpty : reinterpret_cast<const jchar*>(utf16.data());
  return env->NewString(chars, static_cast<jsize>(utf16.size()));
}

/// The standard UTF-8 of a Java String (must not be null).
std::string to_utf8(JNIEnv* env, jstring s) {
  const jsize n = env->GetStringLength(s);
  std::u16string utf16(static_cast<size_t>(n), u'\0');
  if (n > 0) env->GetStringRegion(s, 0, n, reinterpret_cast<jchar*>(utf16.data()));
  return utf16_to_utf8(utf16);
}

/// Throw a LocalLlmException with these fields (unless an exception is already pending).
void throw_llm(JNIEnv* env, int kind, const char* message, const char* subject, const char* cause,
               int64_t expected, int64_t actual) {
  if (env->ExceptionCheck()) return;
  jstring jmessage = to_jstring(env, message != nullptr ? message : "");
  jstring jsubject =
      jmessage != nullptr ? to_jstring(env, subject != nullptr ? subject : "") : nullptr;
  jstring jcause = jsubject != nullptr ? to_jstring(env, cause != nullptr ? cause : "") : nullptr;
  if (jcause != nullptr) {
    auto ex = static_cast<jthrowable>(
        env->NewObject(g_refs.exception, g_refs.exception_ctor, static_cast<jint>(kind), jmessage,
                       jsubject, jcause, static_cast<jlong>(expected), static_cast<jlong>(actual)));
    if (ex != nullptr) {
      env->Throw(ex);
      env->DeleteLocalRef(ex);
    }
  }
  // On any failure above, NewString/NewObject left an OutOfMemoryError pending.
  if (jcause != nullptr) env->DeleteLocalRef(jcause);
  if (jsubject != nullptr) env->DeleteLocalRef(jsubject);
  if (jmessage != nullptr) env->DeleteLocalRef(jmessage);
}

void throw_llm(JNIEnv* env, const ddllm_error& err) {
  throw_llm(env, err.kind, err.message, err.subject, err.cause, err.expected, err.actual);
}

void throw_configuration_invalid(JNIEnv* env, const std::string& key, const std::string& why) {
  const std::string message = "invalid configuration: " + key + " (" + why + ")";
  throw_llm(env, DDLLM_ERR_CONFIGURATION_INVALID, message.c_str(), key.c_str(), why.c_str(), 0, 0);
}

/// Turn a C++ exception caught at a JNI entry point into a Java one.
void throw_from_current_exception(JNIEnv* env) {
  if (env->ExceptionCheck()) return;
  try {
    throw;
  } catch (const std::bad_alloc&) {
    env->ThrowNew(g_refs.out_of_memory, "native heap exhausted in the LLM binding");
  } catch (const std::exception& e) {
    throw_llm(env, DDLLM_ERR_GENERATION_FAILED, "generation failed: JNI binding", "JNI binding",
              e.what(), 0, 0);
  } catch (...) {
    throw_llm(env, DDLLM_ERR_GENERATION_FAILED, "generation failed: JNI binding", "JNI binding",
              "unknown exception", 0, 0);
  }
}

// A Java object keeps its native peer as a jlong, so the cast back is the JNI idiom.
JniRunner* jni_runner_of(jlong handle) {
  return reinterpret_cast<JniRunner*>(handle);  // NOLINT(performance-no-int-to-ptr)
}
ddllm_runner* runner_of(jlong handle) {
  return jni_runner_of(handle)->runner;
}

/// Free a JniRunner whose runner is closed (or was never opened).
void free_jni_runner(JNIEnv* env, JniRunner* jr) {
  if (jr->listener != nullptr) env->DeleteGlobalRef(jr->listener);
  delete jr;
}

/// Copy progress -> CopyProgressListener.onProgress on the loading thread.
void progress_trampoline(uint64_t done, uint64_t total, const char* file, void* user) noexcept {
  auto* jr = static_cast<JniRunner*>(user);
  JNIEnv* env = nullptr;
  if (g_vm == nullptr || g_vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) != JNI_OK) {
    return;  // not a Java thread (cannot happen: loads run inside native methods)
  }
  if (jr->listener == nullptr || env->ExceptionCheck()) return;  // the listener threw before
  try {
    jstring name = to_jstring(env, file);
    if (name == nullptr) return;  // OutOfMemoryError pending
    env->CallVoidMethod(jr->listener, g_refs.on_progress, static_cast<jlong>(done),
                        static_cast<jlong>(total), name);
    env->DeleteLocalRef(name);  // allowed with an exception pending
  } catch (...) {
    // A progress report that cannot be built (out of memory) is dropped.
  }
}

/// The standard UTF-8 of an optional String argument; false with an exception pending.
bool optional_utf8(JNIEnv* env, jstring s, const char* key, std::string& out, bool& present) {
  present = s != nullptr;
  if (!present) return true;
  out = to_utf8(env, s);
  if (out.find('\0') != std::string::npos) {
    throw_configuration_invalid(env, key, "contains U+0000");
    return false;
  }
  return true;
}

/// Copy a String[] to UTF-8 strings. Returns false with an exception pending.
bool to_utf8_array(JNIEnv* env, jobjectArray array, const char* key,
                   std::vector<std::string>& out) {
  if (array == nullptr) return true;
  const jsize n = env->GetArrayLength(array);
  for (jsize i = 0; i < n; ++i) {
    auto item = static_cast<jstring>(env->GetObjectArrayElement(array, i));
    if (env->ExceptionCheck()) return false;
    if (item == nullptr) {
      throw_configuration_invalid(env, key, "contains null");
      return false;
    }
    out.push_back(to_utf8(env, item));
    env->DeleteLocalRef(item);
    // The C API takes NUL-terminated strings; a U+0000 would silently cut the text.
    if (out.back().find('\0') != std::string::npos) {
      throw_configuration_invalid(env, key, "contains U+0000");
      return false;
    }
  }
  return true;
}

/// The sampling settings of a request from the native methods' arguments: `set` (LocalLlm.SET_*)
/// says which of them the Java request carries; the others stay the bundle's defaults.
void set_sampling(ddllm_request& r, jint set, jfloat temperature, jint top_k, jfloat top_p,
                  jfloat min_p, jfloat repetition_penalty, jlong seed) {
  r.has_temperature = (set & kSetTemperature) != 0;
  r.temperature = temperature;
  r.has_top_k = (set & kSetTopK) != 0;
  r.top_k = top_k;
  r.has_top_p = (set & kSetTopP) != 0;
  r.top_p = top_p;
  r.has_min_p = (set & kSetMinP) != 0;
  r.min_p = min_p;
  r.has_repetition_penalty = (set & kSetRepetitionPenalty) != 0;
  r.repetition_penalty = repetition_penalty;
  r.has_seed = (set & kSetSeed) != 0;
  r.seed = static_cast<uint64_t>(seed);  // Java's long carries the unsigned bits
}

/// State shared with the callback trampolines for one nativeGenerate call.
struct CallbackContext {
  JNIEnv* env;
  jobject callback;
  bool stopped = false;        // a Java exception is pending or the bridge failed
  bool bridge_failed = false;  // a C++ exception in a trampoline (no Java exception pending)
};

int text_trampoline(const char* piece, size_t len, void* user) noexcept {
  auto* ctx = static_cast<CallbackContext*>(user);
  if (ctx->stopped) return 1;
  JNIEnv* env = ctx->env;
  if (env->ExceptionCheck()) {  // the progress listener threw during this call's load
    ctx->stopped = true;
    return 1;
  }
  try {
    jstring text = to_jstring(env, std::string_view(piece, len));
    if (text == nullptr) {  // OutOfMemoryError pending
      ctx->stopped = true;
      return 1;
    }
    env->CallVoidMethod(ctx->callback, g_refs.on_text, text);
    env->DeleteLocalRef(text);  // allowed with an exception pending
    if (env->ExceptionCheck()) {
      ctx->stopped = true;
      return 1;
    }
    return 0;
  } catch (...) {
    ctx->stopped = true;
    ctx->bridge_failed = true;
    return 1;
  }
}

void stats_trampoline(const ddllm_stats* /*stats*/, const char* json, void* user) noexcept {
  auto* ctx = static_cast<CallbackContext*>(user);
  if (ctx->stopped) return;
  JNIEnv* env = ctx->env;
  if (env->ExceptionCheck()) {
    ctx->stopped = true;
    return;
  }
  try {
    jstring text = to_jstring(env, json);
    if (text == nullptr) {
      ctx->stopped = true;
      return;
    }
    env->CallVoidMethod(ctx->callback, g_refs.on_stats, text);
    env->DeleteLocalRef(text);
    if (env->ExceptionCheck()) ctx->stopped = true;
  } catch (...) {
    ctx->stopped = true;
    ctx->bridge_failed = true;
  }
}

/// Runs one C API call that only reports success or an error (`call(&err)` returns its code) and
/// turns a failure, or a C++ exception, into the pending Java exception.
template <typename Call>
void call_or_throw(JNIEnv* env, Call&& call) {
  ddllm_error err{};
  try {
    if (call(&err) != DDLLM_OK) throw_llm(env, err);
  } catch (...) {
    throw_from_current_exception(env);
  }
  ddllm_error_free(&err);
}

jobject make_response(JNIEnv* env, const ddllm_response& r) {
  jstring text = to_jstring(env, std::string_view(r.text, r.text_len));
  if (text == nullptr) return nullptr;
  jstring finish = to_jstring(env, r.finish_reason_name);
  jintArray ids =
      finish != nullptr ? env->NewIntArray(static_cast<jsize>(r.n_output_ids)) : nullptr;
  jobject response = nullptr;
  if (ids != nullptr) {
    const std::vector<jint> copy(r.output_ids, r.output_ids + r.n_output_ids);
    env->SetIntArrayRegion(ids, 0, static_cast<jsize>(copy.size()), copy.data());
    response =
        env->NewObject(g_refs.response, g_refs.response_ctor, text, r.input_tokens, r.output_tokens,
                       r.total_tokens, finish, ids, static_cast<jlong>(r.seed));
  }
  if (ids != nullptr) env->DeleteLocalRef(ids);
  if (finish != nullptr) env->DeleteLocalRef(finish);
  env->DeleteLocalRef(text);
  return response;
}

}  // namespace

extern "C" {

JNIEXPORT jint JNI_OnLoad(JavaVM* vm, void* /*reserved*/) {
  JNIEnv* env = nullptr;
  if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) != JNI_OK) return JNI_ERR;
  g_vm = vm;
  g_refs.response = global_class(env, "org/dailydrug/llm/LlmResponse");
  g_refs.exception = global_class(env, "org/dailydrug/llm/LocalLlmException");
  g_refs.callback = global_class(env, "org/dailydrug/llm/LlmCallback");
  g_refs.progress = global_class(env, "org/dailydrug/llm/CopyProgressListener");
  g_refs.model_info = global_class(env, "org/dailydrug/llm/ModelInfo");
  g_refs.step_token = global_class(env, "org/dailydrug/llm/StepToken");
  g_refs.out_of_memory = global_class(env, "java/lang/OutOfMemoryError");
  if (g_refs.response == nullptr || g_refs.exception == nullptr || g_refs.callback == nullptr ||
      g_refs.progress == nullptr || g_refs.model_info == nullptr || g_refs.step_token == nullptr ||
      g_refs.out_of_memory == nullptr) {
    return JNI_ERR;  // FindClass left NoClassDefFoundError pending
  }
  g_refs.response_ctor =
      env->GetMethodID(g_refs.response, "<init>", "(Ljava/lang/String;IIILjava/lang/String;[IJ)V");
  g_refs.exception_ctor = env->GetMethodID(
      g_refs.exception, "<init>", "(ILjava/lang/String;Ljava/lang/String;Ljava/lang/String;JJ)V");
  g_refs.on_text = env->GetMethodID(g_refs.callback, "onText", "(Ljava/lang/String;)V");
  g_refs.on_stats = env->GetMethodID(g_refs.callback, "onStats", "(Ljava/lang/String;)V");
  g_refs.on_progress = env->GetMethodID(g_refs.progress, "onProgress", "(JJLjava/lang/String;)V");
  g_refs.model_info_ctor =
      env->GetMethodID(g_refs.model_info, "<init>",
                       "(Ljava/lang/String;Ljava/lang/String;JJJLjava/lang/String;ZDI)V");
  g_refs.step_token_ctor = env->GetMethodID(g_refs.step_token, "<init>", "(ILjava/lang/String;Z)V");
  if (g_refs.response_ctor == nullptr || g_refs.exception_ctor == nullptr ||
      g_refs.on_text == nullptr || g_refs.on_stats == nullptr || g_refs.on_progress == nullptr ||
      g_refs.model_info_ctor == nullptr || g_refs.step_token_ctor == nullptr) {
    return JNI_ERR;  // NoSuchMethodError pending
  }
  return JNI_VERSION_1_6;
}

JNIEXPORT void JNI_OnUnload(JavaVM* vm, void* /*reserved*/) {
  JNIEnv* env = nullptr;
  if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) != JNI_OK) return;
  for (jclass c : {g_refs.response, g_refs.exception, g_refs.callback, g_refs.progress,
                   g_refs.model_info, g_refs.step_token, g_refs.out_of_memory}) {
    if (c != nullptr) env->DeleteGlobalRef(c);
  }
  g_refs = JavaRefs{};
  g_vm = nullptr;
}

JNIEXPORT jlong JNICALL Java_org_dailydrug_llm_LocalLlm_nativeOpen(
    JNIEnv* env, jclass, jstring bundle, jstring assets_dir, jstring cache_dir, jint num_threads,
    jlong max_cache_tokens, jlong memory_threshold_mb, jboolean verify_sha256, jboolean lazy_load,
    jstring weight_cache_dir, jobject listener) {
  JniRunner* jr = nullptr;
  try {
    if (bundle == nullptr) {
      throw_configuration_invalid(env, "bundle_dir", "must not be null");
      return 0;
    }
    std::string bundle_utf8, assets_utf8, cache_utf8, weights_utf8;
    bool has_bundle = false, has_assets = false, has_cache = false, has_weights = false;
    if (!optional_utf8(env, bundle, "bundle_dir", bundle_utf8, has_bundle) ||
        !optional_utf8(env, assets_dir, "assets_dir", assets_utf8, has_assets) ||
        !optional_utf8(env, cache_dir, "cache_dir", cache_utf8, has_cache) ||
        !optional_utf8(env, weight_cache_dir, "weight_cache_dir", weights_utf8, has_weights)) {
      return 0;
    }
    jr = new JniRunner();
    if (listener != nullptr) {
      jr->listener = env->NewGlobalRef(listener);
      if (jr->listener == nullptr) {  // OutOfMemoryError pending
        free_jni_runner(env, jr);
        return 0;
      }
    }
    ddllm_open_options opts;
    ddllm_open_options_init(&opts);
    opts.num_threads = num_threads;
    opts.verify_sha256 = verify_sha256 == JNI_TRUE ? 1 : 0;
    opts.assets_dir = has_assets ? assets_utf8.c_str() : nullptr;
    opts.cache_dir = has_cache ? cache_utf8.c_str() : nullptr;
    opts.max_cache_tokens = max_cache_tokens;
    opts.memory_threshold_mb = memory_threshold_mb;
    opts.progress = jr->listener != nullptr ? progress_trampoline : nullptr;
    opts.progress_user = jr;
    opts.lazy_load = lazy_load == JNI_TRUE ? 1 : 0;
    opts.weight_cache_dir = has_weights ? weights_utf8.c_str() : nullptr;
    ddllm_error err{};
    const int rc = ddllm_open(bundle_utf8.c_str(), &opts, &jr->runner, &err);
    if (env->ExceptionCheck() || rc != DDLLM_OK) {
      // The listener threw (its exception propagates as is; the model is released), or the open
      // failed.
      if (rc != DDLLM_OK) throw_llm(env, err);  // no-op with an exception pending
      ddllm_close(jr->runner);
      free_jni_runner(env, jr);
      jr = nullptr;
      ddllm_error_free(&err);
      return 0;
    }
    return reinterpret_cast<jlong>(jr);
  } catch (...) {
    if (jr != nullptr) {
      ddllm_close(jr->runner);
      free_jni_runner(env, jr);
    }
    throw_from_current_exception(env);
    return 0;
  }
}

JNIEXPORT jobject JNICALL Java_org_dailydrug_llm_LocalLlm_nativeGenerate(
    JNIEnv* env, jclass, jlong handle, jstring prompt, jobjectArray system_instructions,
    jobjectArray stop, jint set, jfloat temperature, jint top_k, jfloat top_p, jfloat min_p,
    jfloat repetition_penalty, jlong seed, jint max_output_tokens, jlong timeout_ms, jboolean raw,
    jobject callback) {
  try {
    if (prompt == nullptr) {
      throw_configuration_invalid(env, "prompt", "must not be null");
      return nullptr;
    }
    const std::string prompt_utf8 = to_utf8(env, prompt);
    std::vector<std::string> system, stops;
    if (!to_utf8_array(env, system_instructions, "system_instructions", system) ||
        !to_utf8_array(env, stop, "stop", stops)) {
      return nullptr;
    }
    std::vector<const char*> system_ptrs, stop_ptrs;
    for (const auto& s : system) system_ptrs.push_back(s.c_str());
    for (const auto& s : stops) stop_ptrs.push_back(s.c_str());

    ddllm_request req;
    ddllm_request_init(&req);
    req.prompt = prompt_utf8.c_str();
    req.prompt_len = prompt_utf8.size();  // may hold U+0000; 0 (empty) reads "" as well
    req.system_instructions = system_ptrs.data();
    req.n_system_instructions = system_ptrs.size();
    req.stop = stop_ptrs.data();
    req.n_stop = stop_ptrs.size();
    req.raw = raw == JNI_TRUE ? 1 : 0;
    set_sampling(req, set, temperature, top_k, top_p, min_p, repetition_penalty, seed);
    req.has_max_output_tokens = (set & kSetMaxOutputTokens) != 0;
    req.max_output_tokens = max_output_tokens;
    req.timeout_ms = timeout_ms;

    CallbackContext ctx{env, callback};
    ddllm_response resp{};
    ddllm_error err{};
    const int rc =
        ddllm_generate(runner_of(handle), &req, callback != nullptr ? text_trampoline : nullptr,
                       callback != nullptr ? stats_trampoline : nullptr, &ctx, &resp, &err);
    jobject result = nullptr;
    if (env->ExceptionCheck()) {
      // The callback threw: the generation was stopped; the exception propagates as is.
    } else if (ctx.bridge_failed) {
      throw_llm(env, DDLLM_ERR_GENERATION_FAILED, "generation failed: JNI callback bridge",
                "JNI callback bridge", "native error while calling the callback", 0, 0);
    } else if (rc != DDLLM_OK) {
      throw_llm(env, err);
    } else {
      result = make_response(env, resp);
    }
    ddllm_response_free(&resp);
    ddllm_error_free(&err);
    return result;
  } catch (...) {
    throw_from_current_exception(env);
    return nullptr;
  }
}

JNIEXPORT jlong JNICALL Java_org_dailydrug_llm_LocalLlm_nativeFeedText(JNIEnv* env, jclass,
                                                                       jlong handle, jstring text,
                                                                       jboolean parse_special) {
  int64_t position = 0;
  call_or_throw(env, [&](ddllm_error* err) -> int {
    const std::string utf8 = to_utf8(env, text);
    // Refused as in every text field of this binding (generate's lists are C strings, where a
    // U+0000 would silently cut the text), so the Java side has one rule.
    if (utf8.find('\0') != std::string::npos) {
      throw_configuration_invalid(env, "text", "contains U+0000");
      return DDLLM_OK;
    }
    return ddllm_feed_text(runner_of(handle), utf8.data(), utf8.size(),
                           parse_special == JNI_TRUE ? 1 : 0, &position, err);
  });
  return static_cast<jlong>(position);
}

JNIEXPORT jlong JNICALL Java_org_dailydrug_llm_LocalLlm_nativeFeedTokens(JNIEnv* env, jclass,
                                                                         jlong handle,
                                                                         jintArray ids) {
  int64_t position = 0;
  call_or_throw(env, [&](ddllm_error* err) {
    std::vector<int32_t> copy(static_cast<size_t>(env->GetArrayLength(ids)));
    env->GetIntArrayRegion(ids, 0, static_cast<jsize>(copy.size()),
                           reinterpret_cast<jint*>(copy.data()));
    return ddllm_feed_tokens(runner_of(handle), copy.data(), copy.size(), &position, err);
  });
  return static_cast<jlong>(position);
}

JNIEXPORT jobject JNICALL Java_org_dailydrug_llm_LocalLlm_nativeNextToken(
    JNIEnv* env, jclass, jlong handle, jint set, jfloat temperature, jint top_k, jfloat top_p,
    jfloat min_p, jfloat repetition_penalty, jlong seed) {
  ddllm_error err{};
  ddllm_step_token token{};
  jobject result = nullptr;
  try {
    ddllm_request sampling;
    ddllm_request_init(&sampling);
    set_sampling(sampling, set, temperature, top_k, top_p, min_p, repetition_penalty, seed);
    if (ddllm_next_token(runner_of(handle), &sampling, &token, &err) != DDLLM_OK) {
      throw_llm(env, err);
    } else if (jstring text = to_jstring(env, std::string_view(token.text, token.text_len))) {
      result = env->NewObject(g_refs.step_token, g_refs.step_token_ctor, token.id, text,
                              token.end_of_sequence != 0 ? JNI_TRUE : JNI_FALSE);
      env->DeleteLocalRef(text);
    }
  } catch (...) {
    throw_from_current_exception(env);
  }
  ddllm_step_token_free(&token);
  ddllm_error_free(&err);
  return result;
}

JNIEXPORT void JNICALL Java_org_dailydrug_llm_LocalLlm_nativeSeek(JNIEnv* env, jclass, jlong handle,
                                                                  jlong position) {
  call_or_throw(env,
                [&](ddllm_error* err) { return ddllm_seek(runner_of(handle), position, err); });
}

JNIEXPORT jlong JNICALL Java_org_dailydrug_llm_LocalLlm_nativePosition(JNIEnv*, jclass,
                                                                       jlong handle) {
  return static_cast<jlong>(ddllm_position(runner_of(handle)));
}

JNIEXPORT void JNICALL Java_org_dailydrug_llm_LocalLlm_nativeCancel(JNIEnv*, jclass, jlong handle) {
  ddllm_cancel(runner_of(handle));
}

JNIEXPORT void JNICALL Java_org_dailydrug_llm_LocalLlm_nativeReset(JNIEnv* env, jclass,
                                                                   jlong handle) {
  call_or_throw(env, [&](ddllm_error* err) { return ddllm_reset(runner_of(handle), err); });
}

JNIEXPORT jlong JNICALL Java_org_dailydrug_llm_LocalLlm_nativeContextLength(JNIEnv*, jclass,
                                                                            jlong handle) {
  return static_cast<jlong>(ddllm_context_length(runner_of(handle)));
}

JNIEXPORT void JNICALL Java_org_dailydrug_llm_LocalLlm_nativeClose(JNIEnv* env, jclass,
                                                                   jlong handle) {
  JniRunner* jr = jni_runner_of(handle);
  ddllm_close(jr->runner);
  free_jni_runner(env, jr);
}

JNIEXPORT void JNICALL Java_org_dailydrug_llm_LocalLlm_nativeUnload(JNIEnv* env, jclass,
                                                                    jlong handle) {
  call_or_throw(env, [&](ddllm_error* err) { return ddllm_unload(runner_of(handle), err); });
}

JNIEXPORT jboolean JNICALL Java_org_dailydrug_llm_LocalLlm_nativeIsLoaded(JNIEnv*, jclass,
                                                                          jlong handle) {
  return ddllm_is_loaded(runner_of(handle)) != 0 ? JNI_TRUE : JNI_FALSE;
}

JNIEXPORT jobject JNICALL Java_org_dailydrug_llm_LocalLlm_nativeGetModelInfo(JNIEnv* env, jclass,
                                                                             jlong handle) {
  ddllm_error err{};
  jobject result = nullptr;
  try {
    ddllm_model_info info{};
    if (ddllm_get_model_info(runner_of(handle), &info, &err) != DDLLM_OK) {
      throw_llm(env, err);
    } else {
      jstring name = to_jstring(env, info.name);
      jstring path = name != nullptr ? to_jstring(env, info.path) : nullptr;
      jstring quantization = path != nullptr ? to_jstring(env, info.quantization) : nullptr;
      if (quantization != nullptr) {
        result = env->NewObject(
            g_refs.model_info, g_refs.model_info_ctor, name, path,
            static_cast<jlong>(info.size_bytes), static_cast<jlong>(info.context_length),
            static_cast<jlong>(info.max_tokens), quantization,
            info.loaded != 0 ? JNI_TRUE : JNI_FALSE, static_cast<jdouble>(info.load_ms),
            static_cast<jint>(info.threads));
      }
      // On any failure above, NewString/NewObject left an OutOfMemoryError pending.
      if (quantization != nullptr) env->DeleteLocalRef(quantization);
      if (path != nullptr) env->DeleteLocalRef(path);
      if (name != nullptr) env->DeleteLocalRef(name);
    }
  } catch (...) {
    throw_from_current_exception(env);
  }
  ddllm_error_free(&err);
  return result;
}

// The curated assistant through the C API (ddllm_assistant_ask); a null question or a bad
// argument is the C API's ConfigurationInvalid, thrown as LocalLlmException.
JNIEXPORT jstring JNICALL Java_org_dailydrug_llm_LocalLlm_nativeAssistantAsk(JNIEnv* env, jclass,
                                                                             jstring question,
                                                                             jstring lang,
                                                                             jstring saved) {
  ddllm_error err{};
  jstring result = nullptr;
  try {
    const bool has_question = question != nullptr;
    const std::string q = has_question ? to_utf8(env, question) : std::string();
    const std::string l = lang != nullptr ? to_utf8(env, lang) : std::string();
    const std::string m = saved != nullptr ? to_utf8(env, saved) : std::string();
    char* out = nullptr;
    const int rc = ddllm_assistant_ask(has_question ? q.c_str() : nullptr,
                                       lang != nullptr ? l.c_str() : nullptr,
                                       saved != nullptr ? m.c_str() : nullptr, &out, &err);
    if (rc != 0) {
      throw_llm(env, err);
    } else {
      result = to_jstring(env, out);
      ddllm_string_free(out);
    }
  } catch (...) {
    throw_from_current_exception(env);
  }
  ddllm_error_free(&err);
  return result;
}

JNIEXPORT jbyteArray JNICALL Java_org_dailydrug_llm_LocalLlm_nativeToUtf8(JNIEnv* env, jclass,
                                                                          jstring s) {
  try {
    if (s == nullptr) return nullptr;
    const std::string utf8 = to_utf8(env, s);
    jbyteArray out = env->NewByteArray(static_cast<jsize>(utf8.size()));
    if (out == nullptr) return nullptr;
    env->SetByteArrayRegion(out, 0, static_cast<jsize>(utf8.size()),
                            reinterpret_cast<const jbyte*>(utf8.data()));
    return out;
  } catch (...) {
    throw_from_current_exception(env);
    return nullptr;
  }
}

JNIEXPORT jstring JNICALL Java_org_dailydrug_llm_LocalLlm_nativeFromUtf8(JNIEnv* env, jclass,
                                                                         jbyteArray bytes) {
  try {
    if (bytes == nullptr) return nullptr;
    const jsize n = env->GetArrayLength(bytes);
    std::string utf8(static_cast<size_t>(n), '\0');
    if (n > 0) env->GetByteArrayRegion(bytes, 0, n, reinterpret_cast<jbyte*>(utf8.data()));
    return to_jstring(env, utf8);
  } catch (...) {
    throw_from_current_exception(env);
    return nullptr;
  }
}

}  // extern "C"
