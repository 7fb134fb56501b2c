// `dailydrug serve [--host 127.0.0.1] [--port 8080] [--token T] [--queue N]`: the web app and the
// OpenAI-compatible API on one local HTTP server (frontends/server, docs/SERVER.md). Prints the
// URL to open; Ctrl-C (or SIGTERM) stops it cleanly: running generations are cancelled, the
// listener closes, the database is closed.
#include <CLI/CLI.hpp>

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "app_store.h"
#include "commands.h"
#include "dailydrug/app/assistant_prompt.h"
#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/runner.h"
#include "model_loading.h"
#include "server.h"

namespace dailydrug::cli {
namespace {

namespace dd = dailydrug::app;
namespace llm = dailydrug::llm;

struct ServeFlags {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string token;
  int queue = 8;
  bool lazy = false;
  int token_delay_ms = 0;
};

void run_serve(CliContext& ctx, const ServeFlags& flags) {
  server::ServerOptions options;
  options.host = flags.host;
  options.port = flags.port;
  options.token = flags.token;
  if (options.token.empty()) {
    if (const char* env = std::getenv("DAILYDRUG_TOKEN"); env != nullptr) {
      options.token = env;
    }
  }
  if (flags.queue < 0 || flags.queue > 1024) {
    return report_app_error(ctx, dd::Error::invalid("queue", "must be in [0, 1024]"), kExitUsage);
  }
  if (flags.port < 0 || flags.port > 65535) {
    return report_app_error(ctx, dd::Error::invalid("port", "must be in [0, 65535]"), kExitUsage);
  }
  options.queue_capacity = static_cast<size_t>(flags.queue);
  options.preload = !flags.lazy;
  options.token_delay_ms = std::max(0, flags.token_delay_ms);

  const std::string model_dir = resolve_model_dir(ctx.globals);
  auto model = llm::LocalLlm::create(cli_model_config(model_dir));
  if (!model.ok()) {
    return report_app_error(ctx, dd::Error::invalid("model", model.error().message()), kExitUsage);
  }
  // The id /v1/models reports and the languages the model writes (coaching in others is
  // composed from the curated facts), when the bundle's config can be read; a bundle that
  // appears later is still loaded by the first request.
  if (auto config = (*model)->bundle_config(); config.ok()) {
    options.model_id = config->model_name;
    options.model_languages = dd::model_languages(config->languages);
  }

  auto store = open_store(ctx);
  if (!store.ok()) {
    return report_app_error(ctx, store.error());
  }

  // Signals are taken by a waiting thread (sigwait), not a handler: stop() is not async-safe.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // inherited by every thread started below

  server::StoreOpener open_again = [&ctx] { return open_store(ctx); };
  auto created = server::Server::create(options, std::move(model).value(), std::move(store).value(),
                                        std::move(open_again));
  if (!created.ok()) {
    return report_app_error(ctx, created.error(), kExitUsage);
  }
  server::Server& srv = **created;
  if (auto bound = srv.bind(); !bound.ok()) {
    return report_app_error(ctx, bound.error(), kExitFailure);
  }

  const bool v6 = options.host.find(':') != std::string::npos;
  const std::string url = "http://" + (v6 ? "[" + options.host + "]" : options.host) + ":" +
                          std::to_string(srv.port()) + "/";
  std::cout << "DailyDrug 웹 앱: " << url << "  (API: " << url << "v1/chat/completions)\n"
            << "model: " << model_dir << "\n"
            << "Ctrl-C to stop" << std::endl;

  std::atomic<bool> listening_ended{false};
  std::thread waiter([&srv, &listening_ended, signals] {
    const timespec poll{0, 200 * 1000 * 1000};
    while (!listening_ended.load()) {
      if (sigtimedwait(&signals, nullptr, &poll) > 0) {
        srv.stop();
        return;
      }
    }
  });
  const bool ok = srv.listen();
  listening_ended.store(true);  // e.g. the listener failed: the waiter returns within 200 ms
  waiter.join();
  std::cerr << "stopped\n";
  if (!ok && ctx.exit_code == kExitOk) {
    ctx.exit_code = kExitFailure;
  }
}

}  // namespace

void register_serve_command(CLI::App& app, CliContext& ctx) {
  auto flags = std::make_shared<ServeFlags>();
  if (app.get_option_no_throw("--now") == nullptr) {
    app.add_option("--now", ctx.globals.now, "Fixed current time YYYY-MM-DDTHH:MM (tests)")
        ->group("");  // hidden
  }
  CLI::App* serve =
      app.add_subcommand("serve", "Serve the web app and an OpenAI-compatible API on this machine");
  serve->fallthrough();
  serve->add_option("--host", flags->host, "Address to listen on (default 127.0.0.1)");
  serve->add_option("--port", flags->port, "Port (default 8080; 0 = any free port)");
  serve->add_option("--token", flags->token,
                    "Require 'Authorization: Bearer TOKEN' (also $DAILYDRUG_TOKEN); needed for a "
                    "non-loopback --host");
  serve->add_option("--queue", flags->queue,
                    "Generations that may wait for the model (default 8; more get HTTP 429)");
  serve->add_flag("--lazy-load", flags->lazy,
                  "Load the model at the first generation, not at start");
  serve
      ->add_option("--token-delay-ms", flags->token_delay_ms,
                   "Tests: pause after each streamed piece (a slow model)")
      ->group("");  // hidden
  serve->callback([&ctx, flags] { run_serve(ctx, *flags); });
}

}  // namespace dailydrug::cli
