// Unicode character properties and normalization forms, as the Rust side of Hugging Face
// `tokenizers` sees them (internal header). Backed by ICU (libicu), since neither PCRE2 nor the
// C++ standard library can normalize. ICU and Rust may differ on the Unicode version (ICU 72 is
// Unicode 15.0), which only matters for characters assigned since.
// Thread-safety: stateless (ICU singletons are thread-safe), safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace dailydrug::llm::tok {

/// Rust `char::is_whitespace` / regex `\s`: the White_Space property.
bool is_whitespace(char32_t c);
/// Rust regex `\w`: Alphabetic, marks, decimal digits, connector punctuation, Join_Control.
bool is_word_char(char32_t c);
/// Rust `char::is_numeric`: general category Nd, Nl or No.
bool is_numeric(char32_t c);
/// HF `is_punc`: ASCII punctuation or any Unicode P* category.
bool is_punctuation(char32_t c);

enum class NormalForm { kNFC, kNFD, kNFKC, kNFKD };

/// `s` (valid UTF-8) in the given normalization form.
std::string normalize_unicode(std::string_view s, NormalForm form);

/// Lowercases each code point on its own with the full (SpecialCasing) mapping, as Rust
/// `char::to_lowercase` does: no context-dependent rules such as final sigma.
std::string lowercase(std::string_view s);

}  // namespace dailydrug::llm::tok
