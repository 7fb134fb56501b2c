// Bad generation input → a typed error, and the runner keeps working afterwards. Fills the gaps
// of tests/unit/runner_test.cpp (which covers a prompt just past the context and one invalid byte
// in the prompt): empty input, a prompt far past the context (1 MiB), context overflow through the
// system instructions or the history, and every kind of malformed UTF-8 in every text field.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/runner.h"
#include "dailydrug/llm/utf8.h"
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
  // Each reaches the model whole (a prompt cut at its NUL or with a control character dropped
  // would have fewer tokens) and the reply is well-formed.
  auto runner = make_runner();
  auto raw = [](const std::string& text) {
    auto req = greedy(text);
    req.raw = true;
    return req;
  };
  auto tokens = [&](const std::string& text) {
    auto ids = runner->tokenizer().encode(text);
    EXPECT_TRUE(ids.ok()) << ids.error().message();
    return ids.ok() ? static_cast<int>(ids->size()) : -1;
  };
  auto base = runner->generate(raw("x"));
  ASSERT_TRUE(base.ok()) << base.error().message();
  for (const std::string& text :
       {std::string("a\0b", 3), std::string("\0\0\0", 3), std::string("\x01\x02\x1b[0m\t\r\n"),
        std::string("\xEF\xBB\xBFhi"), std::string("\xEF\xBF\xBF"),
        std::string("\xF4\x8F\xBF\xBF")}) {
    const std::string shown = ::testing::PrintToString(text);
    auto r = runner->generate(raw(text));
    ASSERT_TRUE(r.ok()) << shown << ": " << r.error().message();
    // Every byte was tokenized: the prompt has as many more tokens than "x" as the tokenizer
    // gives the text more than "x" (any BOS or template cancels out).
    EXPECT_EQ(r->usage.input_tokens - base->usage.input_tokens, tokens(text) - tokens("x"))
        << shown;
    if (const size_t nul = text.find('\0'); nul != std::string::npos) {
      EXPECT_GT(tokens(text), tokens(text.substr(0, nul)))
          << shown << ": the tokenizer itself must not stop at a NUL";
    }
    EXPECT_TRUE(is_valid_utf8(r->text)) << shown;
    EXPECT_EQ(r->usage.output_tokens, static_cast<int>(r->output_ids.size())) << shown;
    EXPECT_GE(r->usage.output_tokens, 1) << shown;
    // The chat path takes the same text as a user turn.
    auto chat = runner->generate(greedy(text));
    ASSERT_TRUE(chat.ok()) << shown << ": " << chat.error().message();
    EXPECT_TRUE(is_valid_utf8(chat->text)) << shown;
  }
}

/// The tiny model's greedy reply (32 tokens) to a prompt whose reply has multi-byte characters.
GenerationRequest stop_test_request() {
  auto req = greedy("stop test \xEC\x95\x88\xEB\x85\x95 \xC3\xA9");
  req.max_output_tokens = 32;
  return req;
}

TEST(RunnerInputFaultTest, MalformedUtf8StopStringNeverBreaksTheStream) {
  // A stop string is matched on the text shown; one made of bytes that never occur in UTF-8
  // (0xC0, 0xC1, 0xF5-0xFF, a surrogate's encoding) never matches: the reply is exactly the
  // reply without stop strings, and well-formed.
  auto runner = make_runner();
  auto req = stop_test_request();
  auto plain = runner->generate(req);
  ASSERT_TRUE(plain.ok()) << plain.error().message();
  ASSERT_TRUE(is_valid_utf8(plain->text));
  ASSERT_NE(plain->text.find('\xEF'), std::string::npos)
      << "the reply should have a multi-byte character: " << ::testing::PrintToString(plain->text);
  req.stop = {"\xFF",    std::string("\xC0", 1), "\xC1\x80", "\xF5\x80\x80\x80", "\xED\xA0\x80",
              "\xFE\xFF"};
  auto r = runner->generate(req);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->text, plain->text);
  EXPECT_EQ(r->output_ids, plain->output_ids);
  EXPECT_EQ(r->finish_reason, plain->finish_reason);
  EXPECT_TRUE(is_valid_utf8(r->text));
}

// A stop string that is not valid UTF-8 but whose bytes occur inside a character of the reply (a
// lone lead or continuation byte, a truncated sequence) must not match there and cut the
// character: StopMatcher drops stop strings that are not valid UTF-8.
TEST(RunnerInputFaultTest, StopStringOfAPartialCharacterNeverCutsTheReply) {
  auto runner = make_runner();
  auto req = stop_test_request();
  auto plain = runner->generate(req);
  ASSERT_TRUE(plain.ok()) << plain.error().message();
  for (unsigned char c : plain->text) {  // each byte of the reply's multi-byte characters alone
    if (c >= 0x80 && req.stop.size() < 16) req.stop.emplace_back(1, static_cast<char>(c));
  }
  req.stop.emplace_back("\xEF\xBF");  // U+FFFD without its last byte
  auto r = runner->generate(req);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->text, plain->text);
  EXPECT_EQ(r->output_ids, plain->output_ids);
  EXPECT_TRUE(is_valid_utf8(r->text));
}
