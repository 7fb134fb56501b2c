// Error handling of load_tokenizer(), encode() and decode(): every bad input gives a typed
// error, never a crash or an exception.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "dailydrug/llm/tokenizer.h"

namespace dailydrug::llm {
namespace {

namespace fs = std::filesystem;

std::string work_dir() {
  std::string d = std::string(DD_TEST_WORK_DIR) + "/tokenizer_errors";
  fs::create_directories(d);
  return d;
}

std::string write_file(const std::string& name, const std::string& data) {
  std::string path = work_dir() + "/" + name;
  std::ofstream(path, std::ios::binary) << data;
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A tiny byte-level BPE tokenizer.json: vocab a, b, ab, Ġ plus one special token.
std::string tiny_json(const std::string& model_type = "BPE", const std::string& extra = "") {
  return R"({"version":"1.0","added_tokens":[{"id":4,"content":"<|end|>","single_word":false,)"
         R"("lstrip":false,"rstrip":false,"normalized":false,"special":true}],)"
         R"("normalizer":null,"pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,)"
         R"("trim_offsets":true,"use_regex":true},"post_processor":null,)"
         R"("decoder":{"type":"ByteLevel"},)" +
         extra + R"("model":{"type":")" + model_type +
         R"(","vocab":{"a":0,"b":1,"ab":2,"Ġ":3},"merges":[["a","b"]]}})";
}

// `s` with the first `from` replaced by `to` (which must be there).
std::string replaced(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

void expect_kind(const Result<std::unique_ptr<Tokenizer>>& r, ErrorKind kind,
                 const std::string& cause_part = "") {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, kind) << r.error().message();
  if (!cause_part.empty()) {
    EXPECT_NE(r.error().message().find(cause_part), std::string::npos) << r.error().message();
  }
}

TEST(TokenizerErrors, MissingFileIsModelNotFound) {
  const std::string path = work_dir() + "/does_not_exist.json";
  auto r = load_tokenizer(path);
  expect_kind(r, ErrorKind::kTokenizerModelNotFound, "does_not_exist.json");
  EXPECT_EQ(r.error().subject, path);
  expect_kind(load_tokenizer(work_dir()), ErrorKind::kTokenizerModelNotFound, "directory");
}

TEST(TokenizerErrors, EmptyFile) {
  expect_kind(load_tokenizer(write_file("empty.json", "")), ErrorKind::kTokenizerNotInitialized,
              "empty");
  expect_kind(load_tokenizer(write_file("blank.json", " \n\t ")),
              ErrorKind::kTokenizerNotInitialized);
}

TEST(TokenizerErrors, TruncatedJson) {
  const std::string full =
      read_file(std::string(DD_TEST_DATA_DIR) + "/smollm2-135m-instruct/tokenizer.json");
  ASSERT_GT(full.size(), 100000u);
  for (const size_t n : {size_t{1}, size_t{2}, size_t{1000}, full.size() / 2, full.size() - 2}) {
    expect_kind(load_tokenizer(write_file("truncated.json", full.substr(0, n))),
                ErrorKind::kTokenizerNotInitialized, "tokenizer.json");
  }
  // The untruncated file loads, so the failures above are about truncation.
  EXPECT_TRUE(load_tokenizer(write_file("full.json", full)).ok());
}

TEST(TokenizerErrors, RandomBytes) {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::string data(1 + rng() % 4096, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    if (round % 3 == 0) data[0] = 0x0A;  // looks like the start of a SentencePiece ModelProto
    auto r = load_tokenizer(write_file("random.bin", data));
    expect_kind(r, ErrorKind::kTokenizerNotInitialized);
  }
}

