// dailydrug-bench: named workloads on a model bundle, repeated, with median/min/max, written as
// JSON and markdown.
//
//   dailydrug-bench --model DIR [--reps 5] [--threads -1] [--prefill-chunk 0] [--json out.json]
//                   [--markdown out.md]
//
// Workloads:
//   load            bundle open + program mmap load + tokenizer + first token (fresh Runner each
//                   rep), with the packed-weight cache filled: what every start after the first
//                   costs
//   load_cache_write the same into an empty packed-weight cache (the first start: packs the weights
//                   and writes the cache file)
//   load_packing    the same without the cache (packs the weights at every start)
//   prefill_<N>     N prompt tokens from an empty cache (tokens/s)
//   decode_<N>      N greedy tokens after a short prompt, one forward call per token (tokens/s,
//                   first token excluded)
//   chat_decode_<N> N greedy tokens answering a chat question with the bundle's system prompt
//   assistant_decode_<N> N greedy tokens answering a question with medicine facts in the prompt,
//                   as `dailydrug ask` writes it: the answer restates the facts (tokens/s)
//   ..._nospec      the same without speculative decoding (one forward call per token);
//                   <workload>_accept: drafted tokens the model confirmed (share, speculative
//                   runs) and <workload>_tokens_per_call: generated tokens per decode call
//   ttft_cold       a chat request with the bundle's system prompt, empty cache
//   ttft_warm       the same system prompt cached, a different user question
//   ttft_restart    the ttft_warm request as the first one of a new process (a restart), the
//                   system prompt's KV cache restored from its prefix snapshot (saved by an
//                   earlier process) and the packed weights mapped from their cache
//   ttft_restart_rerun the same question again in that process, from the same cached prefix:
//                   the warm figure the restart is measured against
//   ttft_restart_nosnapshot the same with prefix snapshots off: the system prompt is prefilled
//   ttft_turn2_cold a follow-up question in a conversation (system prompt, a first question
//                   with medicine facts as `dailydrug ask` writes them, the model's answer),
//                   empty cache: the whole conversation is prefilled
//   ttft_turn2_warm the same follow-up right after the first turn was generated: the cache
//                   holds the conversation, only the new turn is prefilled (chat, the server)
//   decode_cpu_<N>  CPU time (user + system, all threads) per decoded token, from the same
//                   generation with N tokens minus one with 1 token: with --threads 1 this is the
//                   single-core cost, which other processes on a busy machine barely disturb
//   decode_at_<N>   --decode-contexts: 16 greedy tokens after an N-token prompt, one forward call
//                   per token (tokens/s), i.e.
//                   decode speed with N positions of the KV cache filled; decode_cpu_at_<N> is
//                   its CPU time per token (as decode_cpu_<N>)
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/local_llm.h"
#include "dailydrug/llm/runner.h"

using namespace dailydrug::llm;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

struct Series {
  std::string name;
  std::string unit;
  std::vector<double> values;
  nlohmann::json summary() const {
    auto v = values;
    std::sort(v.begin(), v.end());
    const double median =
        v.empty() ? 0
                  : (v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2);
    return {{"workload", name},
            {"unit", unit},
            {"median", median},
            {"min", v.empty() ? 0 : v.front()},
            {"max", v.empty() ? 0 : v.back()},
            {"reps", v.size()}};
  }
};

