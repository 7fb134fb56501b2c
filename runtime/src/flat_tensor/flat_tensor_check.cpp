// Compiled with the flatbuffers, flat_tensor_flatbuffer and executorch_flatbuffer namespaces
// renamed (CMakeLists.txt): Debian's FlatBuffers 2.0.8 headers and the code generated from them
// must not share symbol names with the FlatBuffers copy compiled into ExecuTorch's libraries.
#include "flat_tensor_check.h"

#include <flatbuffers/flatbuffers.h>

#include <array>
#include <cstring>
#include <fstream>
#include <limits>
#include <vector>

#include "flat_tensor_generated.h"

namespace dailydrug::llm::flat_tensor {

namespace {

constexpr size_t kHeaderOffset = 8;          // the extended header follows root offset + identifier
constexpr uint32_t kHeaderLength = 40;       // magic, length, 4 x uint64
constexpr size_t kMaxHeadBytes = 64u << 20;  // a flatbuffer bigger than this is not a .ptd we made

uint32_t le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}
uint64_t le64(const uint8_t* p) {
  return static_cast<uint64_t>(le32(p)) | static_cast<uint64_t>(le32(p + 4)) << 32;
}

struct Header {
  uint64_t flatbuffer_offset, flatbuffer_size, segment_base_offset, segment_data_size;
};

// Bytes per element of a tensor layout's scalar type; 0 for sub-byte packed types (not sized).
size_t element_size(dd_executorch_fb::ScalarType t) {
  using S = dd_executorch_fb::ScalarType;
  switch (t) {
    case S::BYTE:
    case S::CHAR:
    case S::BOOL:
    case S::QINT8:
    case S::QUINT8:
    case S::FLOAT8E5M2:
    case S::FLOAT8E4M3FN:
    case S::FLOAT8E5M2FNUZ:
    case S::FLOAT8E4M3FNUZ:
      return 1;
    case S::SHORT:
    case S::HALF:
    case S::BFLOAT16:
    case S::BITS16:
    case S::UINT16:
      return 2;
    case S::INT:
    case S::FLOAT:
    case S::QINT32:
    case S::UINT32:
      return 4;
    case S::LONG:
    case S::DOUBLE:
    case S::UINT64:
      return 8;
    default:
      return 0;
  }
}

std::string check_header(const uint8_t* head, size_t head_size, uint64_t file_size, Header& h) {
  if (head_size < kHeaderOffset + kHeaderLength) return "too short for a FlatTensor header";
  if (std::memcmp(head + 4, "FT", 2) != 0) return "no FlatTensor file identifier";
  const uint8_t* eh = head + kHeaderOffset;
  if (std::memcmp(eh, "FH01", 4) != 0) return "no FlatTensor header (FH01)";
  if (le32(eh + 4) < kHeaderLength) return "FlatTensor header too short";
  h = {le64(eh + 8), le64(eh + 16), le64(eh + 24), le64(eh + 32)};
  const auto fits = [&](uint64_t off, uint64_t len) {
    return off <= file_size && len <= file_size - off;
  };
  if (!fits(h.flatbuffer_offset, h.flatbuffer_size)) return "flatbuffer outside the file";
  if (!fits(h.segment_base_offset, h.segment_data_size)) return "segment data outside the file";
  if (h.segment_base_offset < h.flatbuffer_offset + h.flatbuffer_size) {
    return "segment data overlaps the flatbuffer";
  }
  if (h.flatbuffer_offset + h.flatbuffer_size > kMaxHeadBytes) return "flatbuffer too large";
  return {};
}

}  // namespace

std::string check_head(const uint8_t* head, size_t head_size, uint64_t file_size) {
  Header h{};
  if (std::string e = check_header(head, head_size, file_size, h); !e.empty()) return e;
  const size_t fb_end = static_cast<size_t>(h.flatbuffer_offset + h.flatbuffer_size);
  if (head_size < fb_end) return "flatbuffer cut short";

  // The flatbuffer starts at byte 0 (its root offset and identifier precede the header).
  dd_fb::Verifier verifier(head, fb_end);
  if (!dd_flat_tensor_fb::VerifyFlatTensorBuffer(verifier)) {
    return "FlatTensor flatbuffer fails verification";
  }
  const auto* ft = dd_flat_tensor_fb::GetFlatTensor(head);
  const auto* segments = ft->segments();
  const size_t n_segments = segments != nullptr ? segments->size() : 0;
  for (size_t i = 0; i < n_segments; ++i) {
    const auto* s = segments->Get(static_cast<dd_fb::uoffset_t>(i));
    if (s == nullptr) return "segment " + std::to_string(i) + " missing";
    if (s->offset() > h.segment_data_size || s->size() > h.segment_data_size - s->offset()) {
      return "segment " + std::to_string(i) + " outside the segment data";
    }
  }
  if (const auto* named = ft->named_data()) {
    for (size_t i = 0; i < named->size(); ++i) {
      const auto* nd = named->Get(static_cast<dd_fb::uoffset_t>(i));
      if (nd == nullptr || nd->key() == nullptr) {
        return "named data " + std::to_string(i) + " has no key";
      }
      if (nd->segment_index() >= n_segments) {
        return "named data '" + nd->key()->str() + "' names segment " +
               std::to_string(nd->segment_index()) + " of " + std::to_string(n_segments);
      }
      const auto* layout = nd->tensor_layout();
      if (layout == nullptr) continue;
      const auto* sizes = layout->sizes();
      const auto* order = layout->dim_order();
      const size_t rank = sizes != nullptr ? sizes->size() : 0;
      if ((order != nullptr ? order->size() : 0) != rank) {
        return "tensor '" + nd->key()->str() + "' has dim_order and sizes of different ranks";
      }
      uint64_t numel = 1;
      std::vector<bool> seen(rank, false);
      for (size_t d = 0; d < rank; ++d) {
        const int32_t n = sizes->Get(static_cast<dd_fb::uoffset_t>(d));
        const uint8_t o = order->Get(static_cast<dd_fb::uoffset_t>(d));
        if (n < 0) return "tensor '" + nd->key()->str() + "' has a negative size";
        if (o >= rank || seen[o]) return "tensor '" + nd->key()->str() + "' has a bad dim_order";
        seen[o] = true;
        if (n != 0 && numel > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(n)) {
          return "tensor '" + nd->key()->str() + "' is too large";
        }
        numel *= static_cast<uint64_t>(n);
      }
      const size_t es = element_size(layout->scalar_type());
      const auto* seg = segments->Get(nd->segment_index());
      if (es != 0 && numel > seg->size() / es) {
        return "tensor '" + nd->key()->str() + "' needs more bytes than its segment holds";
      }
    }
  }
  return {};
}

std::string check_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "cannot open";
  const auto end = in.tellg();
  if (end < 0) return "cannot read";
  const uint64_t file_size = static_cast<uint64_t>(end);
  std::array<uint8_t, kHeaderOffset + kHeaderLength> first{};
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(first.data()), first.size())) {
    return "too short for a FlatTensor header";
  }
  Header h{};
  if (std::string e = check_header(first.data(), first.size(), file_size, h); !e.empty()) return e;
  std::vector<uint8_t> head(static_cast<size_t>(h.flatbuffer_offset + h.flatbuffer_size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()))) {
    return "cannot read the flatbuffer";
  }
  return check_head(head.data(), head.size(), file_size);
}

}  // namespace dailydrug::llm::flat_tensor
