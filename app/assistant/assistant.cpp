#include "dailydrug/app/assistant.h"

#include <algorithm>
#include <utility>

#include "dailydrug/app/grounding_check.h"
#include "dailydrug/app/hunspell_lexicon.h"
#include "dailydrug/app/medicine.h"
#include "dailydrug/app/safety_filter.h"
#include "dailydrug/app/schedule_params.h"

namespace dailydrug::app {

namespace {

constexpr size_t kMaxSavedMedicines = 8;  // "my medicines": enough for the pairs, still short

AssistantError app_error(Error e) {
  return AssistantError{std::move(e)};
}
AssistantError llm_error(llm::Error e) {
  return AssistantError{std::move(e)};
}

std::string language_name(Language l) {
  return l == Language::kKorean ? "Korean" : "English";
}

}  // namespace

std::string_view AssistantError::kind_name() const {
  if (const auto* e = std::get_if<Error>(&error)) return to_string(e->kind);
  return llm::to_string(std::get<llm::Error>(error).kind);
}

std::string AssistantError::message() const {
  if (const auto* e = std::get_if<Error>(&error)) {
    if (e->kind == ErrorKind::kNotFound && !e->detail.empty()) {
      return e->subject + " not found: " + e->detail;
    }
    return e->message();
  }
  return std::get<llm::Error>(error).message();
}

Status add_taken_medicine(MedicationStore& store, std::string name, std::string dosage) {
  CreateScheduleParams::Fields f;
  f.name = std::move(name);
  f.dosage = dosage.empty() ? "-" : std::move(dosage);
  f.start_date = store.clock().today();
  f.time_slots = {*TimeOfDay::from_hm(8, 0)};
  DD_ASSIGN_OR_RETURN(auto params, CreateScheduleParams::create(std::move(f)));
  DD_RETURN_IF_ERROR(store.save_schedule(params));
  return {};
}

Assistant::Assistant(llm::LocalLlm* llm, MedicationStore& store, const Clock& clock,
                     const MedicineFacts& facts, AssistantOptions options)
    : llm_(llm), store_(store), clock_(clock), facts_(facts), options_(std::move(options)) {}

bool Assistant::model_writes(Language language) const {
  return std::find(options_.model_languages.begin(), options_.model_languages.end(), language) !=
         options_.model_languages.end();
}

bool Assistant::can_write(Language language) const {
  return llm_ != nullptr && model_writes(language);
}

void Assistant::reset_chat() {
  history_.clear();
  chat_medicines_.clear();
  chat_names_.clear();
  if (llm_ && llm_->is_loaded()) (void)llm_->reset();
}

void Assistant::emit(AssistantReply& reply, const llm::TextCallback& on_text,
                     std::string_view text) {
  // Line by line, so a front end shows curated text the same way as streamed model text.
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string_view::npos ? text.size() : end + 1;
    const std::string_view line = text.substr(start, end - start);
    reply.text.append(line);
    if (on_text) on_text(line);
    start = end;
  }
}

AssistantResult<Grounding> Assistant::ground_question(std::string_view question) {
  std::vector<const MedicineEntry*> medicines;
  std::vector<std::string> names;
  std::vector<std::string> unmatched;
  for (const auto& m : facts_.match(question)) {
    medicines.push_back(m.entry);
    names.push_back(m.alias);
  }
  // The saved medicines stand in when the question names none, and join in when it is about
  // "my medicines" (pairs among them are what such a question is after).
  const bool use_saved = medicines.empty() || asks_about_saved_medicines(question);
  bool from_saved = false;
  if (use_saved) {
    auto saved = store_.list_medicines();
    if (!saved.ok()) return app_error(saved.take_error());
    for (const Medicine& med : *saved) {
      const auto m = facts_.match_one(med.name);
      if (!m) {
        unmatched.push_back(med.name);
        continue;
      }
      if (std::find(medicines.begin(), medicines.end(), m->entry) != medicines.end()) continue;
      if (medicines.size() == kMaxSavedMedicines) continue;
      medicines.push_back(m->entry);
      names.push_back(med.name);
      from_saved = true;
    }
  }
  Grounding g = ground(facts_, question, std::move(medicines), std::move(names),
                       detect_topics(question), false);
  g.from_saved = from_saved;
  if (use_saved) g.unmatched_names = std::move(unmatched);
  return g;
}

AssistantResult<int64_t> Assistant::room_left(const llm::GenerationRequest& request,
                                              int64_t limit) {
  auto tokens = llm_->prompt_tokens(request);
  if (!tokens.ok()) return llm_error(tokens.take_error());
  return limit - static_cast<int64_t>(tokens->size());
}

