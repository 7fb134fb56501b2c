// Black-box tests of `dailydrug coach|ask|faq|chat` against temporary databases: the tiny bundle
// (English-only, 64-token context) for flags, JSON, errors and exit codes; the app's default
// bundle (Qwen, Korean) for the Tylenol acceptance test, and the test bundle (SmolLM2, English)
// for an English model answer, a timeout and Ctrl-C (skipped when a bundle has not been
// exported).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "../integration/cli_harness.h"

namespace fs = std::filesystem;
using dd_test::CliResult;
using dd_test::quote;
using dd_test::slurp;
using nlohmann::json;

namespace {

const std::string kTiny = (fs::path(DD_TEST_WORK_DIR) / "tiny" / "bundle").string();
const std::string kReal = DD_TEST_BUNDLE_DIR;  // SmolLM2-135M 8-bit: English only
const std::string kApp = DD_APP_BUNDLE_DIR;    // the app's default: Qwen2.5-Coder-0.5B, Korean
constexpr const char* kNow = "2026-11-24T13:00";

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

class CliAssistantTest : public ::testing::Test {
 protected:
  /// The command line up to the subcommand; `exec_it` replaces the shell (for signals).
  std::string base(const std::string& bundle, bool exec_it = false) const {
    return "export DAILYDRUG_NOW=" + std::string(kNow) + "; " + (exec_it ? "exec " : "") +
           quote(DD_DAILYDRUG_BIN) + " --db " + quote((dir_ / "dd.db").string()) + " --model " +
           quote(bundle) + " ";
  }

  CliResult run(const std::string& args, const std::string& bundle = kTiny,
                const std::string& stdin_text = "") const {
    return dd_test::run_shell_with_input(base(bundle) + args, dir_, stdin_text);
  }

  bool real_bundle(const std::string& b = kReal) const {
    return fs::exists(fs::path(b) / "model_config.json");
  }

  dd_test::ScratchDir scratch_{"dd_cli_asst"};
  const fs::path& dir_ = scratch_.path();
};

}  // namespace

TEST_F(CliAssistantTest, KoreanAskWithAnEnglishOnlyBundleIsComposedFromFactsWithoutLoading) {
  CliResult r = run("ask '타이레놀 복용 후 운전해도 될까요?'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "운전")) << r.out;
  EXPECT_TRUE(has(r.out, "의사")) << r.out;
  EXPECT_TRUE(has(r.err, "note: the model is off for answers")) << r.err;
  EXPECT_FALSE(has(r.err, "loading model")) << r.err;  // not needed, not loaded
  // With --model-text the bundle's languages decide: the test bundle writes no Korean.
  CliResult m = run("ask '타이레놀 복용 후 운전해도 될까요?' --model-text");
  ASSERT_EQ(m.code, 0) << m.err;
  EXPECT_TRUE(has(m.err, "note: the model cannot write Korean")) << m.err;
  EXPECT_FALSE(has(m.err, "loading model")) << m.err;
  EXPECT_EQ(m.out, r.out);
}

TEST_F(CliAssistantTest, JsonCarriesTextFactsSafetyAndNotice) {
  CliResult r = run("--json ask '판콜 먹고 운전해도 돼?'");
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["command"], "ask");
  EXPECT_EQ(j["language"], "ko");
  EXPECT_EQ(j["facts_used"], json::array({"cold_combination.driving"}));
  EXPECT_EQ(j["medicines"], json::array({"cold_combination"}));
  EXPECT_EQ(j["model_text_used"], false);
  EXPECT_EQ(j["safety_replaced"], false);
  EXPECT_TRUE(has(j["notice"].get<std::string>(), "model is off"));
  EXPECT_TRUE(has(j["text"].get<std::string>(), "졸음"));
  EXPECT_TRUE(j["emergency"].is_null());
  EXPECT_TRUE(j["model_error"].is_null());
  EXPECT_TRUE(has(j["content_review"].get<std::string>(), "not yet been reviewed by a pharmacist"));
  EXPECT_EQ(j["usage"]["total_tokens"], 0);
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(CliAssistantTest, EnglishAskLoadsTheModelAndFallsBackWhenThePromptCannotFit) {
  CliResult r = run("--json ask 'Can I drive after taking Tylenol?' --lang en --model-text");
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["model_text_used"], false);
  EXPECT_TRUE(has(j["notice"].get<std::string>(), "does not fit the model's context of 64"));
  EXPECT_TRUE(has(j["text"].get<std::string>(), "doctor"));
}

TEST_F(CliAssistantTest, NoModelFlagAnswersFromTheNotesWithoutLoading) {
  CliResult r =
      run("--json ask 'Can I drive after taking Tylenol?' --lang en --model-text --no-model");
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["model_text_used"], false);
  EXPECT_TRUE(has(j["notice"].get<std::string>(), "model is off"));
  EXPECT_FALSE(has(r.err, "loading model")) << r.err;
}

