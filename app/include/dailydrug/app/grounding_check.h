// GroundingCheck: is a model sentence about what the model was given?
//
// A 135M model fluently invents ("Cetirizine is a medication used to treat anxiety disorders").
// The check compares a sentence's content tokens with the prompt the model saw (system text,
// facts, schedule data, question): English words of 4+ letters (lower-cased, a plural 's' and
// anything past 6 letters dropped, common function words ignored), numbers (an invented year or
// count is a tell) and Hangul syllable pairs inside a word. A sentence with at least `min_tokens`
// content tokens of which less than `min_share` occur in the prompt is ungrounded; the assistant
// drops it (SafetyFilter's sentence check) and reports it. Short sentences ("Yes.", "Sure!") are
// always kept.
//
// Thread-safety: immutable after construction.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace dailydrug::app {

class GroundingCheck {
 public:
  explicit GroundingCheck(std::string_view source, double min_share = 0.5, size_t min_tokens = 4);

  /// The content tokens of `text` (see the header comment), in order, with repeats.
  static std::vector<std::string> content_tokens(std::string_view text);
  /// Share of `sentence`'s content tokens found in the source (1 when it has none).
  double grounded_share(std::string_view sentence) const;
  bool is_grounded(std::string_view sentence) const;

  /// Whether a model sentence is written in the answer's language and script: a Korean sentence
  /// has Hangul and no more Latin letters than Hangul syllables (a drug name may be Latin); an
  /// English one has no Hangul. A small model drifts into the other language mid-answer ("No,
  /// it does not work for empty blood." under a Korean question).
  static bool written_in(std::string_view sentence, bool korean);

 private:
  std::unordered_set<std::string> vocabulary_;
  double min_share_;
  size_t min_tokens_;
};

}  // namespace dailydrug::app
