// Fuzz target: tokenizer encode/decode and streaming decode on arbitrary bytes.
//
// Built twice (tests/fuzz/CMakeLists.txt):
//   fuzz_tokenizer_hf   Hugging Face tokenizer.json back end: the real SmolLM2 tokenizer of the
//                       default bundle (byte-level BPE) and small generated ones (BPE with byte
//                       fallback and <unk>, Metaspace, Llama-3-style split, NFKC/lowercase/## …)
//   fuzz_tokenizer_spm  SentencePiece .model back end: generated BPE (byte fallback) and unigram
// The generated tokenizers are the conformance fixtures (tests/python/make_tokenizer_reference.py),
// made by scripts/fuzz.sh into build-asan/test-fixtures/tokenizer ($DD_FUZZ_FIXTURES overrides).
//
// Input: byte 0 picks the tokenizer and the flags; the rest is the text, and read as 16-bit
// little-endian numbers, the ids to decode (some past the vocabulary on purpose).
// Invariants checked (each a documented contract of tokenizer.h):
//   - encode() succeeds on valid UTF-8 and fails with TokenizationFailed on anything else;
//   - every encoded id is inside the vocabulary;
//   - SmolLM2 (byte-level, no normalizer) round-trips, decode(encode(text)) == text, for text made
//     of bytes its vocabulary has a token for (it lacks 21 byte values, e.g. 0x04 and the lead
//     bytes 0xF1/0xF2 of U+40000–U+BFFFF, and has no <unk>: those bytes are dropped, as the
//     reference `tokenizers` package drops them);
//   - decode() of ids with one out of range fails with TokenizationFailed, and succeeds otherwise;
//   - the StreamingDecoder output is UTF-8, and for fewer than 64 ids (its hold-back limit) its
//     concatenation equals decode(ids, skip_special).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "dailydrug/llm/tokenizer.h"
#include "fuzz_check.h"

using dailydrug::fuzz::valid_utf8;
using namespace dailydrug::llm;

namespace {

struct Loaded {
  std::string name;
  std::unique_ptr<Tokenizer> tokenizer;
  bool lossless;  // decode(encode(text)) == text for valid UTF-8 made of byte_in_vocab bytes
  std::array<bool, 256> byte_in_vocab{};  // a token stands for exactly this one byte
};
std::vector<Loaded> g_tokenizers;

std::string fixture_dir() {
  const char* env = std::getenv("DD_FUZZ_FIXTURES");
  return std::string(env != nullptr ? env : DD_FUZZ_FIXTURE_DIR) + "/tokenizer/";
}

void load(const std::string& name, const std::string& path, bool lossless) {
  auto t = load_tokenizer(path);
  if (!t.ok()) {
    std::fprintf(stderr,
                 "fuzz_tokenizer: cannot load %s (%s): %s\n"
                 "Run scripts/fuzz.sh, which makes the fixtures.\n",
                 name.c_str(), path.c_str(), t.error().message().c_str());
    std::exit(2);
  }
  Loaded l{name, std::move(*t), lossless, {}};
  for (TokenId id = 0; id < l.tokenizer->vocab_size(); ++id) {
    const std::string b = l.tokenizer->token_bytes(id);
    if (b.size() == 1) l.byte_in_vocab[static_cast<unsigned char>(b[0])] = true;
  }
  g_tokenizers.push_back(std::move(l));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const std::string dir = fixture_dir();
#if DD_FUZZ_SPM
  load("spm_bpe", dir + "spm_bpe.model", false);
  load("spm_unigram", dir + "spm_unigram.model", false);
#else
  // The real SmolLM2 tokenizer of the test bundle; the same file in shared data on a machine where
  // the bundle has not been exported.
  std::string smollm2 = DD_FUZZ_TEST_BUNDLE "/tokenizer.json";
  if (FILE* f = std::fopen(smollm2.c_str(), "rb")) {
    std::fclose(f);
  } else {
    smollm2 = DD_FUZZ_TEST_DATA_DIR "/smollm2-135m-instruct/tokenizer.json";
  }
  load("smollm2", smollm2, true);
  for (const char* n : {"llama2_style", "llama2_unk", "metaspace_style", "llama3_style", "misc_bpe",
                        "smollm2_variant"}) {
    load(n, dir + n + ".tokenizer.json", false);
  }
  // The app's default tokenizer (Qwen2, 151k tokens), when the default bundle has been made. Not
  // lossless: its NFC normalizer changes text that is not in NFC.
  if (FILE* f = std::fopen((dir + "qwen2.tokenizer.json").c_str(), "rb")) {
    std::fclose(f);
    load("qwen2", dir + "qwen2.tokenizer.json", false);
  }
#endif
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Loaded& t = g_tokenizers[data[0] % g_tokenizers.size()];
  const bool parse_special = (data[0] & 0x80) != 0;
  const bool skip_special = (data[0] & 0x40) != 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const int32_t vocab = t.tokenizer->vocab_size();

  // encode
  auto enc = t.tokenizer->encode(text, parse_special);
  if (valid_utf8(text)) {
    DD_FUZZ_CHECK(enc.ok(), enc.ok() ? "" : enc.error().message().c_str());
    for (TokenId id : *enc) DD_FUZZ_CHECK(id >= 0 && id < vocab, t.name.c_str());
    bool representable = t.lossless;
    for (unsigned char c : text) representable = representable && t.byte_in_vocab[c];
    if (representable) {
      auto dec = t.tokenizer->decode(*enc, false);
      DD_FUZZ_CHECK(dec.ok(), "decode of encoded ids");
      DD_FUZZ_CHECK(*dec == text, "round trip");
    }
  } else {
    DD_FUZZ_CHECK(!enc.ok() && enc.error().kind == ErrorKind::kTokenizationFailed,
                  "invalid UTF-8 must give TokenizationFailed");
  }

  // decode and stream arbitrary ids (16-bit LE; a few past the vocabulary)
  std::vector<TokenId> ids, in_range;
  for (size_t i = 1; i + 1 < size; i += 2) {
    const auto v = static_cast<TokenId>(data[i] | (data[i + 1] << 8));
    const TokenId id = v % (vocab + 4);
    ids.push_back(id);
    if (id < vocab) in_range.push_back(id);
  }
  auto all = t.tokenizer->decode(ids, skip_special);
  if (ids.size() != in_range.size()) {
    DD_FUZZ_CHECK(!all.ok() && all.error().kind == ErrorKind::kTokenizationFailed,
                  "decode with an id out of range");
  } else {
    DD_FUZZ_CHECK(all.ok(), "decode of ids in range");
  }
  auto expected = t.tokenizer->decode(in_range, true);
  DD_FUZZ_CHECK(expected.ok(), "decode of ids in range (skip_special)");
  StreamingDecoder stream(*t.tokenizer, true);
  std::string streamed;
  for (TokenId id : ids) {
    const std::string piece = stream.push(id);
    DD_FUZZ_CHECK(valid_utf8(piece), "streamed piece is not UTF-8");
    streamed += piece;
    (void)t.tokenizer->token_bytes(id);
    (void)t.tokenizer->token_string(id);
    (void)t.tokenizer->is_special(id);
  }
  streamed += stream.flush();
  // The decoder holds back at most 64 ids (tokenizer.h, known limits): past that, a garbage run
  // of byte tokens is emitted in parts, which decode() of the whole run may render differently.
  if (ids.size() < 64) {
    DD_FUZZ_CHECK(streamed == *expected, "streamed text != decode(ids, skip_special)");
  }
  return 0;
}