TEST(TokenizerErrors, WrongJsonShapes) {
  for (const std::string& bad :
       {std::string("[]"), std::string("{}"), std::string("{\"model\": 3}"),
        std::string(R"({"model":{"type":"BPE","vocab":[1,2],"merges":[]}})"),
        std::string(R"({"model":{"type":"BPE","vocab":{"a":0},"merges":[["a","zz"]]}})"),
        std::string(R"({"model":{"type":"BPE","vocab":{"a":0},"merges":["a"]}})"),
        std::string(R"({"model":{"type":"BPE","vocab":{"a":-5},"merges":[]}})"),
        std::string(R"({"model":{"type":"BPE","vocab":{"a":0}},"added_tokens":{}})"),
        std::string(R"({"model":{"type":"BPE","vocab":{"a":0}},"added_tokens":[{"id":1}]})")}) {
    expect_kind(load_tokenizer(write_file("shape.json", bad)), ErrorKind::kTokenizerNotInitialized);
  }
  EXPECT_TRUE(load_tokenizer(write_file("tiny.json", tiny_json())).ok());
}

TEST(TokenizerErrors, UnsupportedComponentsAreNamed) {
  expect_kind(load_tokenizer(write_file("wp.json", tiny_json("WordPiece"))),
              ErrorKind::kTokenizerNotInitialized, "WordPiece");
  expect_kind(load_tokenizer(write_file("unk.json", tiny_json("MadeUpModel"))),
              ErrorKind::kTokenizerNotInitialized, "MadeUpModel");
  const std::string j = tiny_json();
  expect_kind(load_tokenizer(
                  write_file("norm.json", replaced(j, R"("normalizer":null)",
                                                   R"("normalizer":{"type":"BertNormalizer"})"))),
              ErrorKind::kTokenizerNotInitialized, "BertNormalizer");
  expect_kind(load_tokenizer(write_file(
                  "dec.json", replaced(j, R"("decoder":{"type":"ByteLevel"})",
                                       R"("decoder":{"type":"WordPiece","prefix":"##"})"))),
              ErrorKind::kTokenizerNotInitialized, "WordPiece");
  expect_kind(load_tokenizer(
                  write_file("pre.json", replaced(j, R"("pre_tokenizer":{"type":"ByteLevel")",
                                                  R"("pre_tokenizer":{"type":"UnicodeScripts")"))),
              ErrorKind::kTokenizerNotInitialized, "UnicodeScripts");
  expect_kind(
      load_tokenizer(write_file(
          "regex.json",
          replaced(
              j, R"("normalizer":null)",
              R"("normalizer":{"type":"Replace","pattern":{"Regex":"(unclosed"},"content":""})"))),
      ErrorKind::kTokenizerNotInitialized, "(unclosed");
}

// Random byte flips, deletions and insertions in a tokenizer.json that uses most component
// types: loading either works or fails with TokenizerNotInitialized, and a loaded tokenizer
// encodes and decodes without crashing.
TEST(TokenizerErrors, MutatedJsonNeverCrashes) {
  const std::string base = replaced(
      replaced(
          tiny_json(), R"("normalizer":null)",
          R"("normalizer":{"type":"Sequence","normalizers":[{"type":"NFKC"},)"
          R"({"type":"Lowercase"},{"type":"Replace","pattern":{"Regex":"\\s+"},"content":" "},)"
          R"({"type":"Prepend","prepend":"_"},{"type":"Strip","strip_left":true,"strip_right":true}]})"),
      R"("decoder":{"type":"ByteLevel"})",
      R"("decoder":{"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":"_"},)"
      R"("content":" "},{"type":"ByteFallback"},{"type":"Fuse"},)"
      R"({"type":"Strip","content":" ","start":1,"stop":0}]})");
  {
    auto r = load_tokenizer(write_file("base.json", base));
    ASSERT_TRUE(r.ok()) << r.error().message();
  }
  std::mt19937 rng(7);
  const std::string charset = "{}[]\":,0123456789-abtruefalsenul \\";
  int loaded = 0;
  for (int round = 0; round < 400; ++round) {
    std::string m = base;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k) {
      const size_t at = rng() % m.size();
      switch (rng() % 3) {
        case 0:
          m[at] = charset[rng() % charset.size()];
          break;
        case 1:
          m.erase(at, 1 + rng() % 8);
          break;
        default:
          m.insert(at, 1, charset[rng() % charset.size()]);
          break;
      }
    }
    auto r = load_tokenizer(write_file("mutated.json", m));
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind, ErrorKind::kTokenizerNotInitialized) << m;
      continue;
    }
    ++loaded;
    const Tokenizer& t = **r;
    auto ids = t.encode("ab  AB <|end|> \xea\xb0\x80 ba", true);
    if (ids.ok()) (void)t.decode(*ids, true);
    StreamingDecoder sd(t);
    for (TokenId id = -1; id < t.vocab_size() && id < 8; ++id) (void)sd.push(id);
    (void)sd.flush();
  }
  EXPECT_GT(loaded, 10);  // the mutations must not all be rejected outright
}

class TokenizerErrorsOnModels : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string p = GetParam();
    const std::string path =
        p == "tiny"      ? write_file("tiny.json", tiny_json())
        : p == "smollm2" ? std::string(DD_TEST_DATA_DIR) + "/smollm2-135m-instruct/tokenizer.json"
                         : std::string(DD_TEST_WORK_DIR) + "/tokenizer/" + p;
    auto r = load_tokenizer(path);
    ASSERT_TRUE(r.ok()) << r.error().message();
    tok_ = std::move(r).value();
  }
  std::unique_ptr<Tokenizer> tok_;
};

