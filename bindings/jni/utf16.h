// UTF-8 <-> UTF-16 for the JNI binding. Java strings are UTF-16; the runtime speaks standard
// UTF-8. JNI's own *StringUTF* functions use "modified UTF-8" (U+0000 as C0 80, characters beyond
// the BMP as two 3-byte surrogates), which would corrupt emoji and mismatch the tokenizer, so the
// binding converts itself and uses NewString/GetStringRegion.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dailydrug::jni {

/// Standard UTF-8 of UTF-16 code units. An unpaired surrogate becomes U+FFFD.
std::string utf16_to_utf8(std::u16string_view text);

/// UTF-16 of UTF-8 bytes. Each maximal invalid subpart (Unicode 15, section 3.9, "U+FFFD
/// substitution of maximal subparts") becomes one U+FFFD, so the result is always well-formed.
std::u16string utf8_to_utf16(std::string_view bytes);

}  // namespace dailydrug::jni
