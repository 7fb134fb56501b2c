// HunspellLexicon: a Lexicon (word_check.h) backed by a hunspell dictionary, the check of the
// words a model writes (Debian hunspell-ko and hunspell-en-us: /usr/share/hunspell/ko.{aff,dic},
// en_US.{aff,dic}). The Korean dictionary's affix rules know particles and verb endings, so
// "복용하세요" and "약을" are words while "탐이레놀" is not.
//
// Loading the Korean dictionary takes about a second (an 11 MB affix file), so shared() loads
// each one once per process and only when a model sentence is to be checked.
//
// Thread-safety: is_word/is_entry may be called from any thread (one mutex per dictionary:
// hunspell keeps scratch state in its handle).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "dailydrug/app/error.h"
#include "dailydrug/app/medicine_facts.h"
#include "dailydrug/app/word_check.h"

namespace dailydrug::app {

class HunspellLexicon final : public Lexicon {
 public:
  /// The directory the Debian packages install into.
  static constexpr std::string_view kDefaultDirectory = "/usr/share/hunspell";
  /// "ko" and "en_US": the file names under the directory.
  static std::string_view file_name(Language language);

  /// Reads `<dir>/<name>.aff` and `<dir>/<name>.dic`. Errors: Storage(path) when a file cannot
  /// be read; Invalid("dictionary") when hunspell loads no word from it.
  static Result<std::unique_ptr<HunspellLexicon>> load(const std::string& dir,
                                                       std::string_view name);
  /// load() of `language`'s dictionary under `dir`, once per process (a failure is returned
  /// again without retrying); the dictionary lives until the process ends.
  static Result<const HunspellLexicon*> shared(const std::string& dir, Language language);

  ~HunspellLexicon() override;
  HunspellLexicon(const HunspellLexicon&) = delete;
  HunspellLexicon& operator=(const HunspellLexicon&) = delete;

  bool is_word(std::string_view word) const override;
  bool is_entry(std::string_view word) const override;

 private:
  struct Handle;
  explicit HunspellLexicon(Handle* handle);
  Handle* handle_;
  mutable std::mutex mutex_;
};

}  // namespace dailydrug::app
