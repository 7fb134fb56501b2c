#include "hf_tokenizer.h"

#include <nlohmann/json.hpp>

#include "dailydrug/llm/utf8.h"
#include "loaders.h"

namespace dailydrug::llm::tok {

using nlohmann::json;

Result<std::unique_ptr<HfTokenizer>> HfTokenizer::from_json(const json& j, BpeTables* bpe) {
  if (!j.is_object()) return Error::tokenizer_not_initialized("tokenizer.json is not an object");
  // The file format version: the reference package reads "1.0" only (and files without one).
  if (j.contains("version") && j.at("version") != "1.0") {
    return Error::tokenizer_not_initialized(
        "unknown tokenizer.json version " +
        j.at("version").dump(-1, ' ', false, json::error_handler_t::replace) +
        " (only \"1.0\" is supported)");
  }
  if (!j.contains("model") || !j.at("model").is_object()) {
    return Error::tokenizer_not_initialized("tokenizer.json has no \"model\" object");
  }
  std::unique_ptr<HfTokenizer> t(new HfTokenizer());
  const json& model = j.at("model");
  std::string type;
  if (model.contains("type")) {
    type = model.at("type").get<std::string>();
  } else if (model.contains("merges")) {
    type = "BPE";  // very old files have an untagged BPE model
  }
  if (type != "BPE") {
    return Error::tokenizer_not_initialized("unsupported tokenizer.json model type '" + type +
                                            "' (only BPE is supported)");
  }
  DD_ASSIGN_OR_RETURN(t->model_, BpeModel::from_json(model, bpe));
  auto field = [&](const char* key) -> const json& {
    static const json kNull;
    return j.contains(key) ? j.at(key) : kNull;
  };
  DD_ASSIGN_OR_RETURN(t->normalizer_, make_normalizer(field("normalizer")));
  DD_ASSIGN_OR_RETURN(t->pre_tokenizer_, make_pre_tokenizer(field("pre_tokenizer")));
  DD_ASSIGN_OR_RETURN(t->decoder_, make_decoder(field("decoder")));

  t->vocab_size_ = t->model_->size();
  const json& added = field("added_tokens");
  if (!added.is_null() && !added.is_array()) {
    return Error::tokenizer_not_initialized("\"added_tokens\" is not an array");
  }
  for (const json& a : added.is_array() ? added : json::array()) {
    AddedToken tok;
    const int64_t id = a.at("id").get<int64_t>();
    if (id < 0 || id > INT32_MAX - 1) return Error::tokenizer_not_initialized("added token id");
    tok.id = static_cast<TokenId>(id);
    tok.content = a.at("content").get<std::string>();
    tok.single_word = a.value("single_word", false);
    tok.lstrip = a.value("lstrip", false);
    tok.rstrip = a.value("rstrip", false);
    tok.normalized = a.value("normalized", true);
    tok.special = a.value("special", false);
    t->vocab_size_ = std::max(t->vocab_size_, tok.id + 1);
    t->added_.push_back(std::move(tok));
  }
  std::vector<std::string> raw_patterns, norm_patterns;
  std::vector<const AddedToken*> raw_tokens, norm_tokens;
  for (size_t i = 0; i < t->added_.size(); ++i) {
    const AddedToken& tok = t->added_[i];
    t->added_[i].decoded = tok.content;
    t->added_index_[tok.id] = i;
    t->added_by_content_.emplace(tok.content, tok.id);
    if (tok.normalized) {
      // A normalized token is looked for in normalized text, so in its normalized form.
      std::string pattern = tok.content;
      if (t->normalizer_) {
        DD_ASSIGN_OR_RETURN(pattern, t->normalizer_->normalize(std::move(pattern)));
      }
      t->added_[i].decoded = pattern;
      norm_patterns.push_back(std::move(pattern));
      norm_tokens.push_back(&tok);
    } else {
      raw_patterns.push_back(tok.content);
      raw_tokens.push_back(&tok);
    }
  }
  t->raw_matcher_ = AddedTokenMatcher(std::move(raw_patterns), std::move(raw_tokens));
  t->normalized_matcher_ = AddedTokenMatcher(std::move(norm_patterns), std::move(norm_tokens));
  t->find_bos_eos(field("post_processor"));
  return t;
}

void HfTokenizer::find_bos_eos(const json& pp) {
  auto special_id = [&](const json& processor, const std::string& name) -> std::optional<TokenId> {
    if (processor.contains("special_tokens")) {
      const json& st = processor.at("special_tokens");
      if (st.contains(name) && st.at(name).contains("ids") && !st.at(name).at("ids").empty()) {
        return st.at(name).at("ids").at(0).get<TokenId>();
      }
    }
    return token_to_id(name);
  };
  std::vector<const json*> stack;
  if (pp.is_object()) stack.push_back(&pp);
  while (!stack.empty()) {
    const json& p = *stack.back();
    stack.pop_back();
    const std::string type = p.value("type", std::string());
    if (type == "Sequence" && p.contains("processors")) {
      for (const json& sub : p.at("processors")) stack.push_back(&sub);
    } else if (type == "TemplateProcessing" && p.contains("single")) {
      bool seen_a = false;
      for (const json& item : p.at("single")) {
        if (item.contains("Sequence")) {
          seen_a = true;
        } else if (item.contains("SpecialToken")) {
          const auto id = special_id(p, item.at("SpecialToken").at("id").get<std::string>());
          if (!seen_a && !bos_) bos_ = id;
          if (seen_a && !eos_) eos_ = id;
        }
      }
    } else if (type == "RobertaProcessing" || type == "BertProcessing") {
      if (!bos_ && p.contains("cls")) bos_ = p.at("cls").at(1).get<TokenId>();
      if (!eos_ && p.contains("sep")) eos_ = p.at("sep").at(1).get<TokenId>();
    }
  }
  auto first_added = [&](std::initializer_list<const char*> names) -> std::optional<TokenId> {
    for (const char* n : names) {
      if (auto it = added_by_content_.find(std::string_view(n)); it != added_by_content_.end()) {
        return it->second;
      }
    }
    return std::nullopt;
  };
  if (!bos_) bos_ = first_added({"<|begin_of_text|>", "<s>", "<bos>", "<|endoftext|>"});
  if (!eos_) {
    eos_ = first_added(
        {"<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "</s>", "<eos>", "<|endoftext|>"});
  }
}

const AddedToken* HfTokenizer::added_by_id(TokenId id) const {
  auto it = added_index_.find(id);
  return it == added_index_.end() ? nullptr : &added_[it->second];
}

const std::string* HfTokenizer::lookup(TokenId id) const {
  if (const AddedToken* a = added_by_id(id)) return &a->decoded;
  return model_->id_to_token(id);
}

Status HfTokenizer::encode_plain(std::string_view piece, bool at_origin, bool parse_special,
                                 std::vector<TokenId>& ids) const {
  if (piece.empty()) return Status::Ok();
  std::string normalized(piece);
  if (normalizer_) {
    DD_ASSIGN_OR_RETURN(normalized, normalizer_->normalize(std::move(normalized)));
  }
  std::vector<Piece> pieces;
  for (const AddedSplit& s : normalized_matcher_.split(normalized, parse_special)) {
    if (s.id >= 0) {
      // Flush the text gathered so far first, so the ids keep the input order.
      if (!pieces.empty()) {
        if (pre_tokenizer_) DD_RETURN_IF_ERROR(pre_tokenizer_->pre_tokenize(pieces));
        for (const Piece& p : pieces) model_->tokenize(p.text, ids);
        pieces.clear();
      }
      ids.push_back(s.id);
    } else if (s.end > s.begin) {
      pieces.push_back({normalized.substr(s.begin, s.end - s.begin), at_origin && s.begin == 0});
    }
  }
  if (!pieces.empty()) {
    if (pre_tokenizer_) DD_RETURN_IF_ERROR(pre_tokenizer_->pre_tokenize(pieces));
    for (const Piece& p : pieces) model_->tokenize(p.text, ids);
  }
  return Status::Ok();
}

Result<std::vector<TokenId>> HfTokenizer::encode(std::string_view text, bool parse_special) const {
  if (const size_t bad = first_invalid_utf8(text); bad != std::string_view::npos) {
    return Error::tokenization_failed("encode: input is not valid UTF-8",
                                      "ill-formed sequence at byte " + std::to_string(bad));
  }
  std::vector<TokenId> ids;
  ids.reserve(text.size() / 3 + 4);
  for (const AddedSplit& s : raw_matcher_.split(text, parse_special)) {
    if (s.id >= 0) {
      ids.push_back(s.id);
    } else {
      DD_RETURN_IF_ERROR(
          encode_plain(text.substr(s.begin, s.end - s.begin), s.begin == 0, parse_special, ids));
    }
  }
  return ids;
}

Result<std::string> HfTokenizer::decode(std::span<const TokenId> ids, bool skip_special) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const TokenId id : ids) {
    const std::string* s = lookup(id);
    if (s == nullptr) {
      return Error::tokenization_failed(
          "decode: token id " + std::to_string(id) + " is out of range",
          "vocab_size " + std::to_string(vocab_size_));
    }
    if (skip_special) {
      if (const AddedToken* a = added_by_id(id); a && a->special) continue;
    }
    tokens.push_back(*s);
  }
  if (!decoder_) {
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i) out.push_back(' ');
      out += tokens[i];
    }
    return out;
  }
  DD_RETURN_IF_ERROR(decoder_->decode_chain(tokens, DecodeMode{}));
  std::string out;
  for (const std::string& t : tokens) out += t;
  return out;
}

