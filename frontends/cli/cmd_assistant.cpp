// `dailydrug coach|ask|faq|chat`: the Assistant (dailydrug/app/assistant.h) on the command line.
//
//   coach            a short, kind message about today's doses and recent adherence
//   ask QUESTION     an answer about the user's medicines
//   faq MEDICINE     the general facts about one medicine
//   chat             a conversation on stdin (one message per line; /reset, /exit)
// Options: --lang ko|en (default ko), --seed, --max-tokens, --temperature, --timeout-ms,
// --facts FILE (another knowledge base in app/data/medicine_facts.json's format), --no-model
// (curated answers only, the model is not loaded).
//
// The model is loaded only when the bundle can write the requested language (model_config.json
// "languages", default ["en"]); otherwise the answer is composed from the curated facts and the
// schedule, and stderr (and --json "notice") says so. Model text streams through the safety
// filter. With --json, coach/ask/faq print one object and chat one object per line.
//
// Exit codes (commands.h): 0 ok; 1 storage or generation failure; 2 bad arguments, an empty
// question, an invalid --facts file or prompt errors; 3 faq of a medicine the knowledge base does
// not have; 4 the bundle cannot be opened or loaded; 130 Ctrl-C during coach/ask/faq (the text so
// far is printed). In chat, Ctrl-C cancels the current answer and the conversation goes on.
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "app_store.h"
#include "commands.h"
#include "dailydrug/app/assistant.h"
#include "dailydrug/app/medicine_facts.h"
#include "dailydrug/llm/error.h"
#include "model_loading.h"

namespace dailydrug::cli {
namespace {

namespace dd = dailydrug::app;
namespace llm = dailydrug::llm;
using nlohmann::json;

struct AssistantFlags {
  std::string lang = "ko";
  std::string text;  // question (ask), medicine (faq)
  std::string facts_file;
  std::optional<uint64_t> seed;
  std::optional<int32_t> max_tokens;
  std::optional<float> temperature;
  int64_t timeout_ms = 60000;
  bool no_model = false;    // --no-model: curated answers only
  bool model_text = false;  // --model-text: the model adds its checked words to answers
};

enum class Mode { kCoach, kAsk, kFaq, kChat };

std::string_view mode_name(Mode m) {
  switch (m) {
    case Mode::kCoach:
      return "coach";
    case Mode::kAsk:
      return "ask";
    case Mode::kFaq:
      return "faq";
    case Mode::kChat:
      return "chat";
  }
  return "";
}

json reply_json(Mode mode, const dd::AssistantReply& r) {
  return json{
      {"command", mode_name(mode)},
      {"language", dd::to_string(r.language)},
      {"text", r.text},
      {"model_text", r.model_text},
      {"model_text_used", r.model_text_used},
      {"safety_replaced", r.safety_replaced},
      {"replaced_sentences", r.replaced_sentences},
      {"dropped_sentences", r.dropped_sentences},
      {"facts_used", r.facts_used},
      {"emergency", r.emergency ? json(dd::to_string(*r.emergency)) : json(nullptr)},
      {"model_error", r.model_error ? json(llm::to_string(r.model_error->kind)) : json(nullptr)},
      {"content_review", dd::MedicineFacts::builtin().review_status().en},
      {"medicines", r.medicines},
      {"notice", r.notice},
      {"finish_reason", llm::to_string(r.finish)},
      {"usage",
       {{"input_tokens", r.usage.input_tokens},
        {"output_tokens", r.usage.output_tokens},
        {"total_tokens", r.usage.total_tokens}}},
      {"stats",
       {{"load_ms", r.stats.load_ms},
        {"prompt_tokens", r.stats.prompt_tokens},
        {"reused_prefix_tokens", r.stats.reused_prefix_tokens},
        {"ttft_ms", r.stats.ttft_ms},
        {"prefill_tokens_per_s", r.stats.prefill_tokens_per_s},
        {"decode_tokens_per_s", r.stats.decode_tokens_per_s},
        {"peak_rss_kb", r.stats.peak_rss_kb}}}};
}

/// Report an assistant error on stderr and return its exit code.
int report(CliContext& ctx, const dd::AssistantError& error) {
  if (error.is_llm()) return report_error(std::get<llm::Error>(error.error), ctx.globals.json);
  const auto& e = std::get<dd::Error>(error.error);
  if (e.kind == dd::ErrorKind::kNotFound && !e.detail.empty()) {  // faq of an unknown medicine
    if (ctx.globals.json) {
      std::cerr << dump_json(json{{"error",
                                   {{"kind", "NotFound"},
                                    {"subject", e.subject},
                                    {"detail", e.detail},
                                    {"message", error.message()}}}})
                << '\n';
    } else {
      std::cerr << "오류: '" << e.detail
                << "'은(는) DailyDrug 약 정보에 없어요. 약사에게 문의하세요. (" << error.message()
                << ")\n";
    }
    return kExitNotFound;
  }
  report_app_error(ctx, e);
  return ctx.exit_code;
}

class StdoutStream {
 public:
  explicit StdoutStream(bool enabled) : enabled_(enabled) {}
  void operator()(std::string_view piece) const {
    if (!enabled_) return;
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
  }

