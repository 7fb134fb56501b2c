// Prompt-lookup speculative decoding on the tiny random LLaMA: the program's several rows of
// logits, Session::verify/accept, and Runner::generate giving the same tokens, text, finish
// reasons, stop, budget and cancel behaviour and cache state with and without speculation. A
// program that returns only the last row (exported before logits_rows) decodes normally.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/runner.h"
#include "dailydrug/llm/session.h"

namespace fs = std::filesystem;
using namespace dailydrug::llm;

namespace {

const fs::path kTiny = fs::path(DD_TEST_WORK_DIR) / "tiny";

std::unique_ptr<Runner> make_runner() {
  auto bundle = ModelBundle::open((kTiny / "bundle").string(), ModelBundle::Verify::kFull);
  EXPECT_TRUE(bundle.ok()) << bundle.error().message();
  auto runner = Runner::from_bundle(*bundle);
  EXPECT_TRUE(runner.ok()) << runner.error().message();
  return std::move(runner).value();
}

std::unique_ptr<ExecutorchModel> load(const std::string& name) {
  auto model = ExecutorchModel::load((kTiny / name).string());
  EXPECT_TRUE(model.ok()) << model.error().message();
  return std::move(model).value();
}

GenerationRequest greedy(const std::string& prompt, int max_tokens, bool speculative) {
  GenerationRequest r;
  r.prompt = prompt;
  r.temperature = 0.0f;
  r.repetition_penalty = 1.0f;
  r.max_output_tokens = max_tokens;
  r.timeout_ms = 0;
  r.speculative = speculative;
  return r;
}

struct Outcome {
  GenerationResponse response;
  GenerationStats stats;
  std::vector<std::string> pieces;
  size_t position = 0;
};

Outcome run(Runner& runner, const GenerationRequest& req) {
  Outcome out;
  runner.reset();
  auto r = runner.generate(
      req, [&](std::string_view p) { out.pieces.emplace_back(p); },
      [&](const GenerationStats& s) { out.stats = s; });
  EXPECT_TRUE(r.ok()) << r.error().message();
  if (r.ok()) out.response = *r;
  out.position = runner.position();
  return out;
}

void expect_same(const Outcome& plain, const Outcome& spec, const std::string& what) {
  EXPECT_EQ(spec.response.output_ids, plain.response.output_ids) << what;
  EXPECT_EQ(spec.response.text, plain.response.text) << what;
  EXPECT_EQ(spec.pieces, plain.pieces) << what << ": streamed one token at a time, the same";
  EXPECT_EQ(spec.response.finish_reason, plain.response.finish_reason) << what;
  EXPECT_EQ(spec.position, plain.position) << what << ": the cache holds the same tokens";
}

// Drafts run and confirmed over a test's speculative runs.
struct DraftTotals {
  int32_t verify_calls = 0;
  int32_t accepted = 0;
};

// Runs `req` one token per call and with speculation, expects the same outcome, adds the
// speculative run's drafts to `totals` and returns that run.
Outcome expect_speculation_changes_nothing(Runner& runner, GenerationRequest req,
                                           const std::string& what, DraftTotals& totals) {
  req.speculative = false;
  const Outcome plain = run(runner, req);
  req.speculative = true;
  Outcome spec = run(runner, req);
  expect_same(plain, spec, what);
  EXPECT_EQ(plain.stats.verify_calls, 0) << what;
  EXPECT_LE(spec.stats.accepted_tokens, spec.stats.drafted_tokens) << what;
  totals.verify_calls += spec.stats.verify_calls;
  totals.accepted += spec.stats.accepted_tokens;
  return spec;
}

// Prompts the tiny model's greedy continuation repeats itself on (found by running it), so that
// drafts are both rejected and accepted, plus plain ones.
const std::vector<std::string> kPrompts = {
    "abcabcabcabc",     "the cat sat on the mat; the cat", "x", "1 2 3 1 2 3 1 2", "stream",
    "hello hello hello"};

}  // namespace

TEST(SpeculativeModelTest, TheProgramReturnsTheLastRowsOfACall) {
  auto model = load("model.pte");
  std::ifstream in(kTiny / "reference.json");
  const auto ref = nlohmann::json::parse(in);
  ASSERT_EQ(model->metadata().logits_rows, ref["logits_rows"].get<int64_t>());
  const auto tokens = ref["tokens"].get<std::vector<TokenId>>();
  const auto& rows_ref = ref["logits"];
  const auto vocab = static_cast<size_t>(model->metadata().vocab_size);
  for (size_t t : {1u, 5u, 9u, 12u, 15u}) {
    auto rows = model->forward_rows(std::span<const TokenId>(tokens).first(t), 0);
    ASSERT_TRUE(rows.ok()) << rows.error().message();
    const size_t n = std::min<size_t>(t, 9);
    ASSERT_EQ(rows->size(), n * vocab) << t << " tokens";
    for (size_t r = 0; r < n; ++r) {
      const auto& want = rows_ref[t - n + r];
      float worst = 0;
      for (size_t v = 0; v < vocab; ++v) {
        worst = std::max(worst, std::abs((*rows)[r * vocab + v] - want[v].get<float>()));
      }
      EXPECT_LT(worst, 1e-4) << t << " tokens, row " << r;
    }
    auto last = model->forward(std::span<const TokenId>(tokens).first(t), 0);
    ASSERT_TRUE(last.ok());
    EXPECT_EQ(last->data(), rows->data() + (n - 1) * vocab) << "forward() is the last row";
  }
}

