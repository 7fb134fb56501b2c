// Fuzz target: our structural check of .ptd files (runtime/src/flat_tensor), which runs on
// untrusted bytes before ExecuTorch sees them. Invariants: any bytes give "accepted" or a reason,
// never a crash or an out-of-bounds read (ASan), whatever the claimed file size; an accepted head
// is accepted again when the file is claimed to be larger (the check never reads past the head).
#include <cstddef>
#include <cstdint>
#include <string>

#include "flat_tensor_check.h"
#include "fuzz_check.h"

using dailydrug::llm::flat_tensor::check_head;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string verdict = check_head(data, size, size);
  if (verdict.empty()) {
    DD_FUZZ_CHECK(check_head(data, size, uint64_t{size} + 4096).empty(),
                  "an accepted file must stay accepted with more bytes behind it");
  }
  (void)check_head(data, size, uint64_t{1} << 62);  // a claimed size far beyond the bytes given
  return 0;
}