 private:
  bool enabled_;
};

int run_assistant(CliContext& ctx, Mode mode, const AssistantFlags& f) {
  const auto lang = dd::parse_language(f.lang);
  if (!lang) {
    std::cerr << "error: --lang must be ko or en (got '" << f.lang << "')\n";
    return kExitUsage;
  }
  // Knowledge base.
  std::optional<dd::MedicineFacts> loaded_facts;
  if (!f.facts_file.empty()) {
    auto kb = dd::MedicineFacts::load(f.facts_file);
    if (!kb.ok()) return report(ctx, dd::AssistantError{kb.take_error()});
    loaded_facts = std::move(kb).value();
  }
  const dd::MedicineFacts& facts = loaded_facts ? *loaded_facts : dd::MedicineFacts::builtin();

  auto clock = make_clock(ctx);
  if (!clock.ok()) return report(ctx, dd::AssistantError{clock.take_error()});
  auto store = open_store(ctx);
  if (!store.ok()) return report(ctx, dd::AssistantError{store.take_error()});

  // The model: for coaching, and for answers only with --model-text; and only when it can
  // write the language asked for. An answer never waits on a bundle it does not use, and a
  // bundle that cannot be read or loaded leaves the curated answer whole (the exit code says
  // what failed afterwards).
  dd::AssistantOptions options;
  options.seed = f.seed;
  options.timeout_ms = f.timeout_ms;
  if (f.max_tokens) options.max_output_tokens = *f.max_tokens;
  if (f.temperature) options.temperature = *f.temperature;
  options.use_model = f.model_text && !f.no_model;
  const bool wants_model = (mode == Mode::kCoach || options.use_model) && !f.no_model;
  std::unique_ptr<llm::LocalLlm> model;
  std::optional<llm::Error> load_error;
  if (wants_model) {
    // The model is loaded only when it writes the answer's language.
    auto created = llm::LocalLlm::create(cli_model_config(resolve_model_dir(ctx.globals)));
    auto config = created.ok() ? (*created)->bundle_config()
                               : llm::Result<llm::BundleConfig>(created.error());
    if (config.ok()) {
      options.model_languages = dd::model_languages(config->languages);
      const auto& langs = options.model_languages;
      if (std::find(langs.begin(), langs.end(), *lang) != langs.end()) {
        if (llm::Status s = load_with_progress(ctx.globals, **created); s.ok()) {
          model = std::move(created).value();
        } else {
          load_error = s.error();
        }
      }
    } else {
      load_error = config.error();
    }
    if (load_error && mode == Mode::kCoach) return report_error(*load_error, ctx.globals.json);
  }
  dd::Assistant assistant(model.get(), *store, **clock, facts, options);

  const bool stream = !ctx.globals.json;
  const StdoutStream out(stream);
  auto finish_reply = [&](const dd::AssistantReply& r) {
    if (ctx.globals.json) {
      std::cout << reply_json(mode, r).dump(-1, ' ', false, json::error_handler_t::replace) << '\n'
                << std::flush;
    } else if (!r.notice.empty()) {
      std::cerr << "note: " << r.notice << '\n';
    }
  };

  if (mode != Mode::kChat) {
    const auto cancel = llm::make_cancel_token();
    const CancelOnSigint guard(cancel);
    dd::AssistantResult<dd::AssistantReply> reply =
        mode == Mode::kCoach ? assistant.coach(*lang, out, cancel)
        : mode == Mode::kAsk ? assistant.ask(f.text, *lang, out, cancel)
                             : assistant.faq(f.text, *lang, out, cancel);
    if (!reply.ok()) {
      if (stream) std::fflush(stdout);
      return report(ctx, reply.error());
    }
    if (reply->finish == llm::FinishReason::kCancelled) {
      if (stream) std::fputc('\n', stdout);
      std::fflush(stdout);
      finish_reply(*reply);
      std::cerr << "cancelled (Ctrl-C): the answer above is incomplete\n";
      return kExitCancelled;
    }
    finish_reply(*reply);
    if (load_error) return report_error(*load_error, ctx.globals.json);
    if (reply->model_error) return report_error(*reply->model_error, ctx.globals.json);
    return kExitOk;
  }

  // chat: one message per line until EOF or /exit.
  const bool tty = isatty(STDIN_FILENO) != 0;
  std::string line;
  for (;;) {
    if (tty && !ctx.globals.json) std::cerr << "> " << std::flush;
    if (!std::getline(std::cin, line)) break;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (dd::is_blank(line)) continue;
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      assistant.reset_chat();
      if (!ctx.globals.json) std::cerr << "(conversation reset)\n";
      continue;
    }
    const auto cancel = llm::make_cancel_token();
    std::optional<CancelOnSigint> guard(std::in_place, cancel);
    auto reply = assistant.chat(line, *lang, out, cancel);
    guard.reset();
    if (!reply.ok()) return report(ctx, reply.error());
    if (stream) std::fputc('\n', stdout);
    std::fflush(stdout);
    finish_reply(*reply);
    if (reply->finish == llm::FinishReason::kCancelled) std::cerr << "(answer cancelled)\n";
  }
  return kExitOk;
}

void add_common(CLI::App* cmd, AssistantFlags& f) {
  cmd->add_option("--lang", f.lang, "Answer language: ko (default) or en");
  cmd->add_option("--seed", f.seed, "Sampling seed (same seed, same text)");
  cmd->add_option("--max-tokens", f.max_tokens, "Most tokens the model may write")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--temperature", f.temperature, "Sampling temperature (default 0: greedy)")
      ->check(CLI::Range(0.0, 2.0));
  cmd->add_option("--timeout-ms", f.timeout_ms, "Wall-clock limit per answer (0 = none)");
  cmd->add_flag("--no-model", f.no_model,
                "Answer from the curated notes and the schedule only (no model text)");
  cmd->add_flag("--model-text", f.model_text,
                "ask/faq/chat: let the model add its checked words before the notes (off by "
                "default: docs/ASSISTANT.md)");
  cmd->add_option("--facts", f.facts_file,
                  "Medicine knowledge base JSON (default: the built-in one)");
}

}  // namespace