std::string HfTokenizer::token_bytes(TokenId id) const {
  const std::string* s = lookup(id);
  if (s == nullptr) return {};
  if (!decoder_) return " " + *s;  // tokens are joined with spaces
  std::vector<std::string> tokens{*s};
  if (!decoder_->decode_chain(tokens, DecodeMode{false, true}).ok()) return *s;
  std::string out;
  for (const std::string& t : tokens) out += t;
  return out;
}

std::string HfTokenizer::token_string(TokenId id) const {
  const std::string* s = lookup(id);
  return s ? *s : std::string();
}

std::optional<TokenId> HfTokenizer::token_to_id(std::string_view token) const {
  if (auto it = added_by_content_.find(token); it != added_by_content_.end()) return it->second;
  return model_->token_to_id(token);
}

bool HfTokenizer::is_special(TokenId id) const {
  const AddedToken* a = added_by_id(id);
  return a != nullptr && a->special;
}

Result<std::unique_ptr<Tokenizer>> load_hf_tokenizer(std::string_view json_text) {
  try {
    TokenizerJson parsed = parse_tokenizer_json(json_text);
    DD_ASSIGN_OR_RETURN(auto t, HfTokenizer::from_json(parsed.dom, &parsed.bpe));
    return std::unique_ptr<Tokenizer>(std::move(t));
  } catch (const json::exception& e) {
    return Error::tokenizer_not_initialized(std::string("invalid tokenizer.json: ") + e.what());
  } catch (const std::exception& e) {
    return Error::tokenizer_not_initialized(std::string("cannot load tokenizer.json: ") + e.what());
  }
}

}  // namespace dailydrug::llm::tok
