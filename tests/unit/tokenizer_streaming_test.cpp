// StreamingDecoder: never emits a broken UTF-8 sequence, emits each character as soon as it is
// complete, matches decode() exactly, and decodes only a small window per push.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "dailydrug/llm/tokenizer.h"

namespace dailydrug::llm {
namespace {

const std::string kRef = std::string(DD_TEST_WORK_DIR) + "/tokenizer/";
const std::string kSmol = std::string(DD_TEST_DATA_DIR) + "/smollm2-135m-instruct/tokenizer.json";
const std::string kFFFD = "\xEF\xBF\xBD";

std::unique_ptr<Tokenizer> load(const std::string& path) {
  auto r = load_tokenizer(path);
  EXPECT_TRUE(r.ok()) << path << ": " << (r.ok() ? "" : r.error().message());
  return r.ok() ? std::move(r).value() : nullptr;
}

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    const size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// GPT-2's byte -> character map (the spec of byte-level BPE), to find each byte's own token.
std::string gpt2_char(unsigned char b) {
  int n = 0;
  for (int x = 0; x < 256; ++x) {
    const bool printable = (x >= 33 && x <= 126) || (x >= 0xA1 && x <= 0xAC) || x >= 0xAE;
    const int cp = printable ? x : 256 + n++;
    if (x == b) {
      std::string s;
      if (cp < 0x80) {
        s.push_back(static_cast<char>(cp));
      } else {
        s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
      return s;
    }
  }
  return {};
}

// Length of the longest prefix of `s` made of complete UTF-8 characters (s is valid UTF-8 cut
// anywhere).
size_t complete_prefix(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    const size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : 4;
    if (i + n > s.size()) break;
    i += n;
  }
  return i;
}

const char* kHandPicked[] = {
    "타이레놀 복용 후 운전해도 될까요?",
    "가나다 힣 ㅋㅋ",
    "💊 👨‍👩‍👧‍👦 👍🏽 🇰🇷 ❤️",
    "약 💊 drug 薬 x",
};

// Byte-level BPE fed one single-byte token at a time: output appears exactly when a character
// completes, and never a partial one.
TEST(TokenizerStreaming, ByteLevelByteByByte) {
  auto t = load(kSmol);
  ASSERT_NE(t, nullptr);
  for (const char* text : kHandPicked) {
    const std::string s = text;
    StreamingDecoder sd(*t);
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      const auto id = t->token_to_id(gpt2_char(static_cast<unsigned char>(s[i])));
      ASSERT_TRUE(id.has_value());
      const std::string piece = sd.push(*id);
      EXPECT_TRUE(valid_utf8(piece)) << text << " byte " << i;
      out += piece;
      EXPECT_EQ(out, s.substr(0, complete_prefix(s.substr(0, i + 1)))) << text << " byte " << i;
    }
    EXPECT_EQ(sd.flush(), "");
    EXPECT_EQ(out, s);
  }
}

// SentencePiece-style byte fallback fed <0xNN> tokens one at a time.
TEST(TokenizerStreaming, ByteFallbackByteByByte) {
  for (const char* file : {"llama2_style.tokenizer.json", "spm_bpe.model"}) {
    auto t = load(kRef + file);
    ASSERT_NE(t, nullptr);
    for (const char* text : kHandPicked) {
      const std::string s = text;
      std::vector<TokenId> ids;
      for (const char c : s) {
        char name[8];
        std::snprintf(name, sizeof(name), "<0x%02X>", static_cast<unsigned char>(c));
        const auto id = t->token_to_id(name);
        ASSERT_TRUE(id.has_value()) << file << " " << name;
        ids.push_back(*id);
      }
      const auto word = t->token_to_id("a");
      ASSERT_TRUE(word.has_value());
      ids.push_back(*word);  // a non-byte token ends the byte run
      StreamingDecoder sd(*t);
      std::string out;
      for (const TokenId id : ids) {
        const std::string piece = sd.push(id);
        EXPECT_TRUE(valid_utf8(piece));
        out += piece;
      }
      out += sd.flush();
      auto d = t->decode(ids, true);
      ASSERT_TRUE(d.ok());
      EXPECT_EQ(out, *d) << file;
      EXPECT_EQ(out, s + "a") << file;
    }
  }
}

// Real encodings of Korean/emoji text: concatenation equals decode, every piece is valid UTF-8,
// and at least one id had to be held back (Korean syllables are split by byte-level BPE).
TEST(TokenizerStreaming, RealEncodingsMatchDecode) {
  auto t = load(kSmol);
  ASSERT_NE(t, nullptr);
  int held = 0;
  for (const char* text : kHandPicked) {
    auto ids = t->encode(text);
    ASSERT_TRUE(ids.ok());
    StreamingDecoder sd(*t);
    std::string out;
    for (const TokenId id : *ids) {
      const std::string piece = sd.push(id);
      EXPECT_TRUE(valid_utf8(piece));
      if (piece.empty()) ++held;
      out += piece;
    }
    out += sd.flush();
    EXPECT_EQ(out, text);
  }
  EXPECT_GT(held, 0);
}

TEST(TokenizerStreaming, IncompleteAndInvalidBytesBecomeReplacementChars) {
  auto t = load(kSmol);
  ASSERT_NE(t, nullptr);
  auto byte_id = [&](unsigned char b) {
    const auto id = t->token_to_id(gpt2_char(b));
    EXPECT_TRUE(id.has_value()) << int{b};
    return id.value_or(0);
  };
  {
    StreamingDecoder sd(*t);
    EXPECT_EQ(sd.push(byte_id(0xEA)), "");
    EXPECT_EQ(sd.push(byte_id(0xB0)), "");
    EXPECT_EQ(sd.flush(), kFFFD);  // a truncated sequence at the end of the stream
  }
  {
    StreamingDecoder sd(*t);
    std::string out = sd.push(byte_id(0xEA));
    out += sd.push(byte_id(0xB0));
    out += sd.push(byte_id('a'));  // breaks the sequence
    EXPECT_EQ(out, kFFFD + "a");
    const std::array<TokenId, 3> ids{byte_id(0xEA), byte_id(0xB0), byte_id('a')};
    EXPECT_EQ(out, *t->decode(ids));
  }
  {
    StreamingDecoder sd(*t);
    std::string out = sd.push(byte_id(0x80));  // a lone continuation byte is never valid
    out += sd.push(byte_id('b'));
    out += sd.flush();
    EXPECT_EQ(out, kFFFD + "b");
  }
}

// SentencePiece's leading-space strip applies at the start of the stream only.
TEST(TokenizerStreaming, LeadingSpaceOnlyAtStreamStart) {
  for (const char* file :
       {"spm_bpe.model", "llama2_style.tokenizer.json", "metaspace_style.tokenizer.json"}) {
    auto t = load(kRef + file);
    ASSERT_NE(t, nullptr);
    auto ids = t->encode("hello world again");
    ASSERT_TRUE(ids.ok());
    StreamingDecoder sd(*t);
    std::string first;
    size_t i = 0;
    while (first.empty() && i < ids->size()) first = sd.push((*ids)[i++]);
    EXPECT_NE(first[0], ' ') << file;
    std::string rest;
    for (; i < ids->size(); ++i) rest += sd.push((*ids)[i]);
    rest += sd.flush();
    EXPECT_EQ(first + rest, "hello world again") << file;
    EXPECT_NE(rest.find(" world"), std::string::npos) << file;
    // A stream that starts with space-only tokens keeps agreeing with decode().
    const auto space = t->token_to_id("\xE2\x96\x81");
    ASSERT_TRUE(space.has_value()) << file;
    std::vector<TokenId> spaced{*space, *space};
    spaced.insert(spaced.end(), ids->begin(), ids->end());
    StreamingDecoder sd2(*t);
    std::string out;
    for (const TokenId id : spaced) out += sd2.push(id);
    out += sd2.flush();
    EXPECT_EQ(out, *t->decode(spaced, true)) << file;
  }
}

TEST(TokenizerStreaming, SkipSpecial) {
  auto t = load(kSmol);
  ASSERT_NE(t, nullptr);
  auto ids = t->encode("<|im_start|>assistant\n복용하세요<|im_end|>");
  ASSERT_TRUE(ids.ok());
  for (const bool skip : {true, false}) {
    StreamingDecoder sd(*t, skip);
    std::string out;
    for (const TokenId id : *ids) out += sd.push(id);
    out += sd.flush();
    EXPECT_EQ(out, skip ? "assistant\n복용하세요" : "<|im_start|>assistant\n복용하세요<|im_end|>");
  }
}

// Wraps a tokenizer and counts the ids decode() is asked for.
class CountingTokenizer : public Tokenizer {
 public:
  CountingTokenizer(const Tokenizer& inner, bool hide_vocab) : inner_(inner), hide_(hide_vocab) {}
  Result<std::vector<TokenId>> encode(std::string_view text, bool ps) const override {
    return inner_.encode(text, ps);
  }
  Result<std::string> decode(std::span<const TokenId> ids, bool skip) const override {
    decoded_ids += ids.size();
    return inner_.decode(ids, skip);
  }
  std::string token_bytes(TokenId id) const override { return inner_.token_bytes(id); }
  std::string token_string(TokenId id) const override { return inner_.token_string(id); }
  std::optional<TokenId> token_to_id(std::string_view s) const override {
    return hide_ ? std::nullopt : inner_.token_to_id(s);
  }
  bool is_special(TokenId id) const override { return inner_.is_special(id); }
  int32_t vocab_size() const override { return inner_.vocab_size(); }
  std::optional<TokenId> bos_id() const override { return inner_.bos_id(); }
  std::optional<TokenId> eos_id() const override { return inner_.eos_id(); }
  mutable size_t decoded_ids = 0;

