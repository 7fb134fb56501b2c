// load_tokenizer(): reads the file and picks the back end by content, not by name.
#include <sys/stat.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "dailydrug/llm/tokenizer.h"
#include "loaders.h"

namespace dailydrug::llm {

Result<std::unique_ptr<Tokenizer>> load_tokenizer(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Error::tokenizer_model_not_found(path, std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return Error::tokenizer_model_not_found(path, "is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::tokenizer_model_not_found(path, "cannot open for reading");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Error::tokenizer_model_not_found(path, "read error");
  const std::string data = std::move(buf).str();
  if (data.empty()) return Error::tokenizer_not_initialized(path + ": empty file");

  // JSON starts with '{' after optional whitespace / BOM; a ModelProto starts with a field tag
  // (0x0A for its repeated `pieces`), never with '{' or whitespace.
  size_t i = 0;
  if (data.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
  while (i < data.size() &&
         (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')) {
    ++i;
  }
  Result<std::unique_ptr<Tokenizer>> r =
      (i < data.size() && (data[i] == '{' || data[i] == '['))
          ? tok::load_hf_tokenizer(std::string_view(data).substr(i))
          : tok::load_sentencepiece(data);
  if (!r.ok()) return Error::tokenizer_not_initialized(path + ": " + r.error().cause);
  return r;
}

}  // namespace dailydrug::llm