TEST_F(CliAssistantTest, FaqKnownAndUnknown) {
  CliResult ok = run("faq 애드빌");
  ASSERT_EQ(ok.code, 0) << ok.err;
  EXPECT_TRUE(has(ok.out, "■ 애드빌 (이부프로펜")) << ok.out;
  EXPECT_TRUE(has(ok.out, "• 함께 먹는 약:")) << ok.out;
  CliResult missing = run("--json faq 없는약이름");
  EXPECT_EQ(missing.code, 3);
  EXPECT_EQ(json::parse(missing.err)["error"]["kind"], "NotFound");
  CliResult plain = run("faq 없는약이름");
  EXPECT_EQ(plain.code, 3);
  EXPECT_TRUE(has(plain.err, "없는약이름")) << plain.err;
}

TEST_F(CliAssistantTest, CoachReadsTodayAndAdherenceFromTheDatabase) {
  ASSERT_EQ(run("med add --name 타이레놀 --dosage 1정 --times 08:00,20:00 --start 2026-11-21").code,
            0);
  CliResult r = run("coach");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "오늘(2026-11-24) 복용 일정은 2회예요.")) << r.out;
  EXPECT_TRUE(has(r.out, "예정된 6회 중 0회 복용했어요(0%)")) << r.out;
  EXPECT_TRUE(has(r.out, "두 배로 드시지 마세요")) << r.out;
  EXPECT_TRUE(has(r.out, "의사 또는 약사")) << r.out;
  CliResult en = run("--json coach --lang en");
  ASSERT_EQ(en.code, 0) << en.err;
  EXPECT_TRUE(has(json::parse(en.out)["text"].get<std::string>(), "you took 0 of 6"));
}

TEST_F(CliAssistantTest, ChatReadsPipedLinesFollowsUpAndResets) {
  CliResult r = run("--json chat", kTiny,
                    "판콜 먹고 운전해도 돼요?\n술은요?\n/reset\n술은요?\n/exit\nignored\n");
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::vector<json> turns;
  while (std::getline(lines, line)) turns.push_back(json::parse(line));
  ASSERT_EQ(turns.size(), 3u) << r.out;
  EXPECT_EQ(turns[0]["facts_used"], json::array({"cold_combination.driving"}));
  EXPECT_EQ(turns[1]["facts_used"], json::array({"cold_combination.alcohol"}));
  EXPECT_EQ(turns[2]["facts_used"], json::array({"general.alcohol"}));  // forgotten: any medicine
  EXPECT_EQ(turns[2]["command"], "chat");
  CliResult plain = run("chat", kTiny, "타이레놀 부작용\n");
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_EQ(plain.out.rfind("타이레놀(아세트아미노펜): ", 0), 0u) << plain.out;  // direct answer
  EXPECT_TRUE(has(plain.out, "• 바로 진료가 필요한 증상:")) << plain.out;
}

TEST_F(CliAssistantTest, BadInputIsAUsageErrorAndAMissingBundleIsExit4) {
  EXPECT_EQ(run("ask").code, 2);
  EXPECT_EQ(run("ask hi --lang fr").code, 2);
  EXPECT_EQ(run("ask ' '").code, 2);
  const fs::path bad = dir_ / "facts.json";
  std::ofstream(bad) << R"({"schema_version": 1, "sources": {}, "medicines": []})";
  CliResult r = run("--json ask 타이레놀 --facts " + quote(bad.string()));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(json::parse(r.err)["error"]["kind"], "Invalid");
  // A bundle that is not there: an answer that does not use the model does not care; one that
  // asked for model text still gets the curated answer, and the exit code says what failed.
  EXPECT_EQ(run("ask 타이레놀", "/nonexistent/bundle").code, 0);
  CliResult gone = run("--json ask 타이레놀 --model-text", "/nonexistent/bundle");
  EXPECT_EQ(gone.code, 4);
  EXPECT_TRUE(has(json::parse(gone.out)["text"].get<std::string>(), "타이레놀")) << gone.out;
  EXPECT_EQ(json::parse(gone.err)["error"]["kind"], "ModelNotFound");
}

// ---- The real bundles: the default (Qwen2.5-Coder-0.5B, Korean) and the test one (SmolLM2) ---