AssistantResult<std::optional<size_t>> Assistant::most_doses_that_fit(
    const CoachData& data, Language language, llm::GenerationRequest& request,
    AssistantReply& reply) {
  auto context = llm_->context_limit();
  if (!context.ok()) return llm_error(context.take_error());
  // More doses never take fewer tokens, and each dose line takes at least one, so the answer is
  // at most the context's size: a binary search over [0, that] tokenizes O(log n) prompts of
  // bounded length, however many doses a day holds.
  const auto limit = static_cast<size_t>(std::max<int64_t>(*context, 0));
  size_t lo = 0;                                             // every count < lo fits
  size_t hi = std::min(data.today_doses.size(), limit) + 1;  // every count >= hi does not
  while (lo < hi) {
    if (cancel_ && cancel_->expired()) {
      return llm_error(llm::Error::generation_timeout(options_.timeout_ms));
    }
    if (cancelled()) {
      reply.finish = llm::FinishReason::kCancelled;
      return std::optional<size_t>{};
    }
    const size_t mid = lo + (hi - lo) / 2;
    request.prompt = coach_prompt(data, mid, language);
    auto room = room_left(request, *context);
    if (!room.ok()) return room.take_error();
    if (*room >= options_.min_output_tokens) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == 0) return std::optional<size_t>{};
  return std::optional<size_t>{lo - 1};
}

bool Assistant::load_dictionaries(AssistantReply& reply) {
  if (!options_.check_words) return true;
  // A Korean answer may name a medicine in Latin letters, so it needs both dictionaries.
  for (Language l : {reply.language, Language::kEnglish}) {
    auto lexicon = HunspellLexicon::shared(options_.dictionary_dir, l);
    if (!lexicon.ok()) {
      reply.notice = "the dictionary the model's words are checked against cannot be loaded (" +
                     lexicon.error().message() + "); the model was not asked";
      return false;
    }
    (l == Language::kKorean ? korean_words_ : english_words_) = *lexicon;
  }
  return true;
}

AssistantResult<bool> Assistant::run_model(llm::GenerationRequest& request, AssistantReply& reply,
                                           const llm::TextCallback& on_text, bool trim_history) {
  // Fit the prompt: drop the oldest chat turns first (when allowed); the caller drops facts.
  request.cancel = cancel_;
  auto context = llm_->context_limit();
  if (!context.ok()) return llm_error(context.take_error());
  const int64_t limit = *context;
  for (;;) {
    if (cancelled()) {
      reply.finish = llm::FinishReason::kCancelled;
      return true;
    }
    auto room = room_left(request, limit);
    if (!room.ok()) return room.take_error();
    if (*room >= options_.min_output_tokens) {
      request.max_output_tokens =
          static_cast<int32_t>(std::min<int64_t>(options_.max_output_tokens, *room));
      break;
    }
    if (trim_history && request.history.size() >= 2) {
      request.history.erase(request.history.begin(), request.history.begin() + 2);
      continue;
    }
    return false;
  }
  request.temperature = options_.temperature;
  request.top_k = options_.top_k;
  request.top_p = options_.top_p;
  request.repetition_penalty = options_.repetition_penalty;
  request.seed = options_.seed;
  request.timeout_ms = options_.timeout_ms;
  // Small models echo the prompt's structure ("Question: ..."); end the answer there.
  request.stop = {"Question:", "Facts:", "\n\n\n"};

  // The label goes out with the first visible model text (none if the model says nothing);
  // leading and trailing blank space of the model's text is dropped, inner space kept.
  bool labelled = false;
  std::string held_space;
  SafetyFilter filter(std::string(dose_change_referral(reply.language)),
                      [&](std::string_view text) {
                        const size_t end = text.find_last_not_of(" \t\r\n");
                        if (end == std::string_view::npos) {
                          if (labelled) held_space.append(text);
                          return;
                        }
                        size_t begin = 0;
                        std::string out;
                        if (!labelled) {
                          labelled = true;
                          emit(reply, on_text, model_text_label(reply.language));
                          begin = text.find_first_not_of(" \t\r\n");
                        } else {
                          out = std::move(held_space);
                        }
                        out.append(text.substr(begin, end + 1 - begin));
                        held_space.assign(text.substr(end + 1));
                        reply.text.append(out);
                        if (on_text) on_text(out);
                      });
  // Sentences must be about what the model was given (system text, history, facts, question).
  std::string source;
  for (const auto& s : request.system_instructions) source += s + "\n";
  for (const auto& m : request.history) source += m.content + "\n";
  source += request.prompt;
  const GroundingCheck grounding(source);
  const WordCheck words(source, korean_words_, english_words_);
  const bool korean = reply.language == Language::kKorean;
  filter.set_sentence_check([&](std::string_view s) {
    return GroundingCheck::written_in(s, korean) && grounding.is_grounded(s) &&
           (!options_.check_words || words.passes(s));
  });
  auto result = llm_->generate(
      request, [&](std::string_view piece) { filter.feed(piece); },
      [&](const llm::GenerationStats& s) { reply.stats = s; });
  filter.finish();
  reply.model_text = filter.output();  // trimmed as displayed
  reply.model_text.erase(0, reply.model_text.find_first_not_of(" \t\r\n"));
  reply.model_text.erase(reply.model_text.find_last_not_of(" \t\r\n") + 1);
  reply.safety_replaced = filter.replaced_any();
  reply.replaced_sentences = filter.replaced_sentences();
  reply.dropped_sentences = filter.dropped_sentences();
  if (!result.ok()) return llm_error(result.take_error());
  reply.usage = result->usage;
  reply.finish = result->finish_reason;
  reply.model_text_used = !reply.model_text.empty();
  if (!reply.model_text_used) {
    reply.notice = "the model wrote nothing usable (" +
                   std::to_string(reply.dropped_sentences.size()) +
                   " ungrounded sentences dropped); only the notes follow";
  }
  return true;
}

