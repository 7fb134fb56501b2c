#include "dailydrug/llm/bundle.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <type_traits>
#include <vector>

#include "dailydrug/llm/model.h"
#include "sha256.h"

namespace dailydrug::llm {

namespace fs = std::filesystem;
using nlohmann::json;

Result<std::string> sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::asset_copy_failed(path, "cannot open for reading");
  Sha256 sha;
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    sha.update(buf.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return Error::asset_copy_failed(path, "read error");
  std::string digest = sha.hex();
  if (digest.empty()) return Error::asset_copy_failed(path, "SHA-256 unavailable");
  return digest;
}

namespace {

constexpr int64_t kBundleFormatVersion = 1;  // FORMAT_VERSION in tools/export/…/bundle.py

// A value for an error message: never throws, at most 40 bytes.
std::string short_dump(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

// An integer JSON value that fits T (also written as 512.0). nlohmann's get<int>() would also take
// 3.7 (truncated), 1e300 (undefined behaviour: a float-to-integer conversion out of range) and
// 2^40 (wrapped to 0).
template <typename T>
bool integer_in_range(const json& v, T& out) {
  if (v.is_number_float()) {
    const double d = v.get<double>();
    // (double)max + 1 is exactly 2^bits for every T here, so the bound is exclusive and exact.
    if (!(d >= static_cast<double>(std::numeric_limits<T>::min()) &&
          d < static_cast<double>(std::numeric_limits<T>::max()) + 1.0) ||
        std::trunc(d) != d) {
      return false;
    }
    out = static_cast<T>(d);
    return true;
  }
  if (v.is_number_unsigned()) {
    const auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) return false;
    out = static_cast<T>(u);
    return true;
  }
  if (!v.is_number_integer()) return false;
  const auto i = v.get<int64_t>();
  if constexpr (std::is_signed_v<T>) {
    if (i < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
        i > static_cast<int64_t>(std::numeric_limits<T>::max())) {
      return false;
    }
  } else {
    if (i < 0) return false;
  }
  out = static_cast<T>(i);
  return true;
}

// Typed readers: a wrong type or range names the key.
template <typename T>
Status read(const json& j, const char* key, T& out, bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return Error::configuration_invalid(key, "missing");
    return Status::Ok();
  }
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (!integer_in_range(*it, out)) {
      return Error::configuration_invalid(key, "not an integer in range: " + short_dump(*it));
    }
    return Status::Ok();
  } else if constexpr (std::is_floating_point_v<T>) {
    // A number (not a bool, which get<float>() would turn into 1.0) that fits T: converting a
    // larger double to float is undefined behaviour.
    const double d = it->is_number() ? it->get<double>() : std::numeric_limits<double>::quiet_NaN();
    if (!(d >= -static_cast<double>(std::numeric_limits<T>::max()) &&
          d <= static_cast<double>(std::numeric_limits<T>::max()))) {
      return Error::configuration_invalid(key, "not a finite number in range: " + short_dump(*it));
    }
    out = static_cast<T>(d);
    return Status::Ok();
  } else if constexpr (std::is_same_v<T, std::vector<TokenId>>) {
    if (!it->is_array()) return Error::configuration_invalid(key, "not an array");
    std::vector<TokenId> ids;
    for (const auto& v : *it) {
      TokenId id = 0;
      if (!integer_in_range(v, id)) {
        return Error::configuration_invalid(key, "not a token id: " + short_dump(v));
      }
      ids.push_back(id);
    }
    out = std::move(ids);
    return Status::Ok();
  } else {
    try {
      out = it->get<T>();
    } catch (const json::exception& e) {
      return Error::configuration_invalid(key, std::string("wrong type: ") + e.what());
    }
    return Status::Ok();
  }
}

Status check(bool ok, const char* key, const char* why) {
  return ok ? Status::Ok() : Status(Error::configuration_invalid(key, why));
}

Status parse_template(const json& j, ChatTemplate& t) {
  if (!j.is_object()) return Error::configuration_invalid("chat_template", "must be an object");
  DD_RETURN_IF_ERROR(read(j, "name", t.name, true));
  DD_RETURN_IF_ERROR(read(j, "prefix", t.prefix, false));
  DD_RETURN_IF_ERROR(read(j, "system", t.system, true));
  DD_RETURN_IF_ERROR(read(j, "user", t.user, true));
  DD_RETURN_IF_ERROR(read(j, "assistant", t.assistant, true));
  DD_RETURN_IF_ERROR(read(j, "generation_prompt", t.generation_prompt, true));
  DD_RETURN_IF_ERROR(read(j, "system_in_first_user", t.system_in_first_user, false));
  DD_RETURN_IF_ERROR(read(j, "default_system", t.default_system, false));
  DD_RETURN_IF_ERROR(read(j, "stop_strings", t.stop_strings, false));
  return Status::Ok();
}

}  // namespace

