#include "dailydrug/app/hunspell_lexicon.h"

#include <hunspell/hunspell.h>

#include <fstream>
#include <map>
#include <utility>

namespace dailydrug::app {

struct HunspellLexicon::Handle {
  Hunhandle* h = nullptr;
};

namespace {

bool readable(const std::string& path) {
  return std::ifstream(path).good();
}

}  // namespace

std::string_view HunspellLexicon::file_name(Language language) {
  return language == Language::kKorean ? "ko" : "en_US";
}

Result<std::unique_ptr<HunspellLexicon>> HunspellLexicon::load(const std::string& dir,
                                                               std::string_view name) {
  const std::string base = dir + "/" + std::string(name);
  for (const std::string& path : {base + ".aff", base + ".dic"}) {
    // Hunspell_create() on a missing file returns an empty dictionary that rejects every word.
    if (!readable(path)) return Error::storage(path, "cannot read the dictionary file");
  }
  Hunhandle* h = Hunspell_create((base + ".aff").c_str(), (base + ".dic").c_str());
  if (h == nullptr) return Error::invalid("dictionary", base + ": hunspell cannot load it");
  auto lexicon = std::unique_ptr<HunspellLexicon>(new HunspellLexicon(new Handle{h}));
  // A file hunspell could not parse leaves it without words; "a" and "약" are in ours.
  if (!lexicon->is_word("a") && !lexicon->is_word("약")) {
    return Error::invalid("dictionary", base + ": no words loaded");
  }
  return lexicon;
}

Result<const HunspellLexicon*> HunspellLexicon::shared(const std::string& dir, Language language) {
  static std::mutex mutex;
  static std::map<std::string, Result<std::unique_ptr<HunspellLexicon>>> loaded;
  const std::string key = dir + "/" + std::string(file_name(language));
  std::lock_guard<std::mutex> lock(mutex);
  auto it = loaded.find(key);
  if (it == loaded.end()) it = loaded.emplace(key, load(dir, file_name(language))).first;
  if (!it->second.ok()) return it->second.error();
  return static_cast<const HunspellLexicon*>(it->second.value().get());
}

HunspellLexicon::HunspellLexicon(Handle* handle) : handle_(handle) {}

HunspellLexicon::~HunspellLexicon() {
  Hunspell_destroy(handle_->h);
  delete handle_;
}

bool HunspellLexicon::is_word(std::string_view word) const {
  const std::string w(word);
  std::lock_guard<std::mutex> lock(mutex_);
  return Hunspell_spell(handle_->h, w.c_str()) != 0;
}

bool HunspellLexicon::is_entry(std::string_view word) const {
  const std::string w(word);
  std::lock_guard<std::mutex> lock(mutex_);
  if (Hunspell_spell(handle_->h, w.c_str()) == 0) return false;
  // A bare entry stems to itself; "자몬" (a contraction of 자모는) stems to 자모.
  char** stems = nullptr;
  const int n = Hunspell_stem(handle_->h, &stems, w.c_str());
  bool bare = false;
  for (int i = 0; i < n; ++i) bare = bare || w == stems[i];
  Hunspell_free_list(handle_->h, &stems, n);
  return bare;
}

}  // namespace dailydrug::app