void register_assistant_commands(CLI::App& app, CliContext& ctx) {
  struct Commands {
    AssistantFlags coach, ask, faq, chat;
  };
  auto c = std::make_shared<Commands>();

  CLI::App* coach =
      app.add_subcommand("coach", "A short, kind message about today's doses and recent adherence");
  add_common(coach, c->coach);
  coach->callback([&ctx, c] { ctx.exit_code = run_assistant(ctx, Mode::kCoach, c->coach); });

  CLI::App* ask = app.add_subcommand("ask", "Ask about your medicines (general information)");
  ask->add_option("question", c->ask.text,
                  "The question, e.g. \"타이레놀 복용 후 운전해도 될까요?\"")
      ->required();
  add_common(ask, c->ask);
  ask->callback([&ctx, c] { ctx.exit_code = run_assistant(ctx, Mode::kAsk, c->ask); });

  CLI::App* faq = app.add_subcommand("faq", "General facts about one medicine");
  faq->add_option("medicine", c->faq.text, "Brand or ingredient name, e.g. 타이레놀")->required();
  add_common(faq, c->faq);
  faq->callback([&ctx, c] { ctx.exit_code = run_assistant(ctx, Mode::kFaq, c->faq); });

  CLI::App* chat = app.add_subcommand(
      "chat", "Talk about your medicines (one message per line on stdin; /reset, /exit)");
  add_common(chat, c->chat);
  chat->callback([&ctx, c] { ctx.exit_code = run_assistant(ctx, Mode::kChat, c->chat); });
}

}  // namespace dailydrug::cli
