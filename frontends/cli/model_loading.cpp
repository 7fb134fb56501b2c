#include "model_loading.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "dailydrug/llm/bundle.h"
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

llm::ModelLoadOptions cli_load_options() {
  llm::ModelLoadOptions options;
  if (const char* dir = std::getenv("DAILYDRUG_CACHE_DIR")) {
    options.weight_cache_dir = dir;
  } else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    options.weight_cache_dir = std::string(xdg) + "/dailydrug/weights";
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    options.weight_cache_dir = std::string(home) + "/.cache/dailydrug/weights";
  }
  return options;
}

llm::Result<std::unique_ptr<llm::Runner>> load_runner_for_cli(const GlobalOptions& globals) {
  if (std::getenv("DAILYDRUG_VERBOSE")) {
    llm::set_log_sink([](llm::LogLevel, std::string_view m) {
      std::fprintf(stderr, "%.*s\n", static_cast<int>(m.size()), m.data());
    });
  }
  const std::string dir = resolve_model_dir(globals);
  const auto t0 = std::chrono::steady_clock::now();
  if (!globals.json) std::fprintf(stderr, "loading model %s ...", dir.c_str());
  auto bundle = llm::ModelBundle::open(dir, llm::ModelBundle::Verify::kQuick);
  if (!bundle.ok()) {
    if (!globals.json) std::fputc('\n', stderr);
    return bundle.take_error();
  }
  auto runner = llm::Runner::from_bundle(*bundle, cli_load_options());
  if (!globals.json) {
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (runner.ok()) {
      const std::string& cache = (*runner)->model().weight_cache();
      std::fprintf(stderr, " %s, %.0f ms%s\n", bundle->config().model_name.c_str(), ms,
                   cache == "hit"     ? " (packed weights from the cache)"
                   : cache == "write" ? " (packed weights cached for the next load)"
                                      : "");
    } else {
      std::fputc('\n', stderr);
    }
  }
  return runner;
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
  switch (error.kind) {
    case llm::ErrorKind::kConfigurationInvalid:
    case llm::ErrorKind::kTokenizationFailed:
    case llm::ErrorKind::kContextLengthExceeded:
      return kExitUsage;
    case llm::ErrorKind::kGenerationTimeout:
    case llm::ErrorKind::kGenerationFailed:
      return kExitFailure;
    default:
      return kExitModel;
  }
}

namespace {
std::atomic<llm::Runner*> g_runner{nullptr};
void on_sigint(int) {
  if (llm::Runner* r = g_runner.load()) {
    r->cancel();
    std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process
  }
}
}  // namespace

CancelOnSigint::CancelOnSigint(llm::Runner& runner) {
  g_runner.store(&runner);
  std::signal(SIGINT, on_sigint);
}

CancelOnSigint::~CancelOnSigint() {
  std::signal(SIGINT, SIG_DFL);
  g_runner.store(nullptr);
}

}  // namespace dailydrug::cli
