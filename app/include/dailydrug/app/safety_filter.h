// SafetyFilter: a streaming filter on generated text that holds text back until a sentence is
// complete, then releases it unchanged, or, when the sentence advises changing a dose (increase,
// double, reduce, stop, skip, take more or less; Korean and English), replaces it with a fixed
// referral ("복용량 변경은 반드시 의사 또는 약사와 상담하세요."); so is a sentence that states a
// dose amount or frequency (states_dose_amount), which only the prescription may give. A sentence
// that tells the reader something is allowed or safe ("네, 술 마셔도 됩니다", "두 번 먹어도 돼요",
// "Yes, you can drink with it"; is_permission_verdict) is dropped: that judgement belongs to the
// curated facts that follow the model's text, and to a pharmacist.
//
// A sentence ends at '.', '!', '?', '。', '…' or a newline followed by whitespace (or at
// finish()), so "0.5mg" does not split. Prohibitions are not advice: "임의로 중단하지 마세요",
// "두 배로 복용하지 마세요", "Do not stop taking it without asking" pass (a negation in the same
// clause, after a Korean verb stem or before an English verb phrase, defuses the pattern).
// Consecutive replaced sentences give one referral. Rules and cases: docs/ASSISTANT.md, tests in
// tests/assistant/safety_filter_test.cpp.
//
// Thread-safety: one filter per stream; not thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dailydrug/app/medicine_facts.h"

namespace dailydrug::app {

/// True when `sentence` advises the reader to change, double, reduce, stop or skip a dose or to
/// take more or less (and is not a prohibition of doing so).
bool is_dose_change_advice(std::string_view sentence);

/// True when `sentence` states a dose amount or frequency ("20mg", "2정", "두 알", "하루 세 번",
/// "twice a day", "every 6 hours"). A small model invents these, so the filter replaces them too:
/// amounts come from the prescription and the package, never from the model.
bool states_dose_amount(std::string_view sentence);

/// True when `sentence` tells the reader that something is allowed or safe (a yes-answer, "-해도
/// 됩니다/돼요/괜찮아요", "you can take/drink/drive", "it is safe/fine to"), unless it is a
/// question or a condition ("ask whether it is safe", "if it is safe").
bool is_permission_verdict(std::string_view sentence);

class SafetyFilter {
 public:
  using Sink = std::function<void(std::string_view)>;
  /// `replacement` is the referral sentence (dose_change_referral(language)); `sink` receives the
  /// released text.
  SafetyFilter(std::string replacement, Sink sink);

  /// An extra test each complete sentence must pass to be released (after the dose checks); a
  /// failing sentence is dropped and listed in dropped_sentences(). The assistant passes a
  /// GroundingCheck here (grounding_check.h). Permission verdicts are dropped the same way.
  using SentenceCheck = std::function<bool(std::string_view sentence)>;
  void set_sentence_check(SentenceCheck keep) { keep_ = std::move(keep); }

  /// Feed the next piece of text (any split, whole UTF-8 code points or not).
  void feed(std::string_view piece);
  /// Release what is still held (a last sentence without a terminator), checked like the rest.
  void finish();

  bool replaced_any() const { return !replaced_.empty(); }
  const std::vector<std::string>& replaced_sentences() const { return replaced_; }
  const std::vector<std::string>& dropped_sentences() const { return dropped_; }
  /// Everything released so far.
  const std::string& output() const { return output_; }

 private:
  void release_complete_sentences();
  void emit_sentence(std::string_view sentence);
  void emit(std::string_view text);

  std::string replacement_;
  Sink sink_;
  std::string pending_;  // text not yet released (an unfinished sentence)
  std::string output_;
  std::vector<std::string> replaced_;
  std::vector<std::string> dropped_;
  SentenceCheck keep_;
  bool last_was_replacement_ = false;
};

}  // namespace dailydrug::app
