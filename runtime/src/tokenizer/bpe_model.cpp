#include "bpe_model.h"

#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <queue>

#include "dailydrug/llm/utf8.h"
#include "tokenizer_json.h"

namespace dailydrug::llm::tok {

using nlohmann::json;

Result<std::unique_ptr<BpeModel>> BpeModel::from_json(const json& j, BpeTables* tables) {
  auto m = std::unique_ptr<BpeModel>(new BpeModel());
  if (tables != nullptr && !tables->error.empty()) {
    return Error::tokenizer_not_initialized(tables->error);
  }
  // The vocabulary as (token, id) pairs: captured in file order (a later duplicate wins, as in
  // the DOM), or from the DOM.
  std::vector<std::pair<std::string, int64_t>> from_dom;
  std::vector<std::pair<std::string, int64_t>>* entries = &from_dom;
  if (tables != nullptr && tables->has_vocab) {
    entries = &tables->vocab;
  } else {
    const json& vocab = j.at("vocab");
    if (!vocab.is_object()) return Error::tokenizer_not_initialized("BPE vocab is not an object");
    from_dom.reserve(vocab.size());
    for (const auto& [token, idj] : vocab.items()) from_dom.emplace_back(token, idj.get<int64_t>());
  }
  TokenId max_id = -1;
  m->vocab_.reserve(entries->size());
  for (auto& [token, id] : *entries) {
    if (id < 0 || id > INT32_MAX - 1) {
      return Error::tokenizer_not_initialized("BPE vocab id out of range for '" + token + "'");
    }
    m->vocab_.insert_or_assign(std::move(token), static_cast<TokenId>(id));
    max_id = std::max(max_id, static_cast<TokenId>(id));
  }
  if (max_id >= 0 && static_cast<size_t>(max_id) > 4 * m->vocab_.size() + 1024) {
    return Error::tokenizer_not_initialized("BPE vocab ids are implausibly sparse");
  }
  m->id_to_key_.assign(static_cast<size_t>(max_id) + 1, -1);
  for (size_t k = 0; k < m->vocab_.size(); ++k) {
    // Tokens sharing an id: the greatest string names it, whatever the order of the table.
    int32_t& named = m->id_to_key_[static_cast<size_t>(m->vocab_.id(k))];
    if (named < 0 || m->vocab_.key(k) > m->vocab_.key(static_cast<size_t>(named))) {
      named = static_cast<int32_t>(k);
    }
  }

  auto opt_string = [&](const char* key) {
    return (j.contains(key) && j.at(key).is_string()) ? j.at(key).get<std::string>()
                                                      : std::string();
  };
  m->continuing_subword_prefix_ = opt_string("continuing_subword_prefix");
  m->end_of_word_suffix_ = opt_string("end_of_word_suffix");
  const std::string unk = opt_string("unk_token");
  // tokenizers fails only when an unknown character actually meets a missing unk token; a
  // missing unk then drops the character, which is what we do by leaving unk_id_ empty.
  if (!unk.empty()) m->unk_id_ = m->vocab_.find(unk);
  auto opt_bool = [&](const char* key) {
    return j.contains(key) && j.at(key).is_boolean() && j.at(key).get<bool>();
  };
  m->fuse_unk_ = opt_bool("fuse_unk");
  m->byte_fallback_ = opt_bool("byte_fallback");
  m->ignore_merges_ = opt_bool("ignore_merges");
  m->byte_ids_.resize(256);
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    m->byte_ids_[b] = m->vocab_.find(std::string_view(name));
  }

  // The merges as (a, b) pairs: captured, or from the DOM ("a b" strings or ["a", "b"] arrays).
  std::vector<std::pair<std::string, std::string>> merges_from_dom;
  const std::vector<std::pair<std::string, std::string>>* merge_list = &merges_from_dom;
  if (tables != nullptr && tables->has_merges) {
    merge_list = &tables->merges;
  } else if (j.contains("merges")) {
    for (const json& mj : j.at("merges")) {
      if (mj.is_string()) {  // legacy "a b" form
        const std::string s = mj.get<std::string>();
        const size_t sp = s.find(' ');
        if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos) {
          return Error::tokenizer_not_initialized("malformed BPE merge '" + s + "'");
        }
        merges_from_dom.emplace_back(s.substr(0, sp), s.substr(sp + 1));
      } else if (mj.is_array() && mj.size() == 2) {
        merges_from_dom.emplace_back(mj.at(0).get<std::string>(), mj.at(1).get<std::string>());
      } else {
        return Error::tokenizer_not_initialized("malformed BPE merge " + mj.dump());
      }
    }
  }
  DD_RETURN_IF_ERROR(m->add_merges(*merge_list));
  return m;
}

Status BpeModel::add_merges(const std::vector<std::pair<std::string, std::string>>& merges) {
  const size_t prefix_len = continuing_subword_prefix_.size();
  merges_.reserve(merges.size());
  std::string merged;  // reused: most merges then need no allocation
  int32_t rank = 0;
  for (const auto& [a, b] : merges) {
    const auto ia = vocab_.find(a), ib = vocab_.find(b);
    if (!ia || !ib) {
      return Error::tokenizer_not_initialized("BPE merge token not in vocab: '" + a + "' '" + b +
                                              "'");
    }
    merged.assign(a);
    if (b.size() >= prefix_len) merged.append(b, prefix_len);
    const auto im = vocab_.find(merged);
    if (!im) {
      return Error::tokenizer_not_initialized("BPE merge result not in vocab: '" + merged + "'");
    }
    merges_.insert_or_assign(*ia, *ib, MergeValue{rank++, *im});  // later duplicates win
  }
  return Status::Ok();
}

