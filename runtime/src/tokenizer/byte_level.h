// GPT-2's reversible byte <-> printable-character map used by byte-level BPE (internal header).
// Bytes that are printable Latin-1 map to themselves; the rest map to U+0100.. in order.
// Thread-safety: the tables are built once (function-local static) and then read-only.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace dailydrug::llm::tok {

/// UTF-8 of the character standing for byte `b`.
const std::string& byte_to_unicode(uint8_t b);

/// The byte a character stands for, or -1 if `cp` is not in the map.
int unicode_to_byte(char32_t cp);

/// Maps every byte of `s` to its character (the ByteLevel pre-tokenizer's transform).
std::string bytes_to_byte_level(std::string_view s);

/// Maps a byte-level token (valid UTF-8) back to bytes; false if some character is not in the
/// map, leaving `out` unspecified.
bool byte_level_to_bytes(std::string_view token, std::string& out);

}  // namespace dailydrug::llm::tok
