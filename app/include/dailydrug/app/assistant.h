// Assistant: DailyDrug's coaching, ask, FAQ and chat on the local model, grounded in a curated
// medicine knowledge base (medicine_facts.h) and the user's own schedule (MedicationStore), with
// every model sentence passed through the dose-advice SafetyFilter (safety_filter.h).
//
// What the user gets (docs/ASSISTANT.md has the exact composition and examples):
//   - the language can be written by the model (the bundle's `languages` key, see
//     model_languages()): a label, the model's answer streamed sentence by sentence through the
//     safety filter (dose advice and dose amounts replaced by a referral, sentences not grounded
//     in the prompt dropped), then the curated facts and a referral line, also streamed;
//   - it cannot (SmolLM2-135M and Korean): a deterministic answer composed from the facts and
//     the schedule data only, model_text_used = false and `notice` says why. No garbage.
//   - no runner at all (nullptr): the same deterministic answer (a front end without a model).
// Every answer about side effects, serious symptoms, driving with a sedating medicine, alcohol
// or interactions ends with a referral to a doctor (의사) or pharmacist (약사).
//
// Errors: one type, AssistantError, holding either an app::Error (storage: reading today's doses
// and history; Invalid: an empty question or unknown medicine name for faq -> NotFound) or an
// llm::Error (the runner's generation errors: GenerationTimeout, GenerationFailed, ...). Front
// ends map it with kind_name()/message(): app kinds to exit 1/2/3, LLM kinds as report_error.
// Cancellation is not an error: finish == kCancelled and the text so far.
//
// Thread-safety: one Assistant per conversation; coach/ask/faq/chat are not concurrent with each
// other (the model serialises generations anyway); a call's CancelToken may be cancelled from
// any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dailydrug/app/assistant_prompt.h"
#include "dailydrug/app/clock.h"
#include "dailydrug/app/error.h"
#include "dailydrug/app/medication_store.h"
#include "dailydrug/app/medicine_facts.h"
#include "dailydrug/app/word_check.h"
#include "dailydrug/llm/error.h"
#include "dailydrug/llm/local_llm.h"
#include "dailydrug/llm/runner.h"

namespace dailydrug::app {

/// An app-layer error (store, input) or an LLM-runtime error (generation).
struct AssistantError {
  std::variant<Error, llm::Error> error;

  bool is_llm() const { return error.index() == 1; }
  /// "NotFound", "Storage", ... or "GenerationTimeout", ... (the layer's stable kind name).
  std::string_view kind_name() const;
  std::string message() const;
};

template <typename T>
using AssistantResult = dailydrug::BasicResult<T, AssistantError>;

/// Tuning of one Assistant; defaults suit short, conservative answers from a small model.
struct AssistantOptions {
  /// Languages the bundle's model can write (model_languages(); default English only).
  std::vector<Language> model_languages = {Language::kEnglish};
  /// Let the model add its words to ask/faq/chat answers (docs/ASSISTANT.md, "The model's part",
  /// has the measurement behind the default). Off: those answers are the curated composition
  /// alone. Coaching uses the model whenever it writes the language.
  bool use_model = false;
  /// Every model sentence's words must be in the prompt or a dictionary of the language
  /// (word_check.h); the dictionaries are hunspell's under `dictionary_dir`. When they cannot be
  /// loaded the model is not asked (the curated answer stands, `notice` says why). Off only to
  /// measure what the check removes.
  bool check_words = true;
  std::string dictionary_dir = "/usr/share/hunspell";
  float temperature = 0.0f;  // greedy: the same question gives the same answer
  int32_t top_k = 40;
  float top_p = 0.9f;
  float repetition_penalty = 1.15f;
  int32_t max_output_tokens = 160;  // per answer; clamped to what the context leaves
  int32_t min_output_tokens = 24;   // the prompt is trimmed (facts, history) to leave this room
  int64_t timeout_ms = 60000;       // wall clock per generation (0 = none)
  std::optional<uint64_t> seed;     // fixed seed -> same text (tests, examples)
  int adherence_days = 7;           // coach: the window of "recent adherence", ending yesterday
};

/// One answer.
struct AssistantReply {
  Language language = Language::kKorean;
  std::string text;              // exactly what on_text received, concatenated
  std::string model_text;        // the model's text after the safety filter ("" if not used)
  bool model_text_used = false;  // the model wrote part of `text`
  bool safety_replaced = false;  // the safety filter replaced at least one model sentence
  std::vector<std::string> replaced_sentences;  // what it replaced (for logs and tests)
  /// Model sentences dropped as not grounded in the prompt (grounding_check.h).
  std::vector<std::string> dropped_sentences;
  std::vector<std::string> facts_used;  // fact ids, "acetaminophen.driving", ...
  std::vector<std::string> medicines;   // matched knowledge-base entry ids
  std::string notice;  // why the model text was not used ("" when it was), English, one line
  /// The emergency sign found by triage ("breathing", ...); the answer opened with 119.
  std::optional<EmergencyKind> emergency;
  /// The model was asked but failed (load, timeout, generation): the curated answer was still
  /// given in full; front ends report this kind in the exit code / status.
  std::optional<llm::Error> model_error;
  llm::Usage usage;  // zero when the model did not run
  llm::FinishReason finish = llm::FinishReason::kStop;
  llm::GenerationStats stats;  // of the model call (zero when it did not run)
};

/// Puts a medicine the user takes into `store`, known by its name and dosage as written (a blank
/// dosage is kept as "-"), with a placeholder daily schedule from the store's today: how a front
/// end without DailyDrug's database (the C API, the evaluation) gives ask() the user's medicines,
/// which it reads by name. Errors: Invalid (a blank name), Storage.
Status add_taken_medicine(MedicationStore& store, std::string name, std::string dosage);

class Assistant {
 public:
  /// `llm` may be null (deterministic answers only); it is loaded on first use. The model, store
  /// and facts must outlive the Assistant. `clock` gives "today" for coaching. Each call below
  /// takes the request's CancelToken (optional): cancelled, the model stops within one token
  /// and the reply has finish == kCancelled; the curated opening has been streamed already.
  Assistant(llm::LocalLlm* llm, MedicationStore& store, const Clock& clock,
            const MedicineFacts& facts, AssistantOptions options = {});