 private:
  const Tokenizer& inner_;
  bool hide_;
};

std::string long_text() {
  std::string s;
  for (int i = 0; i < 60; ++i) {
    s += "타이레놀 500mg 복용 후 운전해도 될까요? 💊 Take it with water. ";
  }
  return s;
}

TEST(TokenizerStreaming, DecodesASmallWindowPerPush) {
  for (const std::string& path : {kSmol, kRef + "spm_bpe.model"}) {
    auto t = load(path);
    ASSERT_NE(t, nullptr);
    auto ids = t->encode(long_text());
    ASSERT_TRUE(ids.ok());
    ASSERT_GT(ids->size(), 1000u);
    CountingTokenizer counting(*t, /*hide_vocab=*/false);
    StreamingDecoder sd(counting);
    const size_t setup = counting.decoded_ids;  // the anchor check at construction
    std::string out;
    for (const TokenId id : *ids) out += sd.push(id);
    out += sd.flush();
    EXPECT_EQ(out, *t->decode(*ids, true)) << path;
    // Re-decoding the history would cost ~n^2/2 ids; a window costs a few per push.
    EXPECT_LT(counting.decoded_ids - setup, 8 * ids->size()) << path;
  }
}

// Without a usable anchor token the decoder falls back to whole-history decoding: slower, still
// exact.
TEST(TokenizerStreaming, FallbackWithoutAnchorIsExact) {
  auto t = load(kSmol);
  ASSERT_NE(t, nullptr);
  CountingTokenizer hidden(*t, /*hide_vocab=*/true);
  for (const char* text : kHandPicked) {
    auto ids = t->encode(text);
    ASSERT_TRUE(ids.ok());
    StreamingDecoder sd(hidden);
    std::string out;
    for (const TokenId id : *ids) {
      const std::string piece = sd.push(id);
      EXPECT_TRUE(valid_utf8(piece));
      out += piece;
    }
    out += sd.flush();
    EXPECT_EQ(out, text);
  }
}

}  // namespace
}  // namespace dailydrug::llm