// Acceptance (DailyDrug TODO.md): the answer to "타이레놀 복용 후 운전해도 될까요?" mentions 운전
// and 의사. On the app's default bundle, with the model's text asked for (greedy): the model itself
// writes Korean about 운전 (the bundle says languages ["ko","en"]), its sentences pass the safety
// filter and the grounding check, and the reply is the curated answer, the labelled model text,
// then the notes and the referral to 의사. (An English-only bundle never loads the model for this
// question: KoreanAskWithAnEnglishOnlyBundleIsComposedFromFactsWithoutLoading.)
TEST_F(CliAssistantTest, AcceptanceTylenolDrivingTheDefaultModelWritesAboutDrivingInKorean) {
  if (!real_bundle(kApp)) GTEST_SKIP() << "no default bundle at " << kApp;
  CliResult r =
      run("--json ask '타이레놀 복용 후 운전해도 될까요?' --max-tokens 120 --model-text "
          "--temperature 0",
          kApp);
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["language"], "ko");
  ASSERT_EQ(j["model_text_used"], true) << j.dump();
  EXPECT_GT(j["usage"]["output_tokens"].get<int>(), 0);
  const std::string model = j["model_text"];
  int hangul = 0;  // syllables U+AC00..U+D7A3 are EA B0 80 .. ED 9E A3 in UTF-8
  for (size_t i = 0; i + 2 < model.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(model[i]);
    if (b0 >= 0xEA && b0 <= 0xED) ++hangul, i += 2;
  }
  EXPECT_GE(hangul, 10) << "the model's own text should be Korean: " << model;
  EXPECT_TRUE(has(model, "운전")) << "the model's own text answers the question: " << model;
  const std::string text = j["text"];
  // The direct answer first, then the labelled model text, then the notes and the referral.
  EXPECT_EQ(text.rfind("타이레놀(아세트아미노펜): ", 0), 0u) << text;
  ASSERT_NE(text.find(model), std::string::npos) << "the (filtered) model text is in the reply";
  EXPECT_LT(text.find("\nAI 답변"), text.find(model)) << text;
  EXPECT_NE(text.find("의사", text.find(model) + model.size()), std::string::npos)
      << "the referral to a doctor follows the model text: " << text;
  EXPECT_FALSE(has(r.err, "cannot write Korean")) << r.err;
}

TEST_F(CliAssistantTest, EnglishAnswerFromTheRealModelIsFollowedByFactsAndReferral) {
  if (!real_bundle()) GTEST_SKIP() << "no default bundle at " << kReal;
  CliResult r =
      run("--json ask 'Can I drive after taking Tylenol?' --lang en --seed 7 --max-tokens 80 "
          "--temperature 0.3 --model-text",
          kReal);
  ASSERT_EQ(r.code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["model_text_used"], true) << j.dump();
  EXPECT_GT(j["usage"]["output_tokens"].get<int>(), 0);
  const std::string text = j["text"];
  const std::string model = j["model_text"];
  EXPECT_EQ(text.rfind("Tylenol(acetaminophen): Acetaminophen alone usually does not cause "
                       "drowsiness",
                       0),
            0u)
      << text;
  EXPECT_TRUE(has(text, "\nAI answer (a small on-device model")) << text;
  EXPECT_TRUE(has(text, model)) << "the (filtered) model text is part of the reply";
  EXPECT_TRUE(has(text, "doctor or pharmacist")) << text;
  EXPECT_GT(j["stats"]["ttft_ms"].get<double>(), 0.0);
}

// Never empty: a generation that times out (as on a phone busy with something else) leaves the
// curated answer whole on stdout; the error and its exit code follow.
TEST_F(CliAssistantTest, AModelTimeoutStillPrintsTheCuratedAnswer) {
  if (!real_bundle()) GTEST_SKIP() << "no default bundle at " << kReal;
  CliResult r =
      run("ask 'Can I drink alcohol with Tylenol?' --lang en --model-text --timeout-ms 1", kReal);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(has(r.out, "Tylenol(acetaminophen): ")) << r.out;
  EXPECT_TRUE(has(r.out, "doctor or pharmacist")) << r.out;
  EXPECT_TRUE(has(r.err, "GenerationTimeout") || has(r.err, "timed out")) << r.err;
}

TEST_F(CliAssistantTest, CtrlCDuringCoachCancelsCleanlyWithExit130) {
  if (!real_bundle()) GTEST_SKIP() << "no default bundle at " << kReal;
  const fs::path out = dir_ / "out", err = dir_ / "err";
  const std::string cmd = base(kReal, true) + "coach --lang en --max-tokens 400 --seed 3 >" +
                          out.string() + " 2>" + err.string();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until the model has loaded (the "loading model ... , N ms" line is complete), then
  // interrupt the generation.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!has(slurp(err), "\n") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by a signal instead of a clean exit";
  EXPECT_EQ(WEXITSTATUS(status), 130) << slurp(err);
  EXPECT_TRUE(has(slurp(err), "cancelled (Ctrl-C)")) << slurp(err);
}
