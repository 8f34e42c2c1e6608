#include "core/util/log_text.h"

namespace zablab::util {
namespace {

void append_hex(std::string& out, unsigned char byte) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out += "\\x";
  out += kDigits[byte >> 4];
  out += kDigits[byte & 0xF];
}

// Length of the well-formed UTF-8 sequence at text[i] (2..4), or 0 if there is none. Overlong
// forms, surrogates and code points above U+10FFFF are not well-formed.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = at(i);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
  return n;
}

// C1 controls (U+0080..U+009F) and the Unicode line / paragraph separators break lines too.
bool breaks_lines(std::string_view seq) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(seq[k]); };
  if (seq.size() == 2 && b(0) == 0xC2 && b(1) <= 0x9F) return true;
  return seq.size() == 3 && b(0) == 0xE2 && b(1) == 0x80 && (b(2) == 0xA8 || b(2) == 0xA9);
}

std::string bounded(std::string_view text, std::size_t max_bytes, bool strict) {
  const std::string_view head = text.substr(0, max_bytes);
  std::string out;
  out.reserve(head.size() + 16);
  for (std::size_t i = 0; i < head.size();) {
    const auto byte = static_cast<unsigned char>(head[i]);
    if (byte < 0x20 || byte == 0x7F) {
      if (strict && byte == '\n') {
        out += "\\n";
      } else if (strict && byte == '\r') {
        out += "\\r";
      } else if (strict && byte == '\t') {
        out += "\\t";
      } else {
        append_hex(out, byte);
      }
      ++i;
      continue;
    }
    if (byte < 0x80 || !strict) {
      if (strict && byte == '\\') out += '\\';
      out += static_cast<char>(byte);
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence(head, i);
    if (n == 0 || breaks_lines(head.substr(i, n))) {
      append_hex(out, byte);  // the following bytes are judged on their own
      ++i;
      continue;
    }
    out.append(head.substr(i, n));
    i += n;
  }
  if (text.size() > max_bytes) out += "...(" + std::to_string(text.size()) + " bytes)";
  return out;
}

}  // namespace

std::string loggable(std::string_view untrusted, std::size_t max_bytes) {
  return bounded(untrusted, max_bytes, /*strict=*/true);
}

std::string one_line(std::string_view message, std::size_t max_bytes) {
  return bounded(message, max_bytes, /*strict=*/false);
}

}  // namespace zablab::util