TEST(SpeculativeModelTest, AProgramExportedWithoutRowsHasOne) {
  auto model = load("last_row.pte");
  EXPECT_EQ(model->metadata().logits_rows, 1);
  const std::vector<TokenId> tokens{259, 17, 200, 33};
  auto rows = model->forward_rows(tokens, 0);
  ASSERT_TRUE(rows.ok()) << rows.error().message();
  EXPECT_EQ(rows->size(), static_cast<size_t>(model->metadata().vocab_size));
}

TEST(SessionVerifyTest, VerifiedRowsMatchStepsAndAcceptRollsBack) {
  auto model = load("model.pte");
  const std::vector<TokenId> prompt{259, 17, 200, 33, 4};
  const std::vector<TokenId> more{250, 9, 9, 128, 77};
  const auto vocab = static_cast<size_t>(model->metadata().vocab_size);
  // Reference: one token per call.
  Session steps(*model, 64, 15);
  ASSERT_TRUE(steps.prefill(prompt, {}).ok());
  std::vector<std::vector<float>> want;
  for (TokenId t : more) {
    ASSERT_TRUE(steps.step(t).ok());
    want.emplace_back(steps.logits().begin(), steps.logits().end());
  }
  Session s(*model, 64, 15);
  ASSERT_TRUE(s.prefill(prompt, {}).ok());
  auto rows = s.verify(more);
  ASSERT_TRUE(rows.ok()) << rows.error().message();
  ASSERT_EQ(rows->size(), more.size() * vocab);
  EXPECT_EQ(s.position(), prompt.size() + more.size());
  for (size_t r = 0; r < more.size(); ++r) {
    for (size_t v = 0; v < vocab; ++v) {
      ASSERT_NEAR((*rows)[r * vocab + v], want[r][v], 1e-4) << "row " << r;
    }
  }
  // Keep two of the five; the logits are then those after the second.
  ASSERT_TRUE(s.accept(prompt.size() + 2).ok());
  EXPECT_EQ(s.position(), prompt.size() + 2);
  EXPECT_EQ(s.logits().data(), rows->data() + vocab);
  EXPECT_EQ(s.accept(prompt.size() + 3).error().kind, ErrorKind::kConfigurationInvalid)
      << "accept never grows the cache";
  EXPECT_EQ(s.accept(prompt.size()).error().kind, ErrorKind::kConfigurationInvalid)
      << "the first verified token stays";
  // What follows overwrites the rejected positions: a different third token runs as if the
  // rejected ones had never been there.
  ASSERT_TRUE(s.step(42).ok());
  // A copy: the logits live in the program's output buffer, which the next call reuses.
  const std::vector<float> after(s.logits().begin(), s.logits().end());
  Session fresh(*model, 64, 15);
  std::vector<TokenId> all = prompt;
  all.insert(all.end(), {250, 9, 42});
  ASSERT_TRUE(fresh.prefill(all, {}).ok());
  for (size_t v = 0; v < vocab; ++v) ASSERT_NEAR(after[v], fresh.logits()[v], 1e-4);
  EXPECT_EQ(s.tokens(), fresh.tokens());
  EXPECT_EQ(s.accept(all.size()).error().kind, ErrorKind::kConfigurationInvalid)
      << "a step ends the verified call";
}

TEST(SessionVerifyTest, TypedErrors) {
  auto model = load("model.pte");
  Session s(*model, 12, 15);
  EXPECT_EQ(s.verify({}).error().kind, ErrorKind::kConfigurationInvalid);
  const std::vector<TokenId> ten(10, 5);  // more than the 9 rows
  EXPECT_EQ(s.verify(ten).error().kind, ErrorKind::kConfigurationInvalid);
  ASSERT_TRUE(s.prefill(std::vector<TokenId>(8, 5), {}).ok());
  EXPECT_EQ(s.verify(std::vector<TokenId>(5, 5)).error().kind, ErrorKind::kContextLengthExceeded);
  EXPECT_EQ(s.position(), 8u);
  EXPECT_EQ(s.accept(8).error().kind, ErrorKind::kConfigurationInvalid) << "no verify() yet";
}

TEST(SpeculativeRunnerTest, GreedyOutputIsTokenForTokenIdentical) {
  auto runner = make_runner();
  DraftTotals totals;
  for (float penalty : {1.0f, 1.3f}) {
    for (const auto& prompt : kPrompts) {
      auto req = greedy(prompt, 40, false);
      req.repetition_penalty = penalty;
      expect_speculation_changes_nothing(
          *runner, req, prompt + " (penalty " + std::to_string(penalty) + ")", totals);
    }
  }
  EXPECT_GT(totals.verify_calls, 0) << "the drafts ran";
  EXPECT_GT(totals.accepted, 0) << "some drafts were confirmed";
}

