// SentencePiece `.model` tokenizer on Debian's libsentencepiece.
//
// Encoding and decoding are the library's own (BPE and unigram models alike). Control pieces
// (<s>, </s>) are what is_special() reports; the library never writes them when decoding, so
// decode() leaves them out whatever `skip_special` says, as the Python package does, and it
// never parses them out of text (parse_special has no effect; user-defined pieces are always
// matched by the library itself).
// Thread-safety: SentencePieceProcessor's const methods are thread-safe; nothing else mutates.
#include <sentencepiece_processor.h>

#include <memory>
#include <string>

#include "dailydrug/llm/utf8.h"
#include "loaders.h"

namespace dailydrug::llm::tok {
namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's space symbol

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

class SentencePieceTokenizer final : public Tokenizer {
 public:
  explicit SentencePieceTokenizer(std::unique_ptr<sentencepiece::SentencePieceProcessor> sp)
      : sp_(std::move(sp)) {}

  Result<std::vector<TokenId>> encode(std::string_view text,
                                      bool /*parse_special*/) const override {
    if (const size_t bad = first_invalid_utf8(text); bad != std::string_view::npos) {
      return Error::tokenization_failed("encode: input is not valid UTF-8",
                                        "ill-formed sequence at byte " + std::to_string(bad));
    }
    std::vector<int> ids;
    const auto status = sp_->Encode(text, &ids);
    if (!status.ok()) return Error::tokenization_failed("sentencepiece encode", status.ToString());
    return std::vector<TokenId>(ids.begin(), ids.end());
  }

  Result<std::string> decode(std::span<const TokenId> ids, bool /*skip_special*/) const override {
    const int n = sp_->GetPieceSize();
    for (const TokenId id : ids) {
      if (id < 0 || id >= n) {
        return Error::tokenization_failed(
            "decode: token id " + std::to_string(id) + " is out of range",
            "vocab_size " + std::to_string(n));
      }
    }
    std::string text;
    const auto status = sp_->Decode(std::vector<int>(ids.begin(), ids.end()), &text);
    if (!status.ok()) return Error::tokenization_failed("sentencepiece decode", status.ToString());
    return text;
  }

  std::string token_bytes(TokenId id) const override {
    if (id < 0 || id >= sp_->GetPieceSize() || sp_->IsControl(id)) return {};
    const std::string& piece = sp_->IdToPiece(id);
    if (sp_->IsByte(id) && piece.size() == 6) {
      const int hi = hex_digit(piece[3]), lo = hex_digit(piece[4]);
      if (hi >= 0 && lo >= 0) return std::string(1, static_cast<char>(hi * 16 + lo));
    }
    if (sp_->IsUnknown(id)) return " \xE2\x81\x87 ";  // the library's default unk surface
    std::string out;
    for (size_t i = 0; i < piece.size();) {
      if (piece.compare(i, kSpace.size(), kSpace) == 0) {
        out.push_back(' ');
        i += kSpace.size();
      } else {
        out.push_back(piece[i++]);
      }
    }
    return out;
  }

  std::string token_string(TokenId id) const override {
    if (id < 0 || id >= sp_->GetPieceSize()) return {};
    return sp_->IdToPiece(id);
  }

  std::optional<TokenId> token_to_id(std::string_view token) const override {
    const int id = sp_->PieceToId(token);  // gives unk_id for unknown pieces
    if (id < 0 || id >= sp_->GetPieceSize() || sp_->IdToPiece(id) != token) return std::nullopt;
    return id;
  }

  bool is_special(TokenId id) const override {
    return id >= 0 && id < sp_->GetPieceSize() && sp_->IsControl(id);
  }
  int32_t vocab_size() const override { return sp_->GetPieceSize(); }
  std::optional<TokenId> bos_id() const override { return valid(sp_->bos_id()); }
  std::optional<TokenId> eos_id() const override { return valid(sp_->eos_id()); }

 private:
  std::optional<TokenId> valid(int id) const {
    if (id < 0 || id >= sp_->GetPieceSize()) return std::nullopt;
    return id;
  }
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
};

}  // namespace

Result<std::unique_ptr<Tokenizer>> load_sentencepiece(std::string_view proto_bytes) {
  auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = sp->LoadFromSerializedProto(proto_bytes);
  if (!status.ok()) {
    return Error::tokenizer_not_initialized("not a SentencePiece model: " + status.ToString());
  }
  if (sp->GetPieceSize() <= 0) {
    return Error::tokenizer_not_initialized("SentencePiece model has no pieces");
  }
  return std::unique_ptr<Tokenizer>(new SentencePieceTokenizer(std::move(sp)));
}

}  // namespace dailydrug::llm::tok