std::optional<TokenId> BpeModel::token_to_id(std::string_view token) const {
  return vocab_.find(token);
}

const std::string* BpeModel::id_to_token(TokenId id) const {
  if (id < 0 || static_cast<size_t>(id) >= id_to_key_.size() || id_to_key_[id] < 0) {
    return nullptr;
  }
  return &vocab_.key(static_cast<size_t>(id_to_key_[id]));
}

std::vector<TokenId> BpeModel::merge_word(std::string_view word) const {
  struct Symbol {
    TokenId id;
    int prev;
    int next;
    bool alive;
  };
  std::vector<Symbol> syms;
  syms.reserve(word.size());
  auto add = [&](TokenId id) {
    const int idx = static_cast<int>(syms.size());
    if (!syms.empty()) syms.back().next = idx;
    syms.push_back({id, idx - 1, -1, true});
  };

  // Initial symbols: one per character (with prefix/suffix), as tokenizers' merge_word.
  TokenId pending_unk = -1;  // an unknown-token run not added yet (-1: none)
  std::string s;
  size_t i = 0;
  while (i < word.size()) {
    const size_t len = utf8_char_len(static_cast<unsigned char>(word[i]));
    const bool first = i == 0, last = i + len >= word.size();
    s.clear();
    if (!first) s += continuing_subword_prefix_;
    s.append(word.substr(i, len));
    if (last) s += end_of_word_suffix_;
    i += len;
    if (const auto id = vocab_.find(s)) {
      if (pending_unk >= 0) {
        add(pending_unk);
        pending_unk = -1;
      }
      add(*id);
      continue;
    }
    if (byte_fallback_) {
      bool all = true;
      for (const char c : s) all = all && byte_ids_[static_cast<uint8_t>(c)].has_value();
      if (all) {
        // tokenizers leaves a pending unk pending here (it is flushed at the next hit).
        for (const char c : s) add(*byte_ids_[static_cast<uint8_t>(c)]);
        continue;
      }
    }
    if (unk_id_) {
      if (pending_unk >= 0 && !fuse_unk_) add(pending_unk);
      pending_unk = *unk_id_;
    }
  }
  if (pending_unk >= 0) add(pending_unk);

  // Rank-ordered merging with a min-heap of (rank, position); stale entries are skipped.
  struct Cand {
    int32_t rank;
    int pos;
    TokenId new_id;
    bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Cand, std::vector<Cand>, std::greater<>> heap;
  for (size_t k = 0; k + 1 < syms.size(); ++k) {
    if (const MergeValue* mv = merges_.find(syms[k].id, syms[k + 1].id)) {
      heap.push({mv->rank, static_cast<int>(k), mv->new_id});
    }
  }
  while (!heap.empty()) {
    const Cand top = heap.top();
    heap.pop();
    Symbol& cur = syms[static_cast<size_t>(top.pos)];
    if (!cur.alive || cur.next < 0) continue;
    const int right_idx = cur.next;
    const Symbol right = syms[static_cast<size_t>(right_idx)];
    const MergeValue* now = merges_.find(cur.id, right.id);
    if (now == nullptr || now->new_id != top.new_id) continue;
    cur.id = top.new_id;
    cur.next = right.next;
    syms[static_cast<size_t>(right_idx)].alive = false;
    if (right.next >= 0) syms[static_cast<size_t>(right.next)].prev = top.pos;
    if (cur.prev >= 0) {
      if (const MergeValue* mv = merges_.find(syms[static_cast<size_t>(cur.prev)].id, cur.id)) {
        heap.push({mv->rank, cur.prev, mv->new_id});
      }
    }
    if (cur.next >= 0) {
      if (const MergeValue* mv = merges_.find(cur.id, syms[static_cast<size_t>(cur.next)].id)) {
        heap.push({mv->rank, top.pos, mv->new_id});
      }
    }
  }
  std::vector<TokenId> ids;
  ids.reserve(syms.size());
  for (const Symbol& sym : syms) {
    if (sym.alive) ids.push_back(sym.id);
  }
  return ids;
}

void BpeModel::tokenize(std::string_view word, std::vector<TokenId>& out) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    if (const auto id = vocab_.find(word)) {
      out.push_back(*id);
      return;
    }
  }
  const bool cacheable = word.size() <= kMaxCachedWordBytes;
  if (cacheable) {
    std::shared_lock lock(cache_mu_);
    if (auto it = cache_.find(word); it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<TokenId> ids = merge_word(word);
  out.insert(out.end(), ids.begin(), ids.end());
  if (cacheable) {
    std::unique_lock lock(cache_mu_);
    if (cache_.size() < kCacheCapacity) cache_.emplace(std::string(word), std::move(ids));
  }
}

}  // namespace dailydrug::llm::tok
