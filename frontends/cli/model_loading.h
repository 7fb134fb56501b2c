// Shared by the CLI commands that use the model: bundle resolution, the LocalLlm they load it
// through (progress on stderr), typed-error reporting with exit codes, and Ctrl-C -> cancel.
#pragma once

#include <memory>

#include "commands.h"
#include "dailydrug/llm/cancel.h"
#include "dailydrug/llm/error.h"
#include "dailydrug/llm/local_llm.h"

namespace dailydrug::cli {

/// --model, else $DAILYDRUG_MODEL, else the bundle the setup command prepared.
std::string resolve_model_dir(const GlobalOptions& globals);

/// The LocalLlm configuration of the CLI and the server: the bundle folder in place, its SHA-256
/// checked once per version of its files, and the packed-weight cache (and that check's record)
/// in $DAILYDRUG_CACHE_DIR (set but empty: no cache), else $XDG_CACHE_HOME/dailydrug/weights,
/// else ~/.cache/dailydrug/weights.
dailydrug::llm::LocalLlmConfig cli_model_config(const std::string& model_dir);

/// Load `model`, printing progress ("loading model ...") to stderr unless --json.
dailydrug::llm::Status load_with_progress(const GlobalOptions& globals,
                                          dailydrug::llm::LocalLlm& model);

/// Create the LocalLlm for --model (resolve_model_dir) and load it (load_with_progress).
dailydrug::llm::Result<std::unique_ptr<dailydrug::llm::LocalLlm>> load_model_for_cli(
    const GlobalOptions& globals);

/// Print the error to stderr (as JSON {"error":{"kind",...}} with --json, as the medication
/// commands do) and return the exit code for it.
int report_error(const dailydrug::llm::Error& error, bool json);

/// While alive, SIGINT cancels `token` instead of killing the process; a second SIGINT kills as
/// usual.
class CancelOnSigint {
 public:
  explicit CancelOnSigint(dailydrug::llm::CancelTokenPtr token);
  ~CancelOnSigint();
  CancelOnSigint(const CancelOnSigint&) = delete;
  CancelOnSigint& operator=(const CancelOnSigint&) = delete;

 private:
  dailydrug::llm::CancelTokenPtr token_;  // kept alive while the handler may use it
};

}  // namespace dailydrug::cli