void Assistant::add_model_text(std::string_view question, const Grounding& grounding,
                               AssistantReply& reply, const llm::TextCallback& on_text,
                               bool chat_turn) {
  const Language language = reply.language;
  if (!options_.use_model) {
    reply.notice =
        "the model is off for answers (AssistantOptions::use_model); the answer is "
        "composed from DailyDrug's medicine notes";
    return;
  }
  if (!model_writes(language)) {
    reply.notice = "the model cannot write " + language_name(language) +
                   "; the answer is composed from DailyDrug's medicine notes";
    return;
  }
  if (!llm_) {
    reply.notice = "no model is loaded; the answer is composed from DailyDrug's medicine notes";
    return;
  }
  if (grounding.all_facts().empty()) {
    reply.notice = "nothing in DailyDrug's medicine notes matched; the model was not asked";
    return;
  }
  if (grounding.emergency) {
    reply.notice = "an emergency sign was found; the model was not asked";
    return;
  }
  if (!load_dictionaries(reply)) return;
  llm::GenerationRequest request;
  request.system_instructions = {assistant_system_prompt(language)};
  if (chat_turn) request.history = history_;
  // The most facts that fit with room to answer; at least one, or no model text at all.
  const size_t total = grounding.all_facts().size();
  for (size_t n = total; n >= 1; --n) {
    if (cancelled()) {
      reply.finish = llm::FinishReason::kCancelled;
      return;
    }
    request.prompt = ask_prompt(question, grounding, n, language);
    auto ran = run_model(request, reply, on_text, chat_turn);
    if (!ran.ok()) {
      const AssistantError e = ran.take_error();
      if (e.is_llm()) reply.model_error = std::get<llm::Error>(e.error);
      reply.notice = "the model failed (" + std::string(e.kind_name()) +
                     "); the answer is composed from DailyDrug's medicine notes";
      return;
    }
    if (*ran) {
      if (chat_turn) {
        history_ = request.history;
        history_.push_back({"user", request.prompt});
        history_.push_back({"assistant", reply.model_text});
      }
      return;
    }
  }
  reply.notice = "the grounded prompt does not fit the model's context of " +
                 std::to_string(llm_->info().context_length) +
                 " tokens; the answer is composed from DailyDrug's medicine notes";
}

AssistantResult<AssistantReply> Assistant::answer(std::string_view question,
                                                  const Grounding& grounding, Language language,
                                                  const llm::TextCallback& on_text,
                                                  bool chat_turn) {
  AssistantReply reply;
  reply.language = language;
  reply.facts_used = grounding.fact_ids();
  if (grounding.emergency) reply.emergency = grounding.emergency->kind;
  for (const auto* m : grounding.medicines) reply.medicines.push_back(m->id);

  // The emergency instruction and the direct answer go out before anything that can be slow or
  // fail, so the user never waits on the model for them and never gets an empty answer.
  emit(reply, on_text, opening_block(grounding, language));
  add_model_text(question, grounding, reply, on_text, chat_turn);
  if (reply.finish == llm::FinishReason::kCancelled) return reply;
  if (reply.model_text_used) emit(reply, on_text, "\n\n");
  emit(reply, on_text, answer_body(grounding, facts_, language));
  return reply;
}

