// dailydrug: the command-line front end (see README "CLI").
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "commands.h"

namespace {

int run(int argc, char** argv) {
  using namespace dailydrug::cli;
  CLI::App app{"DailyDrug (매일 약먹기): medication schedules and an on-device language model"};
  app.require_subcommand(1);
  CliContext ctx;
  app.add_option("--db", ctx.globals.db_path, "SQLite database file (default: user data folder)");
  app.add_option("--model", ctx.globals.model_dir, "Model bundle folder (default: the project's)");
  app.add_flag("--json", ctx.globals.json, "Print data as JSON");

  register_generate_command(app, ctx);
  register_medication_commands(app, ctx);
  register_scan_command(app, ctx);
  register_serve_command(app, ctx);
  register_assistant_commands(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  return ctx.exit_code;
}

}  // namespace

// The library reports errors as values; an exception here is a bug or out of memory in the front
// end, which must still end with a message and an exit code rather than an abort.
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dailydrug: internal error: %s\n", e.what());
  } catch (...) {
    std::fputs("dailydrug: internal error\n", stderr);
  }
  return dailydrug::cli::kExitFailure;
}