double cpu_ms() {  // this process, all threads, user + system
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

int fail(const Error& e) {
  std::fprintf(stderr, "error [%s]: %s\n", std::string(to_string(e.kind)).c_str(),
               e.message().c_str());
  return 4;
}

/// True (with a note on stderr) when `e` says a workload's prompt does not fit the program's
/// context: the workload is skipped, as decode_at_N is, instead of failing the run.
bool too_long(const Error& e, const char* workload) {
  if (e.kind != ErrorKind::kContextLengthExceeded) return false;
  std::fprintf(stderr, "%s skipped: %s\n", workload, e.message().c_str());
  return true;
}

/// The prompts of the workloads; `--prompts` prints them for tools that run other engines on the
/// same text (tools/bench/compare_llamacpp.py).
/// Repeated and cut to N tokens for prefill_N.
constexpr const char* kPrefillSentence =
    "이 약은 하루 세 번 식후 30분에 복용하세요. Take one tablet after each meal. ";
/// Continued by decode_N (raw, no chat template).
constexpr const char* kDecodePrompt = "The history of aspirin began";
/// chat_decode_N and ttft_cold: the user message under the bundle's system prompt.
constexpr const char* kChatQuestion = "타이레놀 복용 후 운전해도 될까요?";
/// assistant_decode_N: a question with medicine facts, the way the app's `ask` prompt carries them.
constexpr const char* kAssistantPrompt =
    "Facts:\n"
    "- 타이레놀, 졸음: 아세트아미노펜은 보통 졸음을 일으키지 않지만, 감기약과 함께 먹으면 졸릴 "
    "수 있어요.\n"
    "- 타이레놀, 술: 술을 마시는 날에는 간에 부담이 커지니 복용 전에 약사와 상담하세요.\n"
    "- 타이레놀, 최대량: 하루 최대 용량을 넘기지 말고, 다른 아세트아미노펜 약과 겹치지 않게 "
    "하세요.\n\n"
    "Question: 타이레놀 복용 후 운전해도 될까요?\nAnswer briefly, using only these facts.";

/// A greedy request with no time limit (a busy machine is slow, not broken), no repetition
/// penalty and no stop strings, so every run of it does the same work.
GenerationRequest greedy(std::string prompt, int max_tokens, bool raw) {
  GenerationRequest r;
  r.timeout_ms = 0;
  r.prompt = std::move(prompt);
  r.raw = raw;
  r.max_output_tokens = max_tokens;
  r.temperature = 0.0f;
  r.repetition_penalty = 1.0f;
  r.stop = {};
  return r;
}

/// Runs `r` on an empty cache (`fresh`) or after what the cache holds; `st` gets its stats.
Status run(LocalLlm& model, const GenerationRequest& r, GenerationStats& st, bool fresh = true) {
  if (fresh && model.is_loaded()) DD_RETURN_IF_ERROR(model.reset());
  auto g = model.generate(r, {}, [&](const GenerationStats& s) { st = s; });
  if (!g.ok()) return g.error();
  return {};
}

/// CPU ms per decoded token of `r`: the CPU time of `r` minus that of the same request cut to
/// one token, over the tokens after the first. Appended to `out` when `r` decodes > 1 token.
Status decode_cpu_per_token(LocalLlm& model, const GenerationRequest& r, Series& out) {
  GenerationStats st;
  const double c0 = cpu_ms();
  DD_RETURN_IF_ERROR(run(model, r, st));
  const double c1 = cpu_ms();
  GenerationRequest one = r;
  one.max_output_tokens = 1;
  GenerationStats ignored;
  DD_RETURN_IF_ERROR(run(model, one, ignored));
  const double c2 = cpu_ms();
  if (st.generated_tokens > 1) {
    out.values.push_back(((c1 - c0) - (c2 - c1)) / (st.generated_tokens - 1));
  }
  return {};
}

/// The second question of ttft_warm, and of the restart workloads.
constexpr const char* kWarmQuestion = "이부프로펜은 하루에 몇 번 먹나요?";

/// Load the bundle as an app start does (packed weights and prefix snapshots in `cache_dir`),
/// answer kWarmQuestion under the bundle's system prompt, answer it again from the same cached
/// prefix, and print {"ttft_ms", "restored", "rerun_ttft_ms"}.
/// Run by restart_workloads in a new process (`--restart-probe`).
int restart_probe(const std::string& model_dir, const std::string& cache_dir, int threads,
                  bool snapshots) {
  LocalLlmConfig config;
  config.bundle = model_dir;
  config.thread_count = threads;
  config.weight_cache_dir = cache_dir;
  config.verify_sha256 = false;
  auto model = LocalLlm::create(std::move(config));
  if (!model.ok()) return fail(model.error());
  auto set = (*model)->with_runner(nullptr, [&](Runner& r) -> Status {
    r.set_prefix_snapshots(snapshots);
    return {};
  });
  if (!set.ok()) return fail(set.error());
  GenerationStats st, again;
  const GenerationRequest question = greedy(kWarmQuestion, 1, false);
  if (auto g = run(**model, question, st, false); !g.ok()) {
    if (g.error().kind != ErrorKind::kContextLengthExceeded) return fail(g.error());
    std::printf("%s\n", nlohmann::json{{"skipped", g.error().message()}}.dump().c_str());
    return 0;
  }
  // The same question again from the same cached prefix, in this process now warm: what the
  // restart is measured against.
  auto rerun = (*model)->with_runner(nullptr, [&](Runner& r) -> Status {
    return r.seek(static_cast<size_t>(st.reused_prefix_tokens));
  });
  if (!rerun.ok()) return fail(rerun.error());
  if (auto g = run(**model, question, again, false); !g.ok()) return fail(g.error());
  const nlohmann::json out = {{"ttft_ms", st.ttft_ms},
                              {"restored", st.restored_prefix_tokens},
                              {"rerun_ttft_ms", again.ttft_ms}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

/// Runs this program again with `args` and returns what it printed. The restart workloads need
/// a new process: a new Runner in this one would find the weights' pages already mapped.
Result<std::string> run_self(const std::vector<std::string>& args) {
  int fds[2];
  if (pipe(fds) != 0) return Error::generation_failed("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<std::string> argv_s = {"/proc/self/exe"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_s.size() + 1);
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; rc == 0 && (n = read(fds[0], buf, sizeof buf)) != 0;) {
    if (n > 0) out.append(buf, static_cast<size_t>(n));
    if (n < 0 && errno != EINTR) break;
  }
  close(fds[0]);
  int status = 0;
  if (rc != 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    return Error::generation_failed("the restart probe failed (its stderr is above)");
  }
  return out;
}

/// ttft_restart and ttft_restart_nosnapshot, interleaved, each rep a new process. The caller
/// holds no model: a loaded one would keep the packed-weight file locked.
Status restart_workloads(const std::string& model_dir, const std::string& cache_dir, int threads,
                         int reps, std::vector<Series>& results) {
  Series with{"ttft_restart", "ms", {}}, without{"ttft_restart_nosnapshot", "ms", {}},
      rerun{"ttft_restart_rerun", "ms", {}};
  const std::vector<std::string> args = {"--restart-probe",      "--model", model_dir,
                                         "--weight-cache",       cache_dir, "--threads",
                                         std::to_string(threads)};
  auto no_snapshot = args;
  no_snapshot.push_back("--no-prefix-snapshot");
  // The first start writes the snapshot (and the packed weights).
  if (auto primed = run_self(args); !primed.ok()) return primed.take_error();
  for (int i = 0; i < reps; ++i) {
    for (auto* series : {&without, &with}) {
      DD_ASSIGN_OR_RETURN(const std::string out, run_self(series == &with ? args : no_snapshot));
      const auto j = nlohmann::json::parse(out, nullptr, false);
      if (!j.is_discarded() && j.contains("skipped")) {
        std::fprintf(stderr, "ttft_restart skipped: %s\n", j["skipped"].dump().c_str());
        return {};
      }
      if (j.is_discarded() || !j.contains("ttft_ms")) {
        return Error::generation_failed("the restart probe printed " + out);
      }
      if (series == &with && j["restored"].get<int>() == 0) {  // no system prompt, or no state
        std::fprintf(stderr, "ttft_restart skipped: no prefix snapshot was restored\n");
        return {};
      }
      series->values.push_back(j["ttft_ms"].get<double>());
      if (series == &with) rerun.values.push_back(j["rerun_ttft_ms"].get<double>());
    }
  }
  results.insert(results.end(), {with, rerun, without});
  return {};
}

}  // namespace

// A developer tool: an unexpected exception may end it with the C++ runtime's message.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  CLI::App app{"dailydrug-bench: speed of the local model runtime on a bundle"};
  std::string model_dir, json_out, md_out, weight_cache;
  int reps = 5, threads = -1, decode_n = 64, prefill_chunk = 0;
  std::vector<int> prefill_ns = {100};
  int draft_tokens = RunnerOptions::kDefaultDraftTokens;
  std::vector<int> decode_contexts = {16, 128, 512, 1000};
  bool print_prompts = false, probe = false, no_snapshot = false;
  app.add_flag("--prompts", print_prompts, "Print the workloads' prompts as JSON and exit");
  app.add_flag("--restart-probe", probe,
               "Internal (ttft_restart): answer one question after loading, print its TTFT");
  app.add_flag("--no-prefix-snapshot", no_snapshot, "Internal: --restart-probe without snapshots");
  app.add_option("--model", model_dir, "Bundle folder");
  app.add_option("--reps", reps, "Repetitions per workload")->check(CLI::Range(1, 100));
  app.add_option("--threads", threads, "ExecuTorch threads (-1 = automatic)");
  app.add_option("--prefill", prefill_ns, "Prompt tokens for prefill_N (several: 128,300)")
      ->delimiter(',');
  app.add_option("--decode", decode_n, "Generated tokens for decode_N");
  app.add_option("--prefill-chunk", prefill_chunk,
                 "Most prompt tokens per forward call (0 = the program's bound)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--draft-tokens", draft_tokens,
                 "Speculative decoding: most drafted tokens per verifying call (0 = off)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--decode-contexts", decode_contexts,
                 "Filled cache positions for decode_at_N (empty string: none)")
      ->delimiter(',')
      ->expected(0, 64);
  app.add_option("--weight-cache", weight_cache,
                 "Packed-weight cache folder for the load workloads (default: a temporary one)");
  app.add_option("--json", json_out, "Write results as JSON");
  app.add_option("--markdown", md_out, "Write results as a markdown table");
  CLI11_PARSE(app, argc, argv);
  if (print_prompts) {
    const nlohmann::json prompts = {{"prefill_sentence", kPrefillSentence},
                                    {"decode", kDecodePrompt},
                                    {"chat", kChatQuestion},
                                    {"assistant", kAssistantPrompt}};
    std::printf("%s\n", prompts.dump().c_str());
    return 0;
  }
  if (model_dir.empty()) {
    std::fprintf(stderr, "--model is required\n");
    return 2;
  }
  if (probe) return restart_probe(model_dir, weight_cache, threads, !no_snapshot);

  auto bundle = ModelBundle::open(model_dir, ModelBundle::Verify::kQuick);
  if (!bundle.ok()) return fail(bundle.error());

  std::vector<Series> results;
  Series load{"load", "ms", {}}, load_write{"load_cache_write", "ms", {}},
      load_packing{"load_packing", "ms", {}};
  std::unique_ptr<LocalLlm> model;
  // Loading maps the file; the first forward touches the weights. Count both, as a user does.
  // The SHA-256 check is left out: the app makes it once per copy of the bundle, not per load.
  const auto timed_load = [&](const std::string& cache_dir, Series& into) -> Status {
    model.reset();
    const auto t0 = Clock::now();
    LocalLlmConfig config;
    config.bundle = model_dir;
    config.thread_count = threads;
    config.weight_cache_dir = cache_dir;
    config.verify_sha256 = false;
    DD_ASSIGN_OR_RETURN(model, LocalLlm::create(std::move(config)));
    DD_RETURN_IF_ERROR(model->with_runner(nullptr, [&](Runner& r) -> Status {
      r.set_prefill_chunk(prefill_chunk);
      r.set_draft_tokens(draft_tokens);
      r.set_prefix_snapshots(false);  // cold means cold here; restarts are measured on their own
      return {};
    }));
    GenerationStats st;
    DD_RETURN_IF_ERROR(run(*model, greedy("hi", 1, true), st));
    into.values.push_back(ms_since(t0));
    return {};
  };
  std::string cache_dir = weight_cache;
  if (cache_dir.empty()) {
    std::string pattern = (fs::temp_directory_path() / "dailydrug-bench-weights-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) return fail(Error::generation_failed("mkdtemp"));
    cache_dir = pattern;
  }
  struct RemoveOnExit {  // the bench's own temporary cache folder, however main returns
    std::string dir;
    ~RemoveOnExit() {
      std::error_code ec;
      if (!dir.empty()) fs::remove_all(dir, ec);
    }
  } own_cache{weight_cache.empty() ? cache_dir : std::string{}};
  for (int i = 0; i < reps; ++i) {
    if (auto s = timed_load("", load_packing); !s.ok()) return fail(s.error());
    std::error_code ec;  // every cache_write rep starts from an empty cache
    for (const auto& e : fs::directory_iterator(cache_dir, ec)) fs::remove_all(e.path(), ec);
    if (auto s = timed_load(cache_dir, load_write); !s.ok()) return fail(s.error());
    if (auto s = timed_load(cache_dir, load); !s.ok()) return fail(s.error());
  }
  results.insert(results.end(), {load, load_write, load_packing});
  const std::string cache_state = model->weight_cache_state();
  const std::shared_ptr<const Tokenizer> tokenizer = model->tokenizer();

  // A prompt of exactly N tokens: repeat a Korean/English medication sentence and cut.
  const std::string sentence = kPrefillSentence;
  std::vector<TokenId> ids;
  std::string text;
  int longest = 0;
  for (int n : prefill_ns) longest = std::max(longest, n);
  for (int n : decode_contexts) longest = std::max(longest, n);
  while (static_cast<int>(ids.size()) < longest) {
    text += sentence;
    auto enc = tokenizer->encode(text, false);
    if (!enc.ok()) return fail(enc.error());
    ids = *enc;
  }
  std::vector<Series> prefills;
  std::vector<GenerationRequest> prefill_requests;
  for (int n : prefill_ns) {
    auto prompt_text = tokenizer->decode(std::span(ids).first(static_cast<size_t>(n)));
    if (!prompt_text.ok()) return fail(prompt_text.error());
    prefills.push_back({"prefill_" + std::to_string(n), "tokens/s", {}});
    prefill_requests.push_back(greedy(*prompt_text, 1, true));
  }

  Series decode{"decode_" + std::to_string(decode_n), "tokens/s", {}};
  Series ttft_cold{"ttft_cold", "ms", {}}, ttft_warm{"ttft_warm", "ms", {}};
  Series decode_cpu{"decode_cpu_" + std::to_string(decode_n), "CPU ms/token", {}};
  int64_t peak_rss = 0;
  GenerationRequest d = greedy(kDecodePrompt, decode_n, true);
  d.speculative = false;  // the cost of one forward call per token (docs/BENCHMARKS.md)
  GenerationRequest cold = greedy(kChatQuestion, 1, false);
  GenerationRequest warm = greedy(kWarmQuestion, 1, false);
  for (int i = 0; i < reps; ++i) {
    GenerationStats st;
    for (size_t k = 0; k < prefills.size(); ++k) {
      if (auto g = run(*model, prefill_requests[k], st); !g.ok()) return fail(g.error());
      prefills[k].values.push_back(st.prefill_tokens_per_s);
    }
    if (auto g = run(*model, d, st); !g.ok()) return fail(g.error());
    decode.values.push_back(st.decode_tokens_per_s);
    if (auto g = decode_cpu_per_token(*model, d, decode_cpu); !g.ok()) return fail(g.error());
    peak_rss = std::max(peak_rss, st.peak_rss_kb);
  }
  results.insert(results.end(), prefills.begin(), prefills.end());
  results.insert(results.end(), {decode, decode_cpu});

  // Speculative decoding against one call per token, on plain chat and on an answer that
  // restates facts from its prompt (where prompt lookup finds drafts). Interleaved per rep.
  const GenerationRequest chat = greedy(kChatQuestion, decode_n, false);
  const GenerationRequest assistant = greedy(kAssistantPrompt, decode_n, false);
  for (const auto& [name, req] : {std::pair{std::string("chat_decode_"), chat},
                                  std::pair{std::string("assistant_decode_"), assistant}}) {
    const std::string base = name + std::to_string(decode_n);
    Series spec{base, "tokens/s", {}}, plain{base + "_nospec", "tokens/s", {}};
    Series accept{base + "_accept", "share", {}}, per_call{base + "_tokens_per_call", "tokens", {}};
    GenerationRequest off = req;
    off.speculative = false;
    for (int i = 0; i < reps; ++i) {
      GenerationStats st;
      if (auto g = run(*model, off, st); !g.ok()) {
        if (!too_long(g.error(), base.c_str())) return fail(g.error());
        break;
      }
      plain.values.push_back(st.decode_tokens_per_s);
      if (auto g = run(*model, req, st); !g.ok()) return fail(g.error());
      spec.values.push_back(st.decode_tokens_per_s);
      if (st.drafted_tokens > 0) {
        accept.values.push_back(static_cast<double>(st.accepted_tokens) / st.drafted_tokens);
      }
      // Decode calls: one per token without a draft, one per verified draft.
      const int calls = st.generated_tokens - 1 - st.accepted_tokens;
      if (calls > 0) {
        per_call.values.push_back(static_cast<double>(st.generated_tokens - 1) / calls);
      }
    }
    if (plain.values.empty()) continue;
    results.insert(results.end(), {spec, plain});
    if (!accept.values.empty()) results.push_back(accept);
    if (!per_call.values.empty()) results.push_back(per_call);
  }

  for (int i = 0; i < reps; ++i) {
    GenerationStats st;
    if (auto g = run(*model, cold, st); !g.ok()) {
      if (!too_long(g.error(), "ttft_cold")) return fail(g.error());
      break;
    }
    ttft_cold.values.push_back(st.ttft_ms);
    // the same system prompt, now cached, and a new question
    if (auto g = run(*model, warm, st, false); !g.ok()) return fail(g.error());
    ttft_warm.values.push_back(st.ttft_ms);
  }
  if (!ttft_warm.values.empty()) results.insert(results.end(), {ttft_cold, ttft_warm});

  // A follow-up turn. The first question carries facts the way the app's `ask` prompt does.
  Series turn2_cold{"ttft_turn2_cold", "ms", {}}, turn2_warm{"ttft_turn2_warm", "ms", {}};
  nlohmann::json turn2_tokens;  // the warm follow-up's prompt tokens and how many were cached
  GenerationRequest turn1 = greedy(kAssistantPrompt, 24, false);
  for (int i = 0; i < reps; ++i) {
    GenerationStats st;
    if (auto r = model->reset(); !r.ok()) return fail(r.error());
    auto first = model->generate(turn1);
    if (!first.ok()) {
      if (!too_long(first.error(), "ttft_turn2")) return fail(first.error());
      break;
    }
    GenerationRequest turn2 = greedy("그럼 술은 마셔도 되나요?", 1, false);
    turn2.history = {{"user", turn1.prompt}, {"assistant", first->text}};
    if (auto g = run(*model, turn2, st, false); !g.ok()) {
      if (!too_long(g.error(), "ttft_turn2")) return fail(g.error());
      break;
    }
    turn2_warm.values.push_back(st.ttft_ms);
    turn2_tokens = {{"prompt", st.prompt_tokens}, {"reused_from_cache", st.reused_prefix_tokens}};
    if (auto g = run(*model, turn2, st); !g.ok()) return fail(g.error());
    turn2_cold.values.push_back(st.ttft_ms);
  }
  if (!turn2_warm.values.empty()) results.insert(results.end(), {turn2_cold, turn2_warm});

  // Decode speed against filled context: the attention and cache cost grow with it.
  constexpr int kContextDecode = 16;
  const int64_t ctx_len = bundle->config().context_length;
  for (int n : decode_contexts) {
    if (n <= 0) continue;  // `--decode-contexts ""` (no context sweep) parses as 0
    if (n + kContextDecode + 8 > ctx_len) {
      std::fprintf(stderr, "decode_at_%d skipped: does not fit a %lld-token context\n", n,
                   static_cast<long long>(ctx_len));
      continue;
    }
    auto text_n = tokenizer->decode(std::span(ids).first(static_cast<size_t>(n)));
    if (!text_n.ok()) return fail(text_n.error());
    Series at{"decode_at_" + std::to_string(n), "tokens/s", {}};
    Series at_cpu{"decode_cpu_at_" + std::to_string(n), "CPU ms/token", {}};
    GenerationRequest at_req = greedy(*text_n, kContextDecode, true);
    at_req.speculative = false;
    for (int i = 0; i < reps; ++i) {
      GenerationStats st;
      if (auto g = run(*model, at_req, st); !g.ok()) return fail(g.error());
      at.values.push_back(st.decode_tokens_per_s);
      peak_rss = std::max(peak_rss, st.peak_rss_kb);
      if (auto g = decode_cpu_per_token(*model, at_req, at_cpu); !g.ok()) return fail(g.error());
    }
    results.push_back(at);
    results.push_back(at_cpu);
  }

  const int64_t chunk =
      model->with_runner(nullptr, [](Runner& r) -> Result<int64_t> { return r.prefill_chunk(); })
          .value();
  model.reset();
  if (auto s = restart_workloads(model_dir, cache_dir, threads, reps, results); !s.ok()) {
    return fail(s.error());
  }

  nlohmann::json out;
  out["bundle"] = bundle->config().model_name;
  out["quantization"] = bundle->config().quantization;
  out["bundle_bytes"] = bundle->total_size_bytes();
  out["threads"] = ExecutorchModel::num_threads();
  out["prefill_chunk"] = chunk;  // tokens per prefill call in effect
  out["hardware_threads"] = std::thread::hardware_concurrency();
  out["peak_rss_kb"] = peak_rss;
  out["weight_cache"] = cache_state;  // how the model of the other workloads loaded
  if (!turn2_tokens.is_null()) out["ttft_turn2_tokens"] = turn2_tokens;
  for (const auto& s : results) out["results"].push_back(s.summary());
  const std::string js = out.dump(2);
  std::printf("%s\n", js.c_str());
  if (!json_out.empty()) std::ofstream(json_out) << js << "\n";
  if (!md_out.empty()) {
    std::ofstream md(md_out);
    md << "| workload | unit | median | min | max | reps |\n|---|---|---|---|---|---|\n";
    char line[256];
    for (const auto& s : results) {
      const auto j = s.summary();
      std::snprintf(line, sizeof line, "| %s | %s | %.1f | %.1f | %.1f | %d |\n", s.name.c_str(),
                    s.unit.c_str(), j["median"].get<double>(), j["min"].get<double>(),
                    j["max"].get<double>(), j["reps"].get<int>());
      md << line;
    }
    md << "\nBundle " << out["bundle"].get<std::string>() << " ("
       << out["quantization"].get<std::string>() << ", " << bundle->total_size_bytes() / 1000000
       << " MB), " << out["threads"].get<int>() << " threads, peak RSS " << peak_rss / 1024
       << " MB.\n";
    if (!turn2_tokens.is_null()) {
      md << "The follow-up turn has " << turn2_tokens["prompt"] << " prompt tokens; warm, "
         << turn2_tokens["reused_from_cache"] << " of them come from the cache.\n";
    }
  }
  return 0;
}
