// WordCheck: is every word of a model sentence a word?
//
// A 0.5B model writing Korean garbles words ("탐이레놀" for 타이레놀, "자몬주스" for 자몽주스) in
// sentences the grounding check passes, since most of their syllable pairs are the prompt's own.
// This check asks of each word of a model sentence: is it in the prompt the model saw (facts,
// question, system text), or in a dictionary of the language (a Lexicon, e.g. hunspell's)?
//
// A word is a run of Hangul or of Latin letters (apostrophes inside English words kept); a token
// with a digit is left to the dose and grounding checks. Letters of any other script (a Korean
// answer drifting into Chinese characters) are never words. A Hangul run passes when it is
//   - a dictionary word (any inflected form: "드세요", "복용하면"), or
//   - a word of the source, or such a word followed by a particle ("타이레놀" -> "타이레놀을"), or
//   - a compound of a head that is a bare dictionary entry or a source word and a tail that
//     passes the first two rules, one of the two from the source ("자몽" + "주스를" when the
//     question says 자몽주스; not "음료" + "기한" for 유통기한, nor "아름" + "이용" for 어린이용).
// A head must be a bare entry because the dictionary also holds contractions: "자몬" is "자모는",
// which would let "자몬주스" through as 자몬 + 주스.
// An English word passes when the source or the dictionary has it (case-insensitive).
//
// Thread-safety: immutable after construction; the Lexicon must be safe to call concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace dailydrug::app {

/// A dictionary of one language.
class Lexicon {
 public:
  virtual ~Lexicon() = default;
  /// `word` (one word, no spaces) is a correctly spelled word, in any inflected form.
  virtual bool is_word(std::string_view word) const = 0;
  /// `word` is a bare dictionary entry (a stem as listed, not an inflected or contracted form).
  virtual bool is_entry(std::string_view word) const = 0;
};

class WordCheck {
 public:
  /// `korean` and `english` may be null (words of that script then need to be in the source).
  /// They must outlive the check.
  WordCheck(std::string_view source, const Lexicon* korean, const Lexicon* english);

  /// The words of `sentence` that are in neither the source nor a dictionary, in order.
  std::vector<std::string> unknown_words(std::string_view sentence) const;
  bool passes(std::string_view sentence) const { return unknown_words(sentence).empty(); }

  /// The words of `text` (see the header comment): Hangul runs and Latin runs; other letters
  /// come back as runs of their own so they can be refused. Digits split nothing: a token with a
  /// digit is skipped as a whole.
  static std::vector<std::string> words(std::string_view text);

 private:
  bool from_source(const std::string& word) const;
  bool known_hangul(const std::string& word) const;
  bool whole_hangul(const std::string& word) const;
  bool known_latin(const std::string& word) const;

  const Lexicon* korean_;
  const Lexicon* english_;
  std::unordered_set<std::string> source_words_;  // Hangul runs and lower-cased Latin runs
  std::unordered_set<std::string> source_stems_;  // Hangul runs with a trailing particle removed
};

}  // namespace dailydrug::app
