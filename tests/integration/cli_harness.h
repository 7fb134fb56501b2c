// The harness of the black-box CLI tests (tests/integration/cli_*_test.cpp,
// tests/assistant/cli_assistant_test.cpp): runs the real `dailydrug` binary (DD_DAILYDRUG_BIN)
// through /bin/sh with standard input from a file, standard output and error captured in files of
// a scratch folder, and returns the exit code and both texts.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "../scratch_dir.h"

#ifndef DD_DAILYDRUG_BIN
#error "DD_DAILYDRUG_BIN must name the dailydrug binary"
#endif

namespace dd_test {

/// What one run of the binary did.
struct CliResult {
  int code = -1;           // the exit code; -1 when the shell did not exit normally
  bool signalled = false;  // the shell was killed by a signal
  std::string out, err;    // standard output and standard error, byte for byte

  /// Standard output as JSON; a test failure (and a discarded value) when it is not JSON.
  nlohmann::json data() const {
    nlohmann::json j = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << out.substr(0, 500);
    return j;
  }
  /// Standard error as JSON (a discarded value when it is not JSON).
  nlohmann::json error_json() const {
    return nlohmann::json::parse(err, nullptr, /*allow_exceptions=*/false);
  }
};

/// `arg` as one /bin/sh word: in single quotes, with each ' written as '\''.
inline std::string quote(const std::string& arg) {
  std::string out = "'";
  for (const char c : arg) {
    out += c == '\'' ? std::string{"'\\''"} : std::string(1, c);
  }
  return out + "'";
}

/// The whole file as bytes ("" when it cannot be read).
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// `env -u DAILYDRUG_NOW [NAME=VALUE...] dailydrug ARGS...`, every word quoted: the binary with
/// exactly these arguments and no clock override from the test's own environment.
inline std::string cli_command(const std::vector<std::string>& args,
                               const std::vector<std::string>& env = {}) {
  std::string cmd = "env -u DAILYDRUG_NOW";
  for (const auto& e : env) {
    cmd += " " + quote(e);
  }
  cmd += " " + quote(DD_DAILYDRUG_BIN);
  for (const auto& a : args) {
    cmd += " " + quote(a);
  }
  return cmd;
}

/// Runs the shell command line `cmd` (its last simple command gets the redirections) with
/// standard input from `stdin_path`, standard output and error into files in `dir` (cli_stdout.txt,
/// cli_stderr.txt; overwritten by the next run in the same folder).
inline CliResult run_shell(const std::string& cmd, const std::filesystem::path& dir,
                           const std::string& stdin_path = "/dev/null") {
  const auto out_path = dir / "cli_stdout.txt", err_path = dir / "cli_stderr.txt";
  const std::string line = cmd + " <" + quote(stdin_path) + " >" + quote(out_path.string()) +
                           " 2>" + quote(err_path.string());
  const int status = std::system(line.c_str());
  CliResult result;
  EXPECT_NE(status, -1) << "could not start /bin/sh for: " << line;
  result.signalled = status != -1 && WIFSIGNALED(status);
  result.code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  return result;
}

/// run_shell with `stdin_text` as standard input (written to cli_stdin.txt in `dir`).
inline CliResult run_shell_with_input(const std::string& cmd, const std::filesystem::path& dir,
                                      const std::string& stdin_text) {
  const auto in_path = dir / "cli_stdin.txt";
  std::ofstream(in_path, std::ios::binary) << stdin_text;
  return run_shell(cmd, dir, in_path.string());
}

}  // namespace dd_test
