// Shared by the CLI commands that use DailyDrug's database (medication, scan): "now" from --now
// or $DAILYDRUG_NOW, opening the store at --db or the default path, JSON output that never throws
// on user text, and app errors -> stderr + exit code.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.h"
#include "dailydrug/app/clock.h"
#include "dailydrug/app/error.h"
#include "dailydrug/app/medication_store.h"

namespace dailydrug::cli {

/// Indented JSON; a stray invalid UTF-8 byte in user text is replaced, never thrown on.
std::string dump_json(const nlohmann::json& j);

/// The documented exit code for an app error: NotFound 3, Invalid 2, Conflict/Storage 1.
int exit_code_for(const dailydrug::app::Error& error);

/// A Korean one-line explanation of an app error (the English message in parentheses).
std::string korean_message(const dailydrug::app::Error& error);

/// Print the error to stderr ({"error": {...}} with --json) and set ctx.exit_code.
void report_app_error(CliContext& ctx, const dailydrug::app::Error& error, int exit_code);
inline void report_app_error(CliContext& ctx, const dailydrug::app::Error& error) {
  report_app_error(ctx, error, exit_code_for(error));
}

/// The fixed clock of --now / $DAILYDRUG_NOW (YYYY-MM-DDTHH:MM), else the system clock.
dailydrug::app::Result<std::shared_ptr<const dailydrug::app::Clock>> make_clock(
    const CliContext& ctx);

/// Open the database at --db, else at the default path (creating its folder).
dailydrug::app::Result<dailydrug::app::MedicationStore> open_store(const CliContext& ctx);

}  // namespace dailydrug::cli
