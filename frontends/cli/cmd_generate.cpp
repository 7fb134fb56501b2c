// `dailydrug generate`: one answer from the local model, streamed to stdout.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "dailydrug/llm/bundle.h"
#include "dailydrug/llm/log.h"
#include "dailydrug/llm/runner.h"
#include "model_loading.h"

namespace dailydrug::cli {

namespace llm = dailydrug::llm;

namespace {

struct GenerateArgs {
  std::string prompt;
  std::vector<std::string> system;
  std::optional<float> temperature, top_p, min_p, repetition_penalty;
  std::optional<int32_t> top_k, max_tokens;
  std::optional<uint64_t> seed;
  std::vector<std::string> stop;
  int64_t timeout_ms = 60000;
  bool raw = false;
  bool ids = false;
  bool stats = false;
  bool no_speculative = false;   // --no-speculative
  std::string json_schema_file;  // --json-schema FILE ("-" = stdin)
  bool json_object = false;      // --json-object
};

/// The schema text of --json-schema / --json-object, or a usage message.
std::optional<std::string> read_schema(const GenerateArgs& a, std::string& error) {
  if (a.json_object) return std::string(R"({"type":"object"})");
  if (a.json_schema_file.empty()) return std::nullopt;
  std::ifstream file;
  std::istream* in = &std::cin;
  if (a.json_schema_file != "-") {
    file.open(a.json_schema_file, std::ios::binary);
    if (!file) {
      error = "cannot read the schema file " + a.json_schema_file;
      return std::nullopt;
    }
    in = &file;
  }
  std::ostringstream text;
  text << in->rdbuf();
  return text.str();
}

int run_generate(const CliContext& ctx, const GenerateArgs& a) {
  std::string schema_error;
  const std::optional<std::string> schema = read_schema(a, schema_error);
  if (!schema_error.empty()) {
    return report_error(llm::Error::configuration_invalid("json_schema", schema_error),
                        ctx.globals.json);
  }
  auto loaded = load_model_for_cli(ctx.globals);
  if (!loaded.ok()) return report_error(loaded.error(), ctx.globals.json);
  llm::LocalLlm& model = **loaded;

  llm::GenerationRequest req;
  req.prompt = a.prompt;
  req.system_instructions = a.system;
  req.raw = a.raw;
  req.temperature = a.temperature;
  req.top_k = a.top_k;
  req.top_p = a.top_p;
  req.min_p = a.min_p;
  req.repetition_penalty = a.repetition_penalty;
  req.seed = a.seed;
  req.max_output_tokens = a.max_tokens;
  req.stop = a.stop;
  req.timeout_ms = a.timeout_ms;
  req.json_schema = schema;
  req.speculative = !a.no_speculative;
  req.cancel = llm::make_cancel_token();

  CancelOnSigint cancel_guard(req.cancel);
  const bool stream = !ctx.globals.json && !a.ids;
  llm::GenerationStats stats;
  auto result = model.generate(
      req,
      [&](std::string_view piece) {
        if (stream) {
          std::fwrite(piece.data(), 1, piece.size(), stdout);
          std::fflush(stdout);
        }
      },
      [&](const llm::GenerationStats& s) { stats = s; });
  if (!result.ok()) {
    if (stream) std::fputc('\n', stdout);
    return report_error(result.error(), ctx.globals.json);
  }
  const auto& r = *result;
  if (ctx.globals.json) {
    nlohmann::json j = {{"text", r.text},
                        {"finish_reason", llm::to_string(r.finish_reason)},
                        {"usage",
                         {{"input_tokens", r.usage.input_tokens},
                          {"output_tokens", r.usage.output_tokens},
                          {"total_tokens", r.usage.total_tokens}}},
                        {"seed", r.seed},
                        {"stats",
                         {{"load_ms", stats.load_ms},
                          {"ttft_ms", stats.ttft_ms},
                          {"prefill_tokens_per_s", stats.prefill_tokens_per_s},
                          {"prefill_calls", stats.prefill_calls},
                          {"restored_prefix_tokens", stats.restored_prefix_tokens},
                          {"decode_tokens_per_s", stats.decode_tokens_per_s},
                          {"drafted_tokens", stats.drafted_tokens},
                          {"accepted_tokens", stats.accepted_tokens},
                          {"verify_calls", stats.verify_calls},
                          {"peak_rss_kb", stats.peak_rss_kb}}}};
    if (a.ids) j["output_ids"] = r.output_ids;
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else if (a.ids) {
    for (size_t i = 0; i < r.output_ids.size(); ++i) {
      std::cout << (i ? " " : "") << r.output_ids[i];
    }
    std::cout << "\n";
  } else {
    std::fputc('\n', stdout);
  }
  std::fflush(stdout);  // the stats line on stderr comes after the answer
  if (a.stats || (!ctx.globals.json && !a.ids && std::getenv("DAILYDRUG_STATS"))) {
    std::string speculation;
    if (stats.verify_calls > 0) {
      speculation = "; drafted " + std::to_string(stats.drafted_tokens) + ", accepted " +
                    std::to_string(stats.accepted_tokens) + " in " +
                    std::to_string(stats.verify_calls) + " verify calls";
    }
    std::fprintf(stderr,
                 "[%d prompt tokens (%d cached, %d from a snapshot), %d generated; TTFT %.0f ms; "
                 "prefill %.1f tok/s; "
                 "decode %.1f tok/s%s; peak RSS %.0f MB]\n",
                 stats.prompt_tokens, stats.reused_prefix_tokens, stats.restored_prefix_tokens,
                 stats.generated_tokens, stats.ttft_ms, stats.prefill_tokens_per_s,
                 stats.decode_tokens_per_s, speculation.c_str(),
                 static_cast<double>(stats.peak_rss_kb) / 1024.0);
  }
  return r.finish_reason == llm::FinishReason::kCancelled ? kExitCancelled : kExitOk;
}

}  // namespace

void register_generate_command(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* cmd = app.add_subcommand("generate", "Generate text with the local model (streamed)");
  cmd->add_option("prompt", args->prompt, "The prompt (a user message unless --raw)")->required();
  cmd->add_option("--system", args->system, "System instruction (repeatable; default: bundle's)");
  cmd->add_option("--temperature", args->temperature, "0 = greedy")->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--top-k", args->top_k, "Keep the k most likely tokens (0 = off)");
  cmd->add_option("--top-p", args->top_p, "Nucleus mass in (0, 1]");
  cmd->add_option("--min-p", args->min_p, "Drop tokens below min_p x the best one's probability");
  cmd->add_option("--repeat-penalty", args->repetition_penalty, ">= 1");
  cmd->add_option("--seed", args->seed, "Same seed, same text");
  cmd->add_option("--max-tokens", args->max_tokens, "Most tokens to generate");
  cmd->add_option("--stop", args->stop, "Extra stop string (repeatable)");
  cmd->add_option("--timeout-ms", args->timeout_ms, "Wall-clock limit (0 = none)");
  cmd->add_flag("--raw", args->raw, "Use the prompt as-is, without the chat template");
  cmd->add_flag("--ids", args->ids, "Print the generated token ids instead of text");
  cmd->add_flag("--stats", args->stats, "Print timing and memory to stderr");
  cmd->add_flag("--no-speculative", args->no_speculative,
                "Decode one token per forward call (no prompt-lookup speculative decoding)");
  cmd->add_option("--json-schema", args->json_schema_file,
                  "Constrain the answer to JSON valid against this JSON Schema file (- = stdin)");
  cmd->add_flag("--json-object", args->json_object, "Constrain the answer to a JSON object");
  cmd->callback([&ctx, args] { ctx.exit_code = run_generate(ctx, *args); });
}

}  // namespace dailydrug::cli