Result<BundleConfig> ModelBundle::parse_config(const std::string& json_text) {
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Error::configuration_invalid("model_config.json", "not a JSON object");
  }
  BundleConfig c;
  // The bundle format this runtime reads (tools/export writes it); a bundle without the key is
  // from before it was written and has the same layout.
  int64_t format_version = kBundleFormatVersion;
  DD_RETURN_IF_ERROR(read(j, "format_version", format_version, false));
  if (format_version != kBundleFormatVersion) {
    return Error::configuration_invalid(
        "format_version", "unsupported bundle format " + std::to_string(format_version) +
                              " (this runtime reads " + std::to_string(kBundleFormatVersion) +
                              "); export the bundle again");
  }
  DD_RETURN_IF_ERROR(read(j, "model_name", c.model_name, true));
  DD_RETURN_IF_ERROR(read(j, "model_file", c.model_file, true));
  DD_RETURN_IF_ERROR(read(j, "tokenizer_file", c.tokenizer_file, true));
  DD_RETURN_IF_ERROR(read(j, "vocab_size", c.vocab_size, true));
  DD_RETURN_IF_ERROR(read(j, "context_length", c.context_length, true));
  DD_RETURN_IF_ERROR(read(j, "max_tokens", c.max_tokens, false));
  DD_RETURN_IF_ERROR(read(j, "quantization", c.quantization, false));
  DD_RETURN_IF_ERROR(read(j, "lora_enabled", c.lora_enabled, false));
  DD_RETURN_IF_ERROR(read(j, "lora_path", c.lora_path, false));
  DD_RETURN_IF_ERROR(read(j, "temperature", c.sampling.temperature, false));
  DD_RETURN_IF_ERROR(read(j, "top_k", c.sampling.top_k, false));
  DD_RETURN_IF_ERROR(read(j, "top_p", c.sampling.top_p, false));
  DD_RETURN_IF_ERROR(read(j, "repetition_penalty", c.sampling.repetition_penalty, false));
  DD_RETURN_IF_ERROR(read(j, "system_prompt", c.system_prompt, false));
  if (auto m = j.find("memory_settings"); m != j.end() && !m->is_null()) {
    if (!m->is_object()) return Error::configuration_invalid("memory_settings", "not an object");
    DD_RETURN_IF_ERROR(read(*m, "max_cache_tokens", c.max_cache_tokens, false));
    DD_RETURN_IF_ERROR(read(*m, "min_memory_mb", c.min_memory_mb, false));
    DD_RETURN_IF_ERROR(read(*m, "recommended_memory_mb", c.recommended_memory_mb, false));
  }
  if (auto p = j.find("performance_settings"); p != j.end() && !p->is_null()) {
    if (!p->is_object()) {
      return Error::configuration_invalid("performance_settings", "not an object");
    }
    DD_RETURN_IF_ERROR(read(*p, "default_threads", c.default_threads, false));
    DD_RETURN_IF_ERROR(read(*p, "enable_kv_cache", c.enable_kv_cache, false));
  }
  if (auto b = j.find("bos_id"); b != j.end() && !b->is_null()) {
    TokenId id = 0;
    if (!integer_in_range(*b, id)) return Error::configuration_invalid("bos_id", "not an integer");
    c.bos_id = id;
  }
  DD_RETURN_IF_ERROR(read(j, "eos_ids", c.eos_ids, false));
  DD_RETURN_IF_ERROR(read(j, "stop_strings", c.stop_strings, false));
  DD_RETURN_IF_ERROR(read(j, "languages", c.languages, false));
  DD_RETURN_IF_ERROR(read(j, "kv_cache_buffers", c.kv_cache_buffers, false));
  if (auto t = j.find("chat_template"); t != j.end() && !t->is_null()) {
    DD_RETURN_IF_ERROR(parse_template(*t, c.chat_template));
  } else {
    c.chat_template = ChatTemplate::raw();
  }
  if (auto f = j.find("files"); f != j.end()) {
    if (!f->is_array()) return Error::configuration_invalid("files", "not an array");
    for (const auto& e : *f) {
      BundleFile bf;
      if (!e.is_object()) return Error::configuration_invalid("files", "entry not an object");
      DD_RETURN_IF_ERROR(read(e, "path", bf.path, true));
      DD_RETURN_IF_ERROR(read(e, "role", bf.role, false));
      DD_RETURN_IF_ERROR(read(e, "size_bytes", bf.size_bytes, true));
      DD_RETURN_IF_ERROR(read(e, "sha256", bf.sha256, true));
      if (bf.path.empty() || bf.path.find('/') != std::string::npos || bf.path == ".." ||
          bf.path == ".") {
        return Error::configuration_invalid("files.path", "must be a plain file name");
      }
      if (bf.sha256.size() != 64) return Error::configuration_invalid("files.sha256", "not hex");
      c.files.push_back(std::move(bf));
    }
  } else {
    return Error::configuration_invalid("files", "missing (sizes and SHA-256 of every file)");
  }
  // Ranges, as DailyDrug's validateConfig does, widened where the runtime allows more.
  DD_RETURN_IF_ERROR(check(c.vocab_size > 0, "vocab_size", "must be > 0"));
  DD_RETURN_IF_ERROR(check(c.context_length > 0, "context_length", "must be > 0"));
  DD_RETURN_IF_ERROR(
      check(c.max_tokens >= 1 && c.max_tokens <= 8192, "max_tokens", "must be in [1, 8192]"));
  DD_RETURN_IF_ERROR(
      check(c.max_cache_tokens > 0, "memory_settings.max_cache_tokens", "must be > 0"));
  if (c.default_threads != -1 && (c.default_threads < 1 || c.default_threads > kMaxThreads)) {
    return Error::configuration_invalid(
        "performance_settings.default_threads",
        "must be -1 or in [1, " + std::to_string(kMaxThreads) + "]");
  }
  DD_RETURN_IF_ERROR(c.sampling.validate());
  DD_RETURN_IF_ERROR(
      check(c.kv_cache_buffers.size() <= 4096, "kv_cache_buffers", "more than 4096 names"));
  for (const auto& name : c.kv_cache_buffers) {
    DD_RETURN_IF_ERROR(check(!name.empty() && name.size() <= 256, "kv_cache_buffers",
                             "a name must have 1 to 256 characters"));
  }
  for (TokenId id : c.eos_ids) {
    DD_RETURN_IF_ERROR(check(id >= 0 && id < c.vocab_size, "eos_ids", "id out of vocabulary"));
  }
  if (c.bos_id) {
    DD_RETURN_IF_ERROR(
        check(*c.bos_id >= 0 && *c.bos_id < c.vocab_size, "bos_id", "id out of vocabulary"));
  }
  auto listed = [&](const std::string& name) {
    for (const auto& f : c.files) {
      if (f.path == name) return true;
    }
    return false;
  };
  DD_RETURN_IF_ERROR(check(listed(c.model_file), "model_file", "not listed in files"));
  DD_RETURN_IF_ERROR(check(listed(c.tokenizer_file), "tokenizer_file", "not listed in files"));
  if (c.lora_enabled) {  // a separate adapter .ptd (a merged adapter leaves lora_enabled false)
    bool adapter_listed = false;
    for (const auto& f : c.files) adapter_listed |= f.path == c.lora_path && f.role == "adapter";
    DD_RETURN_IF_ERROR(check(adapter_listed, "lora_path",
                             "lora_enabled needs lora_path to name a file listed with role "
                             "\"adapter\""));
  }
  return c;
}

