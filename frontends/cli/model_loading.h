// Shared by the CLI commands that use the model: bundle resolution and loading with progress on
// stderr, typed-error reporting with exit codes, and Ctrl-C -> cancel.
#pragma once

#include <memory>

#include "commands.h"
#include "dailydrug/llm/error.h"
#include "dailydrug/llm/runner.h"

namespace dailydrug::cli {

/// --model, else $DAILYDRUG_MODEL, else the bundle the setup command prepared.
std::string resolve_model_dir(const GlobalOptions& globals);

/// The load options of the CLI and the server: the packed-weight cache in $DAILYDRUG_CACHE_DIR
/// (set but empty: no cache), else $XDG_CACHE_HOME/dailydrug/weights, else
/// ~/.cache/dailydrug/weights.
dailydrug::llm::ModelLoadOptions cli_load_options();

/// Open and load the bundle, printing progress ("loading model ...") to stderr unless --json.
dailydrug::llm::Result<std::unique_ptr<dailydrug::llm::Runner>> load_runner_for_cli(
    const GlobalOptions& globals);

/// Print the error to stderr (as JSON {"error":{"kind",...}} with --json, as the medication
/// commands do) and return the exit code for it.
int report_error(const dailydrug::llm::Error& error, bool json);

/// While alive, SIGINT cancels the runner's generation instead of killing the process; a second
/// SIGINT kills as usual.
class CancelOnSigint {
 public:
  explicit CancelOnSigint(dailydrug::llm::Runner& runner);
  ~CancelOnSigint();
  CancelOnSigint(const CancelOnSigint&) = delete;
  CancelOnSigint& operator=(const CancelOnSigint&) = delete;
};

}  // namespace dailydrug::cli
