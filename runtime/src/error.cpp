#include "dailydrug/llm/error.h"

namespace dailydrug::llm {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kModelLoadFailed:
      return "ModelLoadFailed";
    case ErrorKind::kModelNotFound:
      return "ModelNotFound";
    case ErrorKind::kModelCorrupted:
      return "ModelCorrupted";
    case ErrorKind::kTokenizerNotInitialized:
      return "TokenizerNotInitialized";
    case ErrorKind::kTokenizerModelNotFound:
      return "TokenizerModelNotFound";
    case ErrorKind::kTokenizationFailed:
      return "TokenizationFailed";
    case ErrorKind::kInsufficientMemory:
      return "InsufficientMemory";
    case ErrorKind::kGenerationTimeout:
      return "GenerationTimeout";
    case ErrorKind::kGenerationFailed:
      return "GenerationFailed";
    case ErrorKind::kInferenceNotInitialized:
      return "InferenceNotInitialized";
    case ErrorKind::kAssetCopyFailed:
      return "AssetCopyFailed";
    case ErrorKind::kConfigurationInvalid:
      return "ConfigurationInvalid";
    case ErrorKind::kContextLengthExceeded:
      return "ContextLengthExceeded";
  }
  return "Unknown";
}

namespace {
std::string with_cause(std::string head, const std::string& cause) {
  if (!cause.empty()) head += " (" + cause + ")";
  return head;
}
}  // namespace

std::string Error::message() const {
  switch (kind) {
    case ErrorKind::kModelLoadFailed:
      return with_cause("model load failed", cause);
    case ErrorKind::kModelNotFound:
      return "model not found: " + subject;
    case ErrorKind::kModelCorrupted:
      return with_cause("model corrupted: " + subject, cause);
    case ErrorKind::kTokenizerNotInitialized:
      return with_cause("tokenizer not initialized", cause);
    case ErrorKind::kTokenizerModelNotFound:
      return with_cause("tokenizer model not found: " + subject, cause);
    case ErrorKind::kTokenizationFailed:
      return with_cause("tokenization failed: " + subject, cause);
    case ErrorKind::kInsufficientMemory:
      return "insufficient memory: " + std::to_string(expected) + " MB required, " +
             std::to_string(actual) + " MB available";
    case ErrorKind::kGenerationTimeout:
      return "generation timed out after " + std::to_string(expected) + " ms";
    case ErrorKind::kGenerationFailed:
      return with_cause("generation failed: " + subject, cause);
    case ErrorKind::kInferenceNotInitialized:
      return with_cause("inference not initialized", cause);
    case ErrorKind::kAssetCopyFailed:
      return with_cause("asset copy failed: " + subject, cause);
    case ErrorKind::kConfigurationInvalid:
      return with_cause("invalid configuration: " + subject, cause);
    case ErrorKind::kContextLengthExceeded:
      return "context length exceeded: " + std::to_string(actual) + " tokens, at most " +
             std::to_string(expected);
  }
  return with_cause("unknown error: " + subject, cause);
}

Error Error::model_load_failed(std::string cause) {
  return {ErrorKind::kModelLoadFailed, {}, std::move(cause)};
}
Error Error::model_not_found(std::string model_path) {
  return {ErrorKind::kModelNotFound, std::move(model_path), {}};
}
Error Error::model_corrupted(std::string model_path, std::string cause) {
  return {ErrorKind::kModelCorrupted, std::move(model_path), std::move(cause)};
}
Error Error::tokenizer_not_initialized(std::string cause) {
  return {ErrorKind::kTokenizerNotInitialized, {}, std::move(cause)};
}
Error Error::tokenizer_model_not_found(std::string path, std::string cause) {
  return {ErrorKind::kTokenizerModelNotFound, std::move(path), std::move(cause)};
}
Error Error::tokenization_failed(std::string details, std::string cause) {
  return {ErrorKind::kTokenizationFailed, std::move(details), std::move(cause)};
}
Error Error::insufficient_memory(int64_t required_mb, int64_t available_mb) {
  return {ErrorKind::kInsufficientMemory, {}, {}, required_mb, available_mb};
}
Error Error::generation_timeout(int64_t timeout_ms) {
  return {ErrorKind::kGenerationTimeout, {}, {}, timeout_ms, 0};
}
Error Error::generation_failed(std::string details, std::string cause) {
  return {ErrorKind::kGenerationFailed, std::move(details), std::move(cause)};
}
Error Error::inference_not_initialized(std::string cause) {
  return {ErrorKind::kInferenceNotInitialized, {}, std::move(cause)};
}
Error Error::asset_copy_failed(std::string asset_name, std::string cause) {
  return {ErrorKind::kAssetCopyFailed, std::move(asset_name), std::move(cause)};
}
Error Error::configuration_invalid(std::string config_key, std::string cause) {
  return {ErrorKind::kConfigurationInvalid, std::move(config_key), std::move(cause)};
}
Error Error::context_length_exceeded(int64_t max_length, int64_t actual_length) {
  return {ErrorKind::kContextLengthExceeded, {}, {}, max_length, actual_length};
}

}  // namespace dailydrug::llm
