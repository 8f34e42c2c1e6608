#include "core/jute/records.h"

namespace zablab::jute::detail {

void json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (b == '"' || b == '\\') {
      out += '\\';
      out += c;
    } else if (b >= 0x20 && b < 0x7F) {
      out += c;
    } else {
      // Byte-wise, not UTF-8 decoding: data is arbitrary bytes, and this keeps it lossless.
      out += "\\u00";
      out += hex[b >> 4];
      out += hex[b & 0xF];
    }
  }
  out += '"';
}

}  // namespace zablab::jute::detail
