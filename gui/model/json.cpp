#include "gui/model/json.h"

#include <cctype>
#include <charconv>

namespace zablab::gui {

namespace {
const JsonValue& null_value() {
  static const JsonValue kNull;
  return kNull;
}
}  // namespace

class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : s_(text) {}

  bool value(JsonValue& out, int depth) {
    if (depth > 64) return false;
    ws();
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      out.type_ = JsonValue::Type::string;
      return string(out.text_);
    }
    if (literal("true")) {
      out.type_ = JsonValue::Type::boolean;
      out.boolean_ = true;
      return true;
    }
    if (literal("false")) {
      out.type_ = JsonValue::Type::boolean;
      return true;
    }
    if (literal("null")) return true;
    return number(out);
  }

  bool done() {
    ws();
    return i_ == s_.size();
  }

 private:
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  bool number(JsonValue& out) {
    const std::size_t start = i_;
    while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' || s_[i_] == '+' ||
                              s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E'))
      ++i_;
    if (i_ == start) return false;
    out.type_ = JsonValue::Type::number;
    out.text_ = std::string(s_.substr(start, i_ - start));
    return true;
  }
  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  static void utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  bool string(std::string& out) {
    ++i_;  // opening quote
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) return false;
      const char e = s_[i_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          if (i_ + 4 > s_.size()) return false;
          unsigned cp = 0;
          for (int k = 0; k < 4; ++k) {
            const int d = hex_digit(s_[i_++]);
            if (d < 0) return false;
            cp = cp * 16 + static_cast<unsigned>(d);
          }
          utf8(out, cp);
          break;
        }
        default: out += e; break;  // \" \\ \/
      }
    }
    return false;
  }
  bool array(JsonValue& out, int depth) {
    out.type_ = JsonValue::Type::array;
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return true;
    }
    for (;;) {
      JsonValue v;
      if (!value(v, depth + 1)) return false;
      out.elements_.push_back(std::move(v));
      ws();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] == ']') {
        ++i_;
        return true;
      }
      return false;
    }
  }
  bool object(JsonValue& out, int depth) {
    out.type_ = JsonValue::Type::object;
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return true;
    }
    for (;;) {
      ws();
      if (i_ >= s_.size() || s_[i_] != '"') return false;
      std::string key;
      if (!string(key)) return false;
      ws();
      if (i_ >= s_.size() || s_[i_] != ':') return false;
      ++i_;
      JsonValue v;
      if (!value(v, depth + 1)) return false;
      out.members_.emplace_back(std::move(key), std::move(v));
      ws();
      if (i_ >= s_.size()) return false;
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] == '}') {
        ++i_;
        return true;
      }
      return false;
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

JsonValue JsonValue::parse(std::string_view text) {
  JsonParser p(text);
  JsonValue v;
  if (!p.value(v, 0) || !p.done()) return JsonValue();
  return v;
}

const JsonValue& JsonValue::operator[](std::string_view key) const {
  for (const auto& [k, v] : members_)
    if (k == key) return v;
  return null_value();
}

bool JsonValue::has(std::string_view key) const {
  for (const auto& [k, v] : members_)
    if (k == key) return true;
  return false;
}

const JsonValue& JsonValue::at(std::size_t index) const {
  return index < elements_.size() ? elements_[index] : null_value();
}

std::size_t JsonValue::size() const { return type_ == Type::array ? elements_.size() : members_.size(); }

std::optional<std::int64_t> parse_int(std::string_view text) {
  bool negative = false;
  if (!text.empty() && text[0] == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  const auto v = static_cast<std::int64_t>(value);
  return negative ? -v : v;
}

std::optional<std::int64_t> JsonValue::as_int() const {
  if (type_ != Type::number && type_ != Type::string) return std::nullopt;
  return parse_int(text_);
}

std::string JsonValue::str() const {
  switch (type_) {
    case Type::string:
    case Type::number:
      return text_;
    case Type::boolean:
      return boolean_ ? "true" : "false";
    default:
      return {};
  }
}

namespace {
void quote(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char* kHex = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}
void dump_into(std::string& out, const JsonValue& v) {
  switch (v.type()) {
    case JsonValue::Type::null: out += "null"; break;
    case JsonValue::Type::boolean:
    case JsonValue::Type::number: out += v.str(); break;
    case JsonValue::Type::string: quote(out, v.str()); break;
    case JsonValue::Type::array: {
      out += '[';
      for (std::size_t i = 0; i < v.elements().size(); ++i) {
        if (i) out += ',';
        dump_into(out, v.elements()[i]);
      }
      out += ']';
      break;
    }
    case JsonValue::Type::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, m] : v.members()) {
        if (!first) out += ',';
        first = false;
        quote(out, k);
        out += ':';
        dump_into(out, m);
      }
      out += '}';
      break;
    }
  }
}
}  // namespace

std::string JsonValue::dump() const {
  std::string out;
  dump_into(out, *this);
  return out;
}

}  // namespace zablab::gui