TEST(SpeculativeRunnerTest, EveryBudgetEndsAtTheSameToken) {
  auto runner = make_runner();
  DraftTotals totals;
  for (const auto& prompt : {std::string("abcabcabcabc"), std::string("hello hello hello")}) {
    for (int budget = 1; budget <= 24; ++budget) {
      const Outcome spec =
          expect_speculation_changes_nothing(*runner, greedy(prompt, budget, false),
                                             prompt + ", max " + std::to_string(budget), totals);
      EXPECT_LE(spec.response.output_ids.size(), static_cast<size_t>(budget));
    }
  }
}

TEST(SpeculativeRunnerTest, StopStringsEndAtTheSamePlace) {
  auto runner = make_runner();
  DraftTotals totals;
  for (const auto& prompt : kPrompts) {
    const Outcome full = run(*runner, greedy(prompt, 30, false));
    // Every piece of the plain answer as a stop string in turn.
    for (size_t i = 0; i < full.pieces.size(); i += 2) {
      if (full.pieces[i].empty()) continue;
      auto req = greedy(prompt, 30, false);
      req.stop = {full.pieces[i]};
      expect_speculation_changes_nothing(*runner, req,
                                         prompt + ", stop at piece " + std::to_string(i), totals);
    }
  }
}

TEST(SpeculativeRunnerTest, ACancelDuringASpeculativeStepStopsAtTheSameToken) {
  auto runner = make_runner();
  // Cancelled from the text callback after k pieces: the runner checks the token before every
  // token, drafted or not, so both modes stop after the same piece.
  for (const auto& prompt : {std::string("abcabcabcabc"), std::string("hello hello hello")}) {
    for (size_t k = 1; k <= 12; ++k) {
      auto one = [&](bool speculative) {
        auto req = greedy(prompt, 30, speculative);
        req.cancel = make_cancel_token();
        Outcome out;
        runner->reset();
        auto r = runner->generate(
            req,
            [&](std::string_view p) {
              out.pieces.emplace_back(p);
              if (out.pieces.size() == k) req.cancel->cancel();
            },
            [&](const GenerationStats& s) { out.stats = s; });
        EXPECT_TRUE(r.ok());
        if (r.ok()) out.response = *r;
        out.position = runner->position();
        return out;
      };
      const Outcome plain = one(false);
      const Outcome spec = one(true);
      expect_same(plain, spec, prompt + ", cancel after " + std::to_string(k));
    }
  }
}

// A constrained answer that copies values from its prompt (what the scan's model step does):
// drafts are checked against the grammar as it stands at each drafted position, so the JSON and
// the ids are the same as one token per call, and a draft the grammar forbids is not kept.
TEST(SpeculativeRunnerTest, AJsonConstraintIsFollowedThroughTheDraft) {
  auto runner = make_runner();
  const std::string schema = R"({"type": "array", "maxItems": 4, "items": {"type": "string",
      "enum": ["abcabc", "the cat sat", "hello hello"]}})";
  DraftTotals totals;
  for (const auto& prompt :
       {std::string(R"(["abcabc", "the cat sat"])"), std::string("the cat sat on the mat; the cat"),
        std::string("abcabcabcabc")}) {
    auto req = greedy(prompt, 30, false);
    req.json_schema = schema;
    expect_speculation_changes_nothing(*runner, req, prompt + " (constrained)", totals);
  }
  EXPECT_GT(totals.verify_calls, 0) << "the drafts ran";
  EXPECT_GT(totals.accepted, 0) << "some drafts were confirmed";
}

TEST(SpeculativeRunnerTest, SamplingOrNoDraftBudgetDecodesOneTokenPerCall) {
  auto runner = make_runner();
  auto req = greedy("abcabcabcabc", 20, true);
  req.temperature = 0.8f;
  req.seed = 7;
  EXPECT_EQ(run(*runner, req).stats.verify_calls, 0);
  runner->set_draft_tokens(0);
  EXPECT_EQ(run(*runner, greedy("abcabcabcabc", 20, true)).stats.verify_calls, 0);
}

TEST(SpeculativeRunnerTest, AProgramWithTheLastRowOnlyDecodesNormally) {
  auto last_row = load("last_row.pte");
  auto tokenizer = load_tokenizer((kTiny / "bundle" / "tokenizer.json").string());
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.error().message();
  auto bundle = ModelBundle::open((kTiny / "bundle").string(), ModelBundle::Verify::kFull);
  ASSERT_TRUE(bundle.ok());
  RunnerOptions options;
  options.eos_ids = bundle->config().eos_ids;
  options.chat_template = bundle->config().chat_template;
  Runner old(std::move(last_row), std::move(tokenizer).value(), options);
  auto current = make_runner();
  for (const auto& prompt : kPrompts) {
    const Outcome a = run(old, greedy(prompt, 30, true));
    const Outcome b = run(*current, greedy(prompt, 30, false));
    EXPECT_EQ(a.stats.verify_calls, 0);
    EXPECT_EQ(a.response.output_ids, b.response.output_ids) << prompt;
  }
}