  /// A short, kind message about today's doses and recent adherence.
  /// Errors: app Storage; LLM generation errors.
  AssistantResult<AssistantReply> coach(Language language, const llm::TextCallback& on_text = {},
                                        const llm::CancelTokenPtr& cancel = {});

  /// An answer about the user's medicines: those named in the question, else the saved ones.
  /// Errors: app Invalid("question") for a blank question; LLM generation errors.
  AssistantResult<AssistantReply> ask(std::string_view question, Language language,
                                      const llm::TextCallback& on_text = {},
                                      const llm::CancelTokenPtr& cancel = {});

  /// The general facts about one medicine (brand or ingredient name, Korean or English).
  /// Errors: app Invalid("medicine") if blank, NotFound("medicine") if the knowledge base has no
  /// entry for it; LLM generation errors.
  AssistantResult<AssistantReply> faq(std::string_view medicine, Language language,
                                      const llm::TextCallback& on_text = {},
                                      const llm::CancelTokenPtr& cancel = {});

  /// One turn of a multi-turn conversation: like ask(), with the earlier turns of this session
  /// in the prompt (the oldest are dropped when the context is full), so the runner's prefix
  /// cache reuses the conversation so far. Errors: as ask().
  AssistantResult<AssistantReply> chat(std::string_view message, Language language,
                                       const llm::TextCallback& on_text = {},
                                       const llm::CancelTokenPtr& cancel = {});
  /// Forget the conversation (and the runner's cached prefix).
  void reset_chat();
  size_t chat_turns() const { return history_.size() / 2; }

  const AssistantOptions& options() const { return options_; }
  /// A model is there and the bundle's `languages` include `language`.
  bool can_write(Language language) const;
  /// The bundle's `languages` include `language` (whether or not a model was given).
  bool model_writes(Language language) const;

 private:
  /// Ground, then answer: the opening (emergency, direct answer) first, then the model's
  /// checked words if it is used and writes `language`, then the curated facts and referral.
  AssistantResult<AssistantReply> answer(std::string_view question, const Grounding& grounding,
                                         Language language, const llm::TextCallback& on_text,
                                         bool chat_turn);
  /// Saved medicines (MedicationStore) matched to knowledge-base entries.
  AssistantResult<Grounding> ground_question(std::string_view question);

  /// Stream `text` (deterministic, curated) to on_text and into the reply, line by line.
  static void emit(AssistantReply& reply, const llm::TextCallback& on_text, std::string_view text);
  /// The model's part of an answer (between the opening and the facts); a failure is recorded in
  /// reply.model_error, never lost as the whole answer.
  void add_model_text(std::string_view question, const Grounding& grounding, AssistantReply& reply,
                      const llm::TextCallback& on_text, bool chat_turn);
  /// The tokens of `limit` that `request`'s prompt leaves for the answer (one tokenization);
  /// the prompt fits when that is at least min_output_tokens.
  AssistantResult<int64_t> room_left(const llm::GenerationRequest& request, int64_t limit);
  /// The most of today's doses whose coaching prompt fits (nullopt: not even none fits), by
  /// binary search over the count; kCancelled in `reply` when the call's token is cancelled.
  AssistantResult<std::optional<size_t>> most_doses_that_fit(const CoachData& data,
                                                             Language language,
                                                             llm::GenerationRequest& request,
                                                             AssistantReply& reply);
  /// The dictionaries the model's words are checked against (check_words), loaded once per
  /// process; false (and `reply.notice` set) when they cannot be loaded.
  bool load_dictionaries(AssistantReply& reply);
  /// Run the model on `request` through the safety filter; false when the prompt cannot fit.
  AssistantResult<bool> run_model(llm::GenerationRequest& request, AssistantReply& reply,
                                  const llm::TextCallback& on_text, bool trim_history);

  bool cancelled() const { return cancel_ && cancel_->cancelled(); }

  llm::LocalLlm* llm_;
  MedicationStore& store_;
  const Clock& clock_;
  const MedicineFacts& facts_;
  AssistantOptions options_;
  std::vector<llm::ChatMessage> history_;  // chat turns as sent: user, assistant, user, ...
  // The medicines the conversation is about, for follow-ups that name none ("술은요?").
  std::vector<const MedicineEntry*> chat_medicines_;
  std::vector<std::string> chat_names_;
  llm::CancelTokenPtr cancel_;             // the current call's (calls are one at a time)
  const Lexicon* korean_words_ = nullptr;  // load_dictionaries(); process-wide, never freed
  const Lexicon* english_words_ = nullptr;
};

}  // namespace dailydrug::app
