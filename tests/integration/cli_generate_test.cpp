// Black-box tests of `dailydrug generate` on the tiny random-weight bundle: streaming output,
// --json, --ids, determinism, typed errors and their exit codes.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_harness.h"

namespace fs = std::filesystem;
using dd_test::CliResult;
using dd_test::quote;
using nlohmann::json;

namespace {

const std::string kBundle = (fs::path(DD_TEST_WORK_DIR) / "tiny" / "bundle").string();

/// `dailydrug ARGS` (a shell-quoted argument string) in a scratch folder of its own.
CliResult run(const std::string& args) {
  // Unique files: ctest runs the cases of this file in parallel processes.
  const dd_test::ScratchDir dir("dd_cli_gen");
  return dd_test::run_shell(quote(DD_DAILYDRUG_BIN) + " " + args, dir.path());
}

}  // namespace

TEST(CliGenerateTest, StreamsTextAndPrintsStatsOnRequest) {
  CliResult r =
      run("--model " + quote(kBundle) + " generate hello --temperature 0 --max-tokens 8 --stats");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(r.out.empty());
  EXPECT_NE(r.err.find("loading model"), std::string::npos);
  EXPECT_NE(r.err.find("generated; TTFT"), std::string::npos) << r.err;
}

TEST(CliGenerateTest, JsonCarriesTextUsageAndIdsAndIsDeterministic) {
  const std::string args =
      "--model " + quote(kBundle) + " --json generate 안녕 --temperature 0 --max-tokens 6 --ids";
  CliResult a = run(args), b = run(args);
  ASSERT_EQ(a.code, 0) << a.err;
  json j = json::parse(a.out);
  EXPECT_EQ(j["usage"]["output_tokens"].get<int>(), static_cast<int>(j["output_ids"].size()));
  EXPECT_EQ(j["usage"]["total_tokens"].get<int>(),
            j["usage"]["input_tokens"].get<int>() + j["usage"]["output_tokens"].get<int>());
  EXPECT_TRUE(j.contains("text"));
  EXPECT_EQ(json::parse(b.out)["output_ids"], j["output_ids"]);
  EXPECT_EQ(json::parse(b.out)["text"], j["text"]);
}

TEST(CliGenerateTest, IdsFlagPrintsTokenIds) {
  CliResult r =
      run("--model " + quote(kBundle) + " generate hi --temperature 0 --max-tokens 4 --ids");
  ASSERT_EQ(r.code, 0) << r.err;
  for (char c : r.out)
    EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(c)) || c == ' ' || c == '\n');
}

TEST(CliGenerateTest, MissingBundleIsModelNotFoundWithExitCode4) {
  CliResult r = run("--model /nonexistent/bundle --json generate hi");
  EXPECT_EQ(r.code, 4);
  json e = json::parse(r.err);
  EXPECT_EQ(e["error"]["kind"], "ModelNotFound");
}

TEST(CliGenerateTest, PromptBeyondContextIsExitCode2) {
  CliResult r = run("--model " + quote(kBundle) + " --json generate " + std::string(200, 'a'));
  EXPECT_EQ(r.code, 2);
  json e = json::parse(r.err);
  EXPECT_EQ(e["error"]["kind"], "ContextLengthExceeded");
  EXPECT_EQ(e["error"]["expected"], 64);
}

TEST(CliGenerateTest, BadSamplingIsAUsageError) {
  EXPECT_EQ(run("--model " + quote(kBundle) + " generate hi --top-p 3").code, 2);
  EXPECT_EQ(run("--model " + quote(kBundle) + " generate hi --temperature -1").code, 2);
  EXPECT_EQ(run("--model " + quote(kBundle) + " generate").code, 2);
}

TEST(CliGenerateTest, InvalidUtf8PromptIsTokenizationFailed) {
  // /bin/sh has no $'..' quoting: produce the bytes with printf.
  CliResult r = run("--model " + quote(kBundle) + " --json generate \"$(printf '\\377\\376')\"");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(json::parse(r.err)["error"]["kind"], "TokenizationFailed");
}