Result<ModelBundle> ModelBundle::open(const std::string& dir, Verify verify) {
  std::error_code ec;
  const fs::path root(dir);
  const fs::path cfg_path = root / "model_config.json";
  if (!fs::is_directory(root, ec)) return Error::model_not_found(dir);
  if (!fs::is_regular_file(cfg_path, ec)) return Error::model_not_found(cfg_path.string());
  std::ifstream in(cfg_path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  ModelBundle b;
  b.dir_ = dir;
  DD_ASSIGN_OR_RETURN(b.config_, parse_config(ss.str()));
  for (const auto& f : b.config_.files) {
    const fs::path p = root / f.path;
    if (!fs::is_regular_file(p, ec)) {
      return Error::model_corrupted(p.string(), "listed in model_config.json but missing");
    }
    const auto size = fs::file_size(p, ec);
    if (ec || size != f.size_bytes) {
      return Error::model_corrupted(
          p.string(), "size " + std::to_string(size) + " != " + std::to_string(f.size_bytes));
    }
    const bool data_file = f.role == "data" || f.role == "adapter";
    if (verify == Verify::kFull || data_file) {
      DD_ASSIGN_OR_RETURN(std::string digest, sha256_file(p.string()));
      if (digest != f.sha256) return Error::model_corrupted(p.string(), "SHA-256 mismatch");
    }
  }
  return b;
}

std::string ModelBundle::program_path() const {
  return (fs::path(dir_) / config_.model_file).string();
}
std::string ModelBundle::tokenizer_path() const {
  return (fs::path(dir_) / config_.tokenizer_file).string();
}
std::vector<std::string> ModelBundle::data_paths() const {
  std::vector<std::string> out;
  for (const auto& f : config_.files) {
    if (f.role == "data" || f.role == "adapter") out.push_back((fs::path(dir_) / f.path).string());
  }
  return out;
}
uint64_t ModelBundle::total_size_bytes() const {
  uint64_t n = 0;
  for (const auto& f : config_.files) n += f.size_bytes;
  return n;
}

}  // namespace dailydrug::llm
