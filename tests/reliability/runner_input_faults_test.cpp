// Bad generation input → a typed error, and the runner keeps working afterwards. Fills the gaps
// of tests/unit/runner_test.cpp (which covers a prompt just past the context and one invalid byte
// in the prompt): empty input, a prompt far past the context (1 MiB), context overflow through the
// system instructions or the history, and every kind of malformed UTF-8 in every text field.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/runner.h"
#include "reliability_util.h"

using namespace dailydrug::llm;
using namespace dailydrug::reliability;

namespace {

const std::string kBundle = (fs::path(DD_TEST_WORK_DIR) / "tiny" / "bundle").string();

std::unique_ptr<Runner> make_runner() {
  auto bundle = ModelBundle::open(kBundle, ModelBundle::Verify::kQuick);
  EXPECT_TRUE(bundle.ok()) << bundle.error().message();
  auto runner = Runner::from_bundle(*bundle);
  EXPECT_TRUE(runner.ok()) << runner.error().message();
  return std::move(runner).value();
}

GenerationRequest greedy(const std::string& prompt) {
  GenerationRequest r;
  r.prompt = prompt;
  r.temperature = 0.0f;
  r.max_output_tokens = 3;
  r.timeout_ms = 0;
  return r;
}

/// The runner still generates normally after an error.
void expect_still_works(Runner& runner) {
  auto r = runner.generate(greedy("still works"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_GE(r->usage.output_tokens, 1);
}

// Each malformed UTF-8 form: a lone continuation byte, a truncated sequence at the end, an
// overlong encoding of '/', a UTF-16 surrogate, a code point past U+10FFFF, bytes never valid.
const std::vector<std::string> kBadUtf8 = {
    "dose \x80 mg",           "타이레놀\xEC\x95",          "\xC0\xAF etc",
    "\xED\xA0\x80 surrogate", "\xF4\x90\x80\x80 too high", "\xFE\xFF never",
    std::string("\xC3", 1)};

}  // namespace

TEST(RunnerInputFaultTest, EmptyRawPromptIsTokenizationFailed) {
  auto runner = make_runner();
  auto req = greedy("");
  req.raw = true;
  auto r = runner->generate(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kTokenizationFailed);
  expect_still_works(*runner);
}

TEST(RunnerInputFaultTest, EmptyChatPromptGeneratesFromTheTemplateAlone) {
  // With the chat template an empty user turn is still a well-formed conversation (the template
  // supplies the tokens); it is not refused, and it does not crash or hang.
  auto runner = make_runner();
  auto r = runner->generate(greedy(""));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_GT(r->usage.input_tokens, 0);
}

TEST(RunnerInputFaultTest, PromptFarBeyondTheContextIsContextLengthExceeded) {
  auto runner = make_runner();
  const int64_t limit = runner->context_limit();
  for (size_t bytes : {size_t{4096}, size_t{1} << 20}) {
    auto r = runner->generate(greedy(std::string(bytes, 'x')));
    ASSERT_FALSE(r.ok()) << bytes;
    EXPECT_EQ(r.error().kind, ErrorKind::kContextLengthExceeded);
    EXPECT_EQ(r.error().expected, limit);
    EXPECT_GT(r.error().actual, limit);
    auto raw = greedy(std::string(bytes, 'y'));
    raw.raw = true;
    EXPECT_EQ(runner->generate(raw).error().kind, ErrorKind::kContextLengthExceeded);
  }
  expect_still_works(*runner);
}

TEST(RunnerInputFaultTest, SystemInstructionsOrHistoryBeyondTheContextAreContextLengthExceeded) {
  auto runner = make_runner();
  auto sys = greedy("short");
  sys.system_instructions = {std::string(2000, 's')};
  auto r = runner->generate(sys);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kContextLengthExceeded);
  auto hist = greedy("short");
  for (int i = 0; i < 50; ++i) {
    hist.history.push_back({"user", "question number " + std::to_string(i)});
    hist.history.push_back({"assistant", "answer number " + std::to_string(i)});
  }
  r = runner->generate(hist);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kContextLengthExceeded);
  expect_still_works(*runner);
}

TEST(RunnerInputFaultTest, MalformedUtf8InAnyTextFieldIsTokenizationFailed) {
  auto runner = make_runner();
  for (const std::string& bad : kBadUtf8) {
    SCOPED_TRACE(::testing::PrintToString(bad));
    auto in_prompt = greedy(bad);
    EXPECT_EQ(runner->generate(in_prompt).error().kind, ErrorKind::kTokenizationFailed);
    in_prompt.raw = true;
    EXPECT_EQ(runner->generate(in_prompt).error().kind, ErrorKind::kTokenizationFailed);
    auto in_system = greedy("ok");
    in_system.system_instructions = {bad};
    EXPECT_EQ(runner->generate(in_system).error().kind, ErrorKind::kTokenizationFailed);
    auto in_history = greedy("ok");
    in_history.history = {{"user", bad}, {"assistant", "fine"}};
    EXPECT_EQ(runner->generate(in_history).error().kind, ErrorKind::kTokenizationFailed);
  }
  expect_still_works(*runner);
}

TEST(RunnerInputFaultTest, NulBytesAndControlCharactersAreOrdinaryText) {
  // Valid UTF-8 that is unusual: NUL, other C0 controls, a BOM, U+FFFF, the largest code point.
  auto runner = make_runner();
  for (const std::string& text :
       {std::string("a\0b", 3), std::string("\x01\x02\x1b[0m\t\r\n"), std::string("\xEF\xBB\xBFhi"),
        std::string("\xEF\xBF\xBF"), std::string("\xF4\x8F\xBF\xBF")}) {
    auto r = runner->generate(greedy(text));
    EXPECT_TRUE(r.ok()) << ::testing::PrintToString(text) << ": " << r.error().message();
  }
}

TEST(RunnerInputFaultTest, MalformedUtf8StopStringNeverBreaksTheStream) {
  // A stop string is matched on bytes; an invalid one simply never matches.
  auto runner = make_runner();
  auto req = greedy("stop test");
  req.stop = {"\xFF", std::string("\xC3", 1)};
  auto r = runner->generate(req);
  ASSERT_TRUE(r.ok()) << r.error().message();
}
