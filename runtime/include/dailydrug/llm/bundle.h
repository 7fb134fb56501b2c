// ModelBundle: a folder with model.pte (+ .ptd), the tokenizer file and model_config.json in
// DailyDrug's format (written by tools/export). Opening it parses and range-checks the config and
// checks every listed file's size and the SHA-256 of the .ptd data files, and with Verify::kFull
// the SHA-256 of every file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dailydrug/llm/chat_template.h"
#include "dailydrug/llm/error.h"
#include "dailydrug/llm/sampler.h"
#include "dailydrug/llm/tokenizer.h"

namespace dailydrug::llm {

struct BundleFile {
  std::string path;  // relative to the bundle folder
  std::string role;  // "program" | "tokenizer" | "data" | "adapter"
  uint64_t size_bytes = 0;
  std::string sha256;  // lowercase hex
};

/// model_config.json. DailyDrug's keys keep their names; the rest is what the runtime needs.
struct BundleConfig {
  std::string model_name;
  std::string model_file;
  std::string tokenizer_file;
  int64_t vocab_size = 0;
  int64_t context_length = 0;
  int64_t max_tokens = 512;
  std::string quantization;
  bool lora_enabled = false;
  std::string lora_path;
  SamplingConfig sampling;  // temperature, top_k, top_p, repetition_penalty
  std::string system_prompt;
  int64_t max_cache_tokens = 1024;    // memory_settings
  int64_t min_memory_mb = 0;          // memory_settings
  int64_t recommended_memory_mb = 0;  // memory_settings
  int32_t default_threads = -1;       // performance_settings
  bool enable_kv_cache = true;        // performance_settings
  std::optional<TokenId> bos_id;
  std::vector<TokenId> eos_ids;
  std::vector<std::string> stop_strings;
  /// The languages the model writes ("ko", "en"; model_config.json "languages"); empty when the
  /// bundle declares none.
  std::vector<std::string> languages;
  ChatTemplate chat_template;
  std::vector<BundleFile> files;
  /// The program's KV cache buffers by name ("kv_cache_buffers"), for prefix snapshots; empty
  /// when the program does not name them.
  std::vector<std::string> kv_cache_buffers;
};

class ModelBundle {
 public:
  /// kQuick: every listed file's size, and the SHA-256 of the .ptd data files (role "data" or
  /// "adapter"). ExecuTorch 1.5.1 verifies a .pte's flatbuffer before using it, but its FlatTensor
  /// loader does not verify a .ptd, and some corrupt .ptd files crash it (docs/RELIABILITY.md);
  /// hashing them costs ~0.14 s per 250 MB (SHA-NI). kFull: the SHA-256 of every file.
  enum class Verify { kQuick, kFull };

  /// Open the bundle folder `dir`. Errors: ModelNotFound (no folder or no model_config.json),
  /// ConfigurationInvalid(key) for a malformed or out-of-range config, ModelCorrupted(file) when
  /// a listed file is missing, has the wrong size or the wrong SHA-256 (see Verify).
  static Result<ModelBundle> open(const std::string& dir, Verify verify = Verify::kQuick);

  /// Parse model_config.json text (no file checks). Errors: ConfigurationInvalid(key).
  static Result<BundleConfig> parse_config(const std::string& json_text);

  const std::string& dir() const { return dir_; }
  const BundleConfig& config() const { return config_; }
  std::string program_path() const;
  std::string tokenizer_path() const;
  std::vector<std::string> data_paths() const;  // .ptd files, in listed order
  uint64_t total_size_bytes() const;

 private:
  std::string dir_;
  BundleConfig config_;
};

/// SHA-256 of a file as lowercase hex (streamed, 1 MiB chunks). Errors: AssetCopyFailed(path).
Result<std::string> sha256_file(const std::string& path);

}  // namespace dailydrug::llm