TEST_P(TokenizerErrorsOnModels, InvalidUtf8IsTokenizationFailed) {
  for (const std::string& bad : {
           std::string("\xff\xfe"), std::string("\x80"), std::string("abc\x80xyz"),
           std::string("\xc0\xaf"),              // overlong '/'
           std::string("\xe0\x80\xaf"),          // overlong, 3 bytes
           std::string("\xed\xa0\x80"),          // UTF-16 surrogate
           std::string("\xf4\x90\x80\x80"),      // above U+10FFFF
           std::string("\xea\xb0"),              // truncated 가
           std::string("ok \xea\xb0\x80 \xea"),  // valid then truncated at the end
           std::string("\xf8\x88\x80\x80\x80"),  // 5-byte form
       }) {
    for (const bool special : {true, false}) {
      auto r = tok_->encode(bad, special);
      ASSERT_FALSE(r.ok()) << GetParam();
      EXPECT_EQ(r.error().kind, ErrorKind::kTokenizationFailed);
    }
  }
  auto ok = tok_->encode("ab\xea\xb0\x80", true);  // valid UTF-8 including 가
  EXPECT_TRUE(ok.ok());
}

TEST_P(TokenizerErrorsOnModels, OutOfRangeIds) {
  const int32_t n = tok_->vocab_size();
  ASSERT_GT(n, 0);
  for (const TokenId bad : {-1, n, n + 1000, INT32_MAX, INT32_MIN}) {
    const std::vector<TokenId> ids{0, bad};
    for (const bool skip : {true, false}) {
      auto r = tok_->decode(ids, skip);
      ASSERT_FALSE(r.ok()) << bad;
      EXPECT_EQ(r.error().kind, ErrorKind::kTokenizationFailed);
    }
    EXPECT_EQ(tok_->token_bytes(bad), "");
    EXPECT_EQ(tok_->token_string(bad), "");
    EXPECT_FALSE(tok_->is_special(bad));
  }
  // Streaming ignores them rather than failing the whole stream.
  StreamingDecoder sd(*tok_, true);
  std::string out = sd.push(-1) + sd.push(n);
  out += sd.flush();
  EXPECT_EQ(out, "");
  auto empty = tok_->decode(std::vector<TokenId>{}, false);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

INSTANTIATE_TEST_SUITE_P(Models, TokenizerErrorsOnModels,
                         ::testing::Values("tiny", "smollm2", "llama2_style.tokenizer.json",
                                           "spm_bpe.model", "spm_unigram.model"));

}  // namespace
}  // namespace dailydrug::llm
