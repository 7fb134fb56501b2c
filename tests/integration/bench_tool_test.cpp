// Black-box tests of the benchmark tool `dailydrug-bench` (the command docs/BENCHMARKS.md and
// scripts/bench.sh run): it writes every named workload with median/min/max as JSON and markdown,
// skips workloads that do not fit the program's context instead of failing, and refuses a bad
// bundle with a typed error. Speed is not asserted: only that the numbers exist and are sane.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "cli_harness.h"

namespace fs = std::filesystem;
using dd_test::cli_command;
using dd_test::run_shell;
using dd_test::ScratchDir;

namespace {

const std::string kTinyBundle = (fs::path(DD_TEST_WORK_DIR) / "tiny" / "bundle").string();

std::set<std::string> workloads(const nlohmann::json& report) {
  std::set<std::string> names;
  for (const auto& r : report["results"]) names.insert(r["workload"].get<std::string>());
  return names;
}

void expect_sane(const nlohmann::json& report) {
  for (const auto& r : report["results"]) {
    SCOPED_TRACE(r.dump());
    EXPECT_GE(r["reps"].get<int>(), 1);
    EXPECT_LE(r["min"].get<double>(), r["median"].get<double>());
    EXPECT_LE(r["median"].get<double>(), r["max"].get<double>());
    if (r["unit"] != "CPU ms/token") {  // a CPU-time difference may round to <= 0
      EXPECT_GT(r["min"].get<double>(), 0.0);
    }
  }
  EXPECT_GT(report["peak_rss_kb"].get<int64_t>(), 0);
}

TEST(BenchToolTest, TinyBundleWritesEveryWorkloadThatFitsAsJsonAndMarkdown) {
  ScratchDir dir("dd_bench");
  const auto json_path = dir.path() / "bench.json", md_path = dir.path() / "bench.md";
  const auto r =
      run_shell(cli_command({"--model", kTinyBundle, "--reps", "2", "--prefill", "16,24",
                             "--decode", "8", "--decode-contexts", "16,40,100", "--prefill-chunk",
                             "4", "--json", json_path.string(), "--markdown", md_path.string()}),
                dir.path());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto report = r.data();
  EXPECT_EQ(nlohmann::json::parse(dd_test::slurp(json_path)), report);
  EXPECT_EQ(workloads(report),
            (std::set<std::string>{"load", "load_cache_write", "load_packing", "prefill_16",
                                   "prefill_24", "decode_8", "decode_cpu_8", "decode_at_16",
                                   "decode_cpu_at_16", "decode_at_40", "decode_cpu_at_40"}));
  for (const auto& r2 : report["results"]) EXPECT_EQ(r2["reps"], 2);
  expect_sane(report);
  // The 64-token program cannot hold the chat prompts or 100 filled positions: said, not failed.
  EXPECT_NE(r.err.find("decode_at_100 skipped"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ttft_cold skipped"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ttft_turn2 skipped"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ttft_restart skipped"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("chat_decode_8 skipped"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("assistant_decode_8 skipped"), std::string::npos) << r.err;
  const std::string md = dd_test::slurp(md_path);
  EXPECT_NE(md.find("| decode_8 | tokens/s |"), std::string::npos) << md;
  EXPECT_NE(md.find("tiny-random-llama"), std::string::npos) << md;
  // The workloads after the load ones ran on a runner whose weights came from the cache, and
  // the bench's own temporary cache folder is gone.
  EXPECT_EQ(report["weight_cache"], "hit");
  EXPECT_EQ(report["prefill_chunk"], 4);  // what --prefill-chunk asked for, under the bound
}

TEST(BenchToolTest, CorruptBundleIsATypedErrorNotACrash) {
  ScratchDir dir("dd_bench_bad");
  const auto bundle = dir.path() / "bundle";
  fs::create_directories(bundle);
  for (const char* f : {"model.pte", "tokenizer.json", "model_config.json"}) {
    fs::copy_file(fs::path(kTinyBundle) / f, bundle / f);
  }
  std::ofstream(bundle / "model.pte", std::ios::binary | std::ios::in) << "garbage!";
  const auto r = run_shell(cli_command({"--model", bundle.string(), "--reps", "1"}), dir.path());
  EXPECT_EQ(r.code, 4) << r.err;
  EXPECT_FALSE(r.signalled);
  EXPECT_NE(r.err.find("error [ModelCorrupted]"), std::string::npos) << r.err;
}

// Other engines' benchmarks (tools/bench/compare_llamacpp.py) run the same prompts: --prompts
// prints them without a bundle; without --prompts a bundle is required (usage error 2).
TEST(BenchToolTest, PromptsArePrintedAsJsonWithoutABundle) {
  ScratchDir dir("dd_bench_prompts");
  const auto r = run_shell(cli_command({"--prompts"}), dir.path());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto prompts = nlohmann::json::parse(r.out);
  for (const char* key : {"prefill_sentence", "decode", "chat", "assistant"}) {
    ASSERT_TRUE(prompts.contains(key)) << key;
    EXPECT_FALSE(prompts[key].get<std::string>().empty()) << key;
  }
  const auto usage = run_shell(cli_command({"--reps", "1"}), dir.path());
  EXPECT_EQ(usage.code, 2);
  EXPECT_NE(usage.err.find("--model"), std::string::npos) << usage.err;
}

// The chat workloads on the real test bundle (SmolLM2-135M, 1024 positions): the warm follow-up
// reuses the conversation the first turn left in the cache; the restart workloads are there (a
// probe whose snapshot was not restored leaves them out).
TEST(BenchToolTest, RealBundleMeasuresTtftAndTheCachedFollowUpTurn) {
  ScratchDir dir("dd_bench_real");
  const auto r = run_shell(cli_command({"--model", DD_TEST_BUNDLE_DIR, "--reps", "1", "--prefill",
                                        "32", "--decode", "8", "--decode-contexts", ""}),
                           dir.path());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto report = r.data();
  const auto names = workloads(report);
  for (const char* w :
       {"load", "load_cache_write", "load_packing", "prefill_32", "decode_8", "decode_cpu_8",
        "ttft_cold", "ttft_warm", "ttft_turn2_cold", "ttft_turn2_warm", "ttft_restart",
        "ttft_restart_rerun", "ttft_restart_nosnapshot"}) {
    EXPECT_TRUE(names.count(w)) << w << " missing: " << report.dump();
  }
  expect_sane(report);
  EXPECT_EQ(report["prefill_chunk"], 127);  // the program's bound: max_seq_len 128 - 1
  const auto& t = report["ttft_turn2_tokens"];
  ASSERT_TRUE(t.is_object()) << report.dump();
  // Everything but the new user turn (and its template tokens) comes from the cache.
  EXPECT_GT(t["reused_from_cache"].get<int>(), t["prompt"].get<int>() / 2) << t;
  EXPECT_LT(t["reused_from_cache"].get<int>(), t["prompt"].get<int>()) << t;
}
}  // namespace