AssistantResult<AssistantReply> Assistant::ask(std::string_view question, Language language,
                                               const llm::TextCallback& on_text,
                                               const llm::CancelTokenPtr& cancel) {
  cancel_ = cancel;
  if (is_blank(question)) return app_error(Error::invalid("question", "is empty"));
  auto g = ground_question(question);
  if (!g.ok()) return g.take_error();
  return answer(question, *g, language, on_text, false);
}

AssistantResult<AssistantReply> Assistant::faq(std::string_view medicine, Language language,
                                               const llm::TextCallback& on_text,
                                               const llm::CancelTokenPtr& cancel) {
  cancel_ = cancel;
  if (is_blank(medicine)) return app_error(Error::invalid("medicine", "is empty"));
  const auto m = facts_.match_one(medicine);
  if (!m) {
    return app_error(Error{ErrorKind::kNotFound, "medicine in DailyDrug's medicine notes",
                           std::string(medicine), 0});
  }
  Grounding g = ground(facts_, "", {m->entry}, {m->alias}, {}, true);
  const std::string question = language == Language::kKorean ? m->alias + "에 대해 알려 주세요."
                                                             : "Tell me about " + m->alias + ".";
  return answer(question, g, language, on_text, false);
}

AssistantResult<AssistantReply> Assistant::chat(std::string_view message, Language language,
                                                const llm::TextCallback& on_text,
                                                const llm::CancelTokenPtr& cancel) {
  cancel_ = cancel;
  if (is_blank(message)) return app_error(Error::invalid("message", "is empty"));
  Grounding g;
  if (facts_.match(message).empty() && !chat_medicines_.empty()) {
    // A follow-up ("술은요?") stays on the medicines the conversation is about.
    g = ground(facts_, message, chat_medicines_, chat_names_, detect_topics(message), false);
  } else {
    auto grounded = ground_question(message);
    if (!grounded.ok()) return grounded.take_error();
    g = std::move(grounded).value();
  }
  if (!g.medicines.empty()) {
    chat_medicines_ = g.medicines;
    chat_names_ = g.names;
  }
  return answer(message, g, language, on_text, true);
}

AssistantResult<AssistantReply> Assistant::coach(Language language,
                                                 const llm::TextCallback& on_text,
                                                 const llm::CancelTokenPtr& cancel) {
  cancel_ = cancel;
  CoachData data;
  data.now = clock_.now();
  data.today = clock_.today();
  auto today = store_.doses_on(data.today);
  if (!today.ok()) return app_error(today.take_error());
  data.today_doses = std::move(today).value();
  const int days = std::max(1, options_.adherence_days);
  const Date from = add_days(data.today, -days);
  const Date to = add_days(data.today, -1);
  auto recent = store_.doses_between(start_of_day(from), start_of_day(data.today));
  if (!recent.ok()) return app_error(recent.take_error());
  data.recent = summarize_adherence(*recent, from, to);

  AssistantReply reply;
  reply.language = language;
  reply.facts_used = {"schedule.today", "adherence.last_" + std::to_string(days) + "_days"};
  if (!model_writes(language)) {
    reply.notice = "the model cannot write " + language_name(language) +
                   "; the message is composed from your schedule";
  } else if (!llm_) {
    reply.notice = "no model is loaded; the message is composed from your schedule";
  } else if (!load_dictionaries(reply)) {
    // notice set: the message is composed from the schedule
  } else {
    llm::GenerationRequest request;
    request.system_instructions = {assistant_system_prompt(language)};
    auto most = most_doses_that_fit(data, language, request, reply);
    if (!most.ok()) return most.take_error();
    if (reply.finish == llm::FinishReason::kCancelled) return reply;
    bool fitted = false;
    if (*most) {
      request.prompt = coach_prompt(data, **most, language);
      auto ran = run_model(request, reply, on_text, false);
      if (!ran.ok()) return ran.take_error();
      fitted = *ran;
    }
    if (fitted) {
      if (reply.finish == llm::FinishReason::kCancelled) return reply;
      if (!reply.text.empty()) emit(reply, on_text, "\n\n");
      emit(reply, on_text, coach_summary(data, language));
      emit(reply, on_text, coach_footer(data, language));
      return reply;
    }
    reply.notice = "the coaching prompt does not fit the model's context of " +
                   std::to_string(llm_->info().context_length) +
                   " tokens; the message is composed from your schedule";
  }
  emit(reply, on_text, compose_coach(data, language));
  return reply;
}

}  // namespace dailydrug::app
