#include "model_loading.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "dailydrug/llm/log.h"

#ifndef DD_DEFAULT_BUNDLE_DIR
#define DD_DEFAULT_BUNDLE_DIR ""
#endif

namespace dailydrug::cli {

namespace llm = dailydrug::llm;

std::string resolve_model_dir(const GlobalOptions& globals) {
  if (!globals.model_dir.empty()) return globals.model_dir;
  if (const char* env = std::getenv("DAILYDRUG_MODEL"); env && *env) return env;
  return DD_DEFAULT_BUNDLE_DIR;
}

llm::LocalLlmConfig cli_model_config(const std::string& model_dir) {
  llm::LocalLlmConfig config;
  config.bundle = model_dir;
  if (const char* dir = std::getenv("DAILYDRUG_CACHE_DIR")) {
    config.weight_cache_dir = dir;
  } else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    config.weight_cache_dir = std::string(xdg) + "/dailydrug/weights";
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    config.weight_cache_dir = std::string(home) + "/.cache/dailydrug/weights";
  } else {
    config.weight_cache_dir = "";
  }
  return config;
}

llm::Status load_with_progress(const GlobalOptions& globals, llm::LocalLlm& model) {
  if (std::getenv("DAILYDRUG_VERBOSE")) {
    llm::set_log_sink([](llm::LogLevel, std::string_view m) {
      std::fprintf(stderr, "%.*s\n", static_cast<int>(m.size()), m.data());
    });
  }
  if (!globals.json) {
    std::fprintf(stderr, "loading model %s ...", resolve_model_dir(globals).c_str());
  }
  llm::Status loaded = model.load();
  if (globals.json) return loaded;
  if (!loaded.ok()) {
    std::fputc('\n', stderr);
    return loaded;
  }
  const llm::ModelInfo info = model.info();
  const std::string cache = model.weight_cache_state();
  std::fprintf(stderr, " %s, %.0f ms%s\n", info.name.c_str(), info.load_ms,
               cache == "hit"     ? " (packed weights from the cache)"
               : cache == "write" ? " (packed weights cached for the next load)"
                                  : "");
  return loaded;
}

llm::Result<std::unique_ptr<llm::LocalLlm>> load_model_for_cli(const GlobalOptions& globals) {
  DD_ASSIGN_OR_RETURN(auto model,
                      llm::LocalLlm::create(cli_model_config(resolve_model_dir(globals))));
  DD_RETURN_IF_ERROR(load_with_progress(globals, *model));
  return model;
}

int report_error(const llm::Error& error, bool json) {
  if (json) {
    nlohmann::json j = {{"error",
                         {{"kind", llm::to_string(error.kind)},
                          {"message", error.message()},
                          {"subject", error.subject},
                          {"cause", error.cause},
                          {"expected", error.expected},
                          {"actual", error.actual}}}};
    std::cerr << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cerr << "error [" << llm::to_string(error.kind) << "]: " << error.message() << "\n";
  }
  return frontend::report_of(error.kind).exit_code;
}

namespace {
// The token SIGINT cancels: a plain pointer in a lock-free atomic, as a signal handler may only
// touch such objects; CancelOnSigint keeps the token alive while it is set.
std::atomic<llm::CancelToken*> g_sigint_token{nullptr};
static_assert(std::atomic<llm::CancelToken*>::is_always_lock_free);
void on_sigint(int) {
  if (llm::CancelToken* token = g_sigint_token.load()) {
    token->cancel();
    std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process
  }
}
}  // namespace

CancelOnSigint::CancelOnSigint(llm::CancelTokenPtr token) : token_(std::move(token)) {
  g_sigint_token.store(token_.get());
  std::signal(SIGINT, on_sigint);
}

CancelOnSigint::~CancelOnSigint() {
  std::signal(SIGINT, SIG_DFL);
  g_sigint_token.store(nullptr);
}

}  // namespace dailydrug::cli
