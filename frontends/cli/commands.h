// The `dailydrug` command line: each area registers its subcommands on the CLI11 app.
#pragma once

#include <string>

#include "error_table.h"

namespace CLI {
class App;
}

namespace dailydrug::cli {

/// Documented exit codes (README "Exit codes"), from the front ends' one error table.
using enum frontend::ExitCode;

/// Options that every subcommand sees.
struct GlobalOptions {
  std::string db_path;    // --db; empty = the default in the user data folder
  std::string model_dir;  // --model; empty = the default bundle in the project cache
  bool json = false;      // --json: machine-readable output where the output is data
  std::string now;        // --now YYYY-MM-DDTHH:MM (hidden) or $DAILYDRUG_NOW; empty = clock
};

/// State shared by all commands of one invocation: the parsed globals and the exit code that the
/// chosen subcommand sets.
struct CliContext {
  GlobalOptions globals;
  int exit_code = kExitOk;
};

void register_generate_command(CLI::App& app, CliContext& ctx);
void register_medication_commands(CLI::App& app, CliContext& ctx);
/// `dailydrug scan`: prescription / medicine-bag OCR text → medication schedule (cmd_scan.cpp).
void register_scan_command(CLI::App& app, CliContext& ctx);
/// `dailydrug serve`: the web app and OpenAI-compatible API server (cmd_serve.cpp).
void register_serve_command(CLI::App& app, CliContext& ctx);
/// `dailydrug coach|ask|faq|chat`: the grounded assistant (cmd_assistant.cpp).
void register_assistant_commands(CLI::App& app, CliContext& ctx);

}  // namespace dailydrug::cli
