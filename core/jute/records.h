// Every jute record zablab speaks: client protocol, transactions, quorum and disk headers.
//
// A record is a plain struct (wire-order members with defaults) plus one field list, `fields`,
// which hands each member and its name to a visitor. Encoding, decoding and JSON all walk that one
// list, so the wire order is written down exactly once per record. See docs/formats/jute.md.
//
//   RequestHeader h{7, op::get_data};
//   std::string bytes = jute::encode(h);               // 00 00 00 07 00 00 00 04
//   auto back = jute::decode<RequestHeader>(bytes);    // throws DecodeError on bad input
//
// Field names are ZooKeeper's (zookeeper.jute) in snake_case, in declaration order.
#pragma once

#include <algorithm>
#include <charconv>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/jute/io.h"

namespace zablab::jute {

// ---------------------------------------------------------------------------------------------
// Field plumbing

// A bool that old peers leave off the end of the record (ConnectRequest/ConnectResponse readOnly).
// `present` is not on the wire: reading sets it from whether any byte was left, writing emits the
// byte only when it is set. Only meaningful as the last field of a top-level record.
template <class B>  // bool, or const bool when encoding
struct OptionalTail {
  B& value;
  B& present;
};
inline OptionalTail<bool> optional_tail(bool& value, bool& present) { return {value, present}; }
inline OptionalTail<const bool> optional_tail(const bool& value, const bool& present) {
  return {value, present};
}

// Anything with a `name` and a `fields` list is a record.
template <class T>
concept Record = requires { { T::name } -> std::convertible_to<std::string_view>; };

namespace detail {

template <class>
inline constexpr bool always_false = false;

template <class T>
struct vector_of {
  static constexpr bool value = false;
};
template <class E>
struct vector_of<std::vector<E>> {
  static constexpr bool value = true;
  using element = E;
};

template <class T>
struct tail_of {
  static constexpr bool value = false;
};
template <class B>
struct tail_of<OptionalTail<B>> {
  static constexpr bool value = true;
};

// The dotted name of the field being decoded ("GetACLResponse.acl[2].id.scheme"), kept in a fixed
// buffer so that decoding allocates nothing for names; it is only read if a DecodeError is thrown.
class FieldPath {
 public:
  explicit FieldPath(std::string_view root) { append(root); }
  std::size_t mark() const { return len_; }
  void reset(std::size_t mark) {
    len_ = mark;
    buf_[len_] = '\0';
  }
  void field(std::string_view name) {
    append(".");
    append(name);
  }
  void index(std::size_t i) {
    char digits[24];
    auto res = std::to_chars(digits, digits + sizeof digits, i);
    append("[");
    append(std::string_view(digits, static_cast<std::size_t>(res.ptr - digits)));
    append("]");
  }
  const char* c_str() const { return buf_; }

 private:
  void append(std::string_view s) {
    std::size_t n = std::min(s.size(), sizeof buf_ - 1 - len_);  // deep paths get cut, not overrun
    std::memcpy(buf_ + len_, s.data(), n);
    len_ += n;
    buf_[len_] = '\0';
  }
  char buf_[160];
  std::size_t len_ = 0;
};

// The fewest bytes one T can take on the wire; used to refuse vector counts the input cannot hold
// before reserving memory for them.
template <class T>
std::size_t min_wire_size() {
  if constexpr (std::is_same_v<T, std::int32_t>) {
    return 4;
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    return 8;
  } else if constexpr (std::is_same_v<T, bool>) {
    return 1;
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, Bytes> ||
                       vector_of<T>::value) {
    return 4;  // a length or count, which may be -1 or 0
  } else if constexpr (tail_of<T>::value) {
    return 0;
  } else if constexpr (Record<T>) {
    static const std::size_t size = [] {
      T probe{};
      std::size_t sum = 0;
      T::fields(probe, [&sum](std::string_view, auto&& f) {
        sum += min_wire_size<std::remove_cvref_t<decltype(f)>>();
      });
      return sum;
    }();
    return size;
  } else {
    static_assert(always_false<T>, "unsupported jute field type");
  }
}

template <class T>
void write_value(Writer& w, const T& v) {
  if constexpr (std::is_same_v<T, std::int32_t>) {
    w.i32(v);
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    w.i64(v);
  } else if constexpr (std::is_same_v<T, bool>) {
    w.boolean(v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    w.bytes(std::string_view(v));
  } else if constexpr (std::is_same_v<T, Bytes>) {
    w.bytes(v);
  } else if constexpr (vector_of<T>::value) {
    w.i32(static_cast<std::int32_t>(v.size()));
    for (const auto& e : v) write_value(w, e);
  } else if constexpr (tail_of<T>::value) {
    if (v.present) w.boolean(v.value);
  } else if constexpr (Record<T>) {
    T::fields(v, [&w](std::string_view, const auto& f) { write_value(w, f); });
  } else {
    static_assert(always_false<T>, "unsupported jute field type");
  }
}

template <class T>
void read_value(Reader& rd, T& v, FieldPath& path) {
  if constexpr (std::is_same_v<T, std::int32_t>) {
    v = rd.i32(path.c_str());
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    v = rd.i64(path.c_str());
  } else if constexpr (std::is_same_v<T, bool>) {
    v = rd.boolean(path.c_str());
  } else if constexpr (std::is_same_v<T, std::string>) {
    v = rd.str(path.c_str());
  } else if constexpr (std::is_same_v<T, Bytes>) {
    v = rd.bytes(path.c_str());
  } else if constexpr (vector_of<T>::value) {
    using E = typename vector_of<T>::element;
    std::size_t at = rd.pos();
    auto n = static_cast<std::size_t>(rd.count(path.c_str()));
    std::size_t least = std::max<std::size_t>(min_wire_size<E>(), 1);
    if (n > rd.remaining() / least)
      throw DecodeError(at, std::string(path.c_str()) + ": count " + std::to_string(n) +
                                " needs at least " + std::to_string(n * least) + " bytes, have " +
                                std::to_string(rd.remaining()));
    v.clear();
    v.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t mark = path.mark();
      path.index(i);
      read_value(rd, v.emplace_back(), path);
      path.reset(mark);
    }
  } else if constexpr (tail_of<T>::value) {
    v.present = !rd.at_end();
    v.value = v.present && rd.boolean(path.c_str());
  } else if constexpr (Record<T>) {
    T::fields(v, [&rd, &path](std::string_view name, auto&& f) {
      std::size_t mark = path.mark();
      path.field(name);
      read_value(rd, f, path);
      path.reset(mark);
    });
  } else {
    static_assert(always_false<T>, "unsupported jute field type");
  }
}

// Appends `s` as a JSON string: printable ASCII as is (with \" and \\), every other byte as \u00XX.
// Byte-wise, so any buffer survives (read each code point back as one byte).
void json_string(std::string& out, std::string_view s);

template <class T>
void json_value(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t>) {
    out += std::to_string(v);
  } else if constexpr (std::is_same_v<T, bool>) {
    out += v ? "true" : "false";
  } else if constexpr (std::is_same_v<T, std::string>) {
    json_string(out, v);
  } else if constexpr (std::is_same_v<T, Bytes>) {
    if (v) {
      json_string(out, *v);
    } else {
      out += "null";
    }
  } else if constexpr (vector_of<T>::value) {
    out += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) out += ',';
      json_value(out, v[i]);
    }
    out += ']';
  } else if constexpr (tail_of<T>::value) {
    out += v.value ? "true" : "false";
  } else if constexpr (Record<T>) {
    out += '{';
    bool first = true;
    T::fields(v, [&out, &first](std::string_view name, const auto& f) {
      if (!first) out += ',';
      first = false;
      out += '"';
      out += name;  // field names are plain snake_case: nothing to escape
      out += "\":";
      json_value(out, f);
    });
    out += '}';
  } else {
    static_assert(always_false<T>, "unsupported jute field type");
  }
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// The public API

// Appends r's fields to w (no length prefix).
template <Record R>
void write(Writer& w, const R& r) {
  detail::write_value(w, r);
}

// Reads r's fields from rd. Throws DecodeError naming the byte offset and the field
// ("byte 12: CreateRequest.path: need 5 bytes, have 2").
template <Record R>
void read(Reader& rd, R& r) {
  detail::FieldPath path(R::name);
  detail::read_value(rd, r, path);
}

// r's bytes, no length prefix.
template <Record R>
std::string encode(const R& r) {
  Writer w;
  write(w, r);
  return w.take();
}

// One R from the start of `bytes`; trailing bytes are ignored. Default Reader limits apply.
template <Record R>
R decode(std::string_view bytes) {
  Reader rd(bytes);
  R r;
  read(rd, r);
  return r;
}

// r as one line of JSON, fields in wire order: {"czxid":1,...}. Integers as numbers (int64 values
// above 2^53 lose precision in JavaScript), null buffers as null, strings and buffers via
// detail::json_string (bytes outside printable ASCII as \u00XX), vectors as arrays, records as
// objects.
template <Record R>
std::string to_json(const R& r) {
  std::string out;
  detail::json_value(out, r);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Records. Keep members and `fields` in the same order: the order of `fields` is the wire order.

// --- data

struct Id {
  static constexpr std::string_view name = "Id";
  std::string scheme;
  std::string id;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("scheme", s.scheme);
    v("id", s.id);
  }
  bool operator==(const Id&) const = default;
};

struct ACL {
  static constexpr std::string_view name = "ACL";
  std::int32_t perms = 0;
  Id id;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("perms", s.perms);
    v("id", s.id);
  }
  bool operator==(const ACL&) const = default;
};

struct Stat {
  static constexpr std::string_view name = "Stat";
  std::int64_t czxid = 0;
  std::int64_t mzxid = 0;
  std::int64_t ctime = 0;
  std::int64_t mtime = 0;
  std::int32_t version = 0;
  std::int32_t cversion = 0;
  std::int32_t aversion = 0;
  std::int64_t ephemeral_owner = 0;
  std::int32_t data_length = 0;
  std::int32_t num_children = 0;
  std::int64_t pzxid = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("czxid", s.czxid);
    v("mzxid", s.mzxid);
    v("ctime", s.ctime);
    v("mtime", s.mtime);
    v("version", s.version);
    v("cversion", s.cversion);
    v("aversion", s.aversion);
    v("ephemeral_owner", s.ephemeral_owner);
    v("data_length", s.data_length);
    v("num_children", s.num_children);
    v("pzxid", s.pzxid);
  }
  bool operator==(const Stat&) const = default;
};

// Stat as stored in snapshots: no dataLength / numChildren (derived from the node).
struct StatPersisted {
  static constexpr std::string_view name = "StatPersisted";
  std::int64_t czxid = 0;
  std::int64_t mzxid = 0;
  std::int64_t ctime = 0;
  std::int64_t mtime = 0;
  std::int32_t version = 0;
  std::int32_t cversion = 0;
  std::int32_t aversion = 0;
  std::int64_t ephemeral_owner = 0;
  std::int64_t pzxid = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("czxid", s.czxid);
    v("mzxid", s.mzxid);
    v("ctime", s.ctime);
    v("mtime", s.mtime);
    v("version", s.version);
    v("cversion", s.cversion);
    v("aversion", s.aversion);
    v("ephemeral_owner", s.ephemeral_owner);
    v("pzxid", s.pzxid);
  }
  bool operator==(const StatPersisted&) const = default;
};

struct ClientInfo {
  static constexpr std::string_view name = "ClientInfo";
  std::string auth_scheme;
  std::string user;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("auth_scheme", s.auth_scheme);
    v("user", s.user);
  }
  bool operator==(const ClientInfo&) const = default;
};

// --- session handshake (no RequestHeader / ReplyHeader around these)

// 45 bytes from current clients, 44 from old ones that omit readOnly (then has_read_only = false).
struct ConnectRequest {
  static constexpr std::string_view name = "ConnectRequest";
  std::int32_t protocol_version = 0;
  std::int64_t last_zxid_seen = 0;
  std::int32_t time_out = 0;
  std::int64_t session_id = 0;
  Bytes passwd;
  bool read_only = false;
  bool has_read_only = true;  // not a wire field: whether the readOnly byte is (to be) present
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("protocol_version", s.protocol_version);
    v("last_zxid_seen", s.last_zxid_seen);
    v("time_out", s.time_out);
    v("session_id", s.session_id);
    v("passwd", s.passwd);
    v("read_only", optional_tail(s.read_only, s.has_read_only));
  }
  bool operator==(const ConnectRequest&) const = default;
};

// 37 bytes with a 16-byte passwd; 36 when answering a client that omitted readOnly.
struct ConnectResponse {
  static constexpr std::string_view name = "ConnectResponse";
  std::int32_t protocol_version = 0;
  std::int32_t time_out = 0;
  std::int64_t session_id = 0;
  Bytes passwd;
  bool read_only = false;
  bool has_read_only = true;  // not a wire field, as in ConnectRequest
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("protocol_version", s.protocol_version);
    v("time_out", s.time_out);
    v("session_id", s.session_id);
    v("passwd", s.passwd);
    v("read_only", optional_tail(s.read_only, s.has_read_only));
  }
  bool operator==(const ConnectResponse&) const = default;
};

// --- headers

struct RequestHeader {
  static constexpr std::string_view name = "RequestHeader";
  std::int32_t xid = 0;
  std::int32_t type = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("xid", s.xid);
    v("type", s.type);
  }
  bool operator==(const RequestHeader&) const = default;
};

struct ReplyHeader {
  static constexpr std::string_view name = "ReplyHeader";
  std::int32_t xid = 0;
  std::int64_t zxid = 0;
  std::int32_t err = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("xid", s.xid);
    v("zxid", s.zxid);
    v("err", s.err);
  }
  bool operator==(const ReplyHeader&) const = default;
};

// Precedes each op of a multi request/response; {-1, true, -1} ends the list.
struct MultiHeader {
  static constexpr std::string_view name = "MultiHeader";
  std::int32_t type = 0;
  bool done = false;
  std::int32_t err = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("type", s.type);
    v("done", s.done);
    v("err", s.err);
  }
  bool operator==(const MultiHeader&) const = default;
};

// --- notifications, auth, watches

struct WatcherEvent {
  static constexpr std::string_view name = "WatcherEvent";
  std::int32_t type = 0;
  std::int32_t state = 0;
  std::string path;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("type", s.type);
    v("state", s.state);
    v("path", s.path);
  }
  bool operator==(const WatcherEvent&) const = default;
};

struct AuthPacket {
  static constexpr std::string_view name = "AuthPacket";
  std::int32_t type = 0;
  std::string scheme;
  Bytes auth;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("type", s.type);
    v("scheme", s.scheme);
    v("auth", s.auth);
  }
  bool operator==(const AuthPacket&) const = default;
};

struct SetWatches {
  static constexpr std::string_view name = "SetWatches";
  std::int64_t relative_zxid = 0;
  std::vector<std::string> data_watches;
  std::vector<std::string> exist_watches;
  std::vector<std::string> child_watches;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("relative_zxid", s.relative_zxid);
    v("data_watches", s.data_watches);
    v("exist_watches", s.exist_watches);
    v("child_watches", s.child_watches);
  }
  bool operator==(const SetWatches&) const = default;
};

struct SetWatches2 {
  static constexpr std::string_view name = "SetWatches2";
  std::int64_t relative_zxid = 0;
  std::vector<std::string> data_watches;
  std::vector<std::string> exist_watches;
  std::vector<std::string> child_watches;
  std::vector<std::string> persistent_watches;
  std::vector<std::string> persistent_recursive_watches;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("relative_zxid", s.relative_zxid);
    v("data_watches", s.data_watches);
    v("exist_watches", s.exist_watches);
    v("child_watches", s.child_watches);
    v("persistent_watches", s.persistent_watches);
    v("persistent_recursive_watches", s.persistent_recursive_watches);
  }
  bool operator==(const SetWatches2&) const = default;
};

struct CheckWatchesRequest {
  static constexpr std::string_view name = "CheckWatchesRequest";
  std::string path;
  std::int32_t type = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("type", s.type);
  }
  bool operator==(const CheckWatchesRequest&) const = default;
};

struct RemoveWatchesRequest {
  static constexpr std::string_view name = "RemoveWatchesRequest";
  std::string path;
  std::int32_t type = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("type", s.type);
  }
  bool operator==(const RemoveWatchesRequest&) const = default;
};

struct AddWatchRequest {
  static constexpr std::string_view name = "AddWatchRequest";
  std::string path;
  std::int32_t mode = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("mode", s.mode);
  }
  bool operator==(const AddWatchRequest&) const = default;
};

// ZooKeeper answers addWatch with this 4-byte body (int 0); the Java client needs it.
struct AddWatchResponse {
  static constexpr std::string_view name = "AddWatchResponse";
  std::int32_t err = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("err", s.err);
  }
  bool operator==(const AddWatchResponse&) const = default;
};

// --- create / delete / exists / data

struct CreateRequest {
  static constexpr std::string_view name = "CreateRequest";
  std::string path;
  Bytes data;
  std::vector<ACL> acl;
  std::int32_t flags = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("data", s.data);
    v("acl", s.acl);
    v("flags", s.flags);
  }
  bool operator==(const CreateRequest&) const = default;
};

struct CreateTTLRequest {
  static constexpr std::string_view name = "CreateTTLRequest";
  std::string path;
  Bytes data;
  std::vector<ACL> acl;
  std::int32_t flags = 0;
  std::int64_t ttl = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("data", s.data);
    v("acl", s.acl);
    v("flags", s.flags);
    v("ttl", s.ttl);
  }
  bool operator==(const CreateTTLRequest&) const = default;
};

struct CreateResponse {
  static constexpr std::string_view name = "CreateResponse";
  std::string path;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
  }
  bool operator==(const CreateResponse&) const = default;
};

struct Create2Response {
  static constexpr std::string_view name = "Create2Response";
  std::string path;
  Stat stat;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("stat", s.stat);
  }
  bool operator==(const Create2Response&) const = default;
};

struct DeleteRequest {
  static constexpr std::string_view name = "DeleteRequest";
  std::string path;
  std::int32_t version = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("version", s.version);
  }
  bool operator==(const DeleteRequest&) const = default;
};

struct ExistsRequest {
  static constexpr std::string_view name = "ExistsRequest";
  std::string path;
  bool watch = false;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("watch", s.watch);
  }
  bool operator==(const ExistsRequest&) const = default;
};

// Same bytes as a bare Stat.
struct ExistsResponse {
  static constexpr std::string_view name = "ExistsResponse";
  Stat stat;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("stat", s.stat);
  }
  bool operator==(const ExistsResponse&) const = default;
};

struct GetDataRequest {
  static constexpr std::string_view name = "GetDataRequest";
  std::string path;
  bool watch = false;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("watch", s.watch);
  }
  bool operator==(const GetDataRequest&) const = default;
};

// Also the body of a reconfig reply (the new config and /zookeeper/config's Stat).
struct GetDataResponse {
  static constexpr std::string_view name = "GetDataResponse";
  Bytes data;
  Stat stat;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("data", s.data);
    v("stat", s.stat);
  }
  bool operator==(const GetDataResponse&) const = default;
};

struct SetDataRequest {
  static constexpr std::string_view name = "SetDataRequest";
  std::string path;
  Bytes data;
  std::int32_t version = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("data", s.data);
    v("version", s.version);
  }
  bool operator==(const SetDataRequest&) const = default;
};

struct SetDataResponse {
  static constexpr std::string_view name = "SetDataResponse";
  Stat stat;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("stat", s.stat);
  }
  bool operator==(const SetDataResponse&) const = default;
};

// --- ACLs

struct GetACLRequest {
  static constexpr std::string_view name = "GetACLRequest";
  std::string path;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
  }
  bool operator==(const GetACLRequest&) const = default;
};

struct GetACLResponse {
  static constexpr std::string_view name = "GetACLResponse";
  std::vector<ACL> acl;
  Stat stat;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("acl", s.acl);
    v("stat", s.stat);
  }
  bool operator==(const GetACLResponse&) const = default;
};

struct SetACLRequest {
  static constexpr std::string_view name = "SetACLRequest";
  std::string path;
  std::vector<ACL> acl;
  std::int32_t version = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("acl", s.acl);
    v("version", s.version);
  }
  bool operator==(const SetACLRequest&) const = default;
};

struct SetACLResponse {
  static constexpr std::string_view name = "SetACLResponse";
  Stat stat;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("stat", s.stat);
  }
  bool operator==(const SetACLResponse&) const = default;
};

// --- children

struct GetChildrenRequest {
  static constexpr std::string_view name = "GetChildrenRequest";
  std::string path;
  bool watch = false;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("watch", s.watch);
  }
  bool operator==(const GetChildrenRequest&) const = default;
};

struct GetChildrenResponse {
  static constexpr std::string_view name = "GetChildrenResponse";
  std::vector<std::string> children;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("children", s.children);
  }
  bool operator==(const GetChildrenResponse&) const = default;
};

struct GetChildren2Request {
  static constexpr std::string_view name = "GetChildren2Request";
  std::string path;
  bool watch = false;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("watch", s.watch);
  }
  bool operator==(const GetChildren2Request&) const = default;
};

struct GetChildren2Response {
  static constexpr std::string_view name = "GetChildren2Response";
  std::vector<std::string> children;
  Stat stat;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("children", s.children);
    v("stat", s.stat);
  }
  bool operator==(const GetChildren2Response&) const = default;
};

struct GetAllChildrenNumberRequest {
  static constexpr std::string_view name = "GetAllChildrenNumberRequest";
  std::string path;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
  }
  bool operator==(const GetAllChildrenNumberRequest&) const = default;
};

struct GetAllChildrenNumberResponse {
  static constexpr std::string_view name = "GetAllChildrenNumberResponse";
  std::int32_t total_number = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("total_number", s.total_number);
  }
  bool operator==(const GetAllChildrenNumberResponse&) const = default;
};

struct GetEphemeralsRequest {
  static constexpr std::string_view name = "GetEphemeralsRequest";
  std::string prefix_path;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("prefix_path", s.prefix_path);
  }
  bool operator==(const GetEphemeralsRequest&) const = default;
};

struct GetEphemeralsResponse {
  static constexpr std::string_view name = "GetEphemeralsResponse";
  std::vector<std::string> ephemerals;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("ephemerals", s.ephemerals);
  }
  bool operator==(const GetEphemeralsResponse&) const = default;
};

// --- sync, check, multi, errors

struct SyncRequest {
  static constexpr std::string_view name = "SyncRequest";
  std::string path;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
  }
  bool operator==(const SyncRequest&) const = default;
};

struct SyncResponse {
  static constexpr std::string_view name = "SyncResponse";
  std::string path;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
  }
  bool operator==(const SyncResponse&) const = default;
};

struct CheckVersionRequest {
  static constexpr std::string_view name = "CheckVersionRequest";
  std::string path;
  std::int32_t version = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("version", s.version);
  }
  bool operator==(const CheckVersionRequest&) const = default;
};

// Body of a failed op in a multi result (type -1).
struct ErrorResponse {
  static constexpr std::string_view name = "ErrorResponse";
  std::int32_t err = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("err", s.err);
  }
  bool operator==(const ErrorResponse&) const = default;
};

// --- whoAmI, reconfig, SASL

struct WhoAmIResponse {
  static constexpr std::string_view name = "WhoAmIResponse";
  std::vector<ClientInfo> client_info;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("client_info", s.client_info);
  }
  bool operator==(const WhoAmIResponse&) const = default;
};

// The three strings are nullable on the wire (a client leaves unused ones null); null reads as "".
struct ReconfigRequest {
  static constexpr std::string_view name = "ReconfigRequest";
  std::string joining_servers;
  std::string leaving_servers;
  std::string new_members;
  std::int64_t cur_config_id = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("joining_servers", s.joining_servers);
    v("leaving_servers", s.leaving_servers);
    v("new_members", s.new_members);
    v("cur_config_id", s.cur_config_id);
  }
  bool operator==(const ReconfigRequest&) const = default;
};

struct GetSASLRequest {
  static constexpr std::string_view name = "GetSASLRequest";
  Bytes token;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("token", s.token);
  }
  bool operator==(const GetSASLRequest&) const = default;
};

struct SetSASLResponse {
  static constexpr std::string_view name = "SetSASLResponse";
  Bytes token;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("token", s.token);
  }
  bool operator==(const SetSASLResponse&) const = default;
};

// --- transactions (log entries and Zab proposals: TxnHeader + one of the txn records)

struct TxnHeader {
  static constexpr std::string_view name = "TxnHeader";
  std::int64_t client_id = 0;
  std::int32_t cxid = 0;
  std::int64_t zxid = 0;
  std::int64_t time = 0;
  std::int32_t type = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("client_id", s.client_id);
    v("cxid", s.cxid);
    v("zxid", s.zxid);
    v("time", s.time);
    v("type", s.type);
  }
  bool operator==(const TxnHeader&) const = default;
};

// Optional trailer after a txn in 3.6+ logs and proposals (digest of the data tree after it).
struct TxnDigest {
  static constexpr std::string_view name = "TxnDigest";
  std::int32_t version = 0;
  std::int64_t tree_digest = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("version", s.version);
    v("tree_digest", s.tree_digest);
  }
  bool operator==(const TxnDigest&) const = default;
};

struct CreateTxn {
  static constexpr std::string_view name = "CreateTxn";
  std::string path;
  Bytes data;
  std::vector<ACL> acl;
  bool ephemeral = false;
  std::int32_t parent_cversion = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("data", s.data);
    v("acl", s.acl);
    v("ephemeral", s.ephemeral);
    v("parent_cversion", s.parent_cversion);
  }
  bool operator==(const CreateTxn&) const = default;
};

struct CreateContainerTxn {
  static constexpr std::string_view name = "CreateContainerTxn";
  std::string path;
  Bytes data;
  std::vector<ACL> acl;
  std::int32_t parent_cversion = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("data", s.data);
    v("acl", s.acl);
    v("parent_cversion", s.parent_cversion);
  }
  bool operator==(const CreateContainerTxn&) const = default;
};

struct CreateTTLTxn {
  static constexpr std::string_view name = "CreateTTLTxn";
  std::string path;
  Bytes data;
  std::vector<ACL> acl;
  std::int32_t parent_cversion = 0;
  std::int64_t ttl = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("data", s.data);
    v("acl", s.acl);
    v("parent_cversion", s.parent_cversion);
    v("ttl", s.ttl);
  }
  bool operator==(const CreateTTLTxn&) const = default;
};

struct DeleteTxn {
  static constexpr std::string_view name = "DeleteTxn";
  std::string path;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
  }
  bool operator==(const DeleteTxn&) const = default;
};

struct SetDataTxn {
  static constexpr std::string_view name = "SetDataTxn";
  std::string path;
  Bytes data;
  std::int32_t version = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("data", s.data);
    v("version", s.version);
  }
  bool operator==(const SetDataTxn&) const = default;
};

struct CheckVersionTxn {
  static constexpr std::string_view name = "CheckVersionTxn";
  std::string path;
  std::int32_t version = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("version", s.version);
  }
  bool operator==(const CheckVersionTxn&) const = default;
};

struct SetACLTxn {
  static constexpr std::string_view name = "SetACLTxn";
  std::string path;
  std::vector<ACL> acl;
  std::int32_t version = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("path", s.path);
    v("acl", s.acl);
    v("version", s.version);
  }
  bool operator==(const SetACLTxn&) const = default;
};

struct CreateSessionTxn {
  static constexpr std::string_view name = "CreateSessionTxn";
  std::int32_t time_out = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("time_out", s.time_out);
  }
  bool operator==(const CreateSessionTxn&) const = default;
};

struct CloseSessionTxn {
  static constexpr std::string_view name = "CloseSessionTxn";
  std::vector<std::string> paths2_delete;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("paths2_delete", s.paths2_delete);
  }
  bool operator==(const CloseSessionTxn&) const = default;
};

struct ErrorTxn {
  static constexpr std::string_view name = "ErrorTxn";
  std::int32_t err = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("err", s.err);
  }
  bool operator==(const ErrorTxn&) const = default;
};

// One op of a MultiTxn: its txn type and that txn record's encoded bytes.
struct Txn {
  static constexpr std::string_view name = "Txn";
  std::int32_t type = 0;
  Bytes data;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("type", s.type);
    v("data", s.data);
  }
  bool operator==(const Txn&) const = default;
};

struct MultiTxn {
  static constexpr std::string_view name = "MultiTxn";
  std::vector<Txn> txns;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("txns", s.txns);
  }
  bool operator==(const MultiTxn&) const = default;
};

// --- quorum and disk

struct QuorumPacket {
  static constexpr std::string_view name = "QuorumPacket";
  std::int32_t type = 0;
  std::int64_t zxid = 0;
  Bytes data;
  std::vector<Id> authinfo;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("type", s.type);
    v("zxid", s.zxid);
    v("data", s.data);
    v("authinfo", s.authinfo);
  }
  bool operator==(const QuorumPacket&) const = default;
};

// Data of FOLLOWERINFO / OBSERVERINFO.
struct LearnerInfo {
  static constexpr std::string_view name = "LearnerInfo";
  std::int64_t serverid = 0;
  std::int32_t protocol_version = 0;
  std::int64_t config_version = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("serverid", s.serverid);
    v("protocol_version", s.protocol_version);
    v("config_version", s.config_version);
  }
  bool operator==(const LearnerInfo&) const = default;
};

// First record of a txn log ("ZKLG") or snapshot ("ZKSN") file.
struct FileHeader {
  static constexpr std::string_view name = "FileHeader";
  std::int32_t magic = 0;
  std::int32_t version = 0;
  std::int64_t dbid = 0;
  template <class Self, class V>
  static void fields(Self& s, V&& v) {
    v("magic", s.magic);
    v("version", s.version);
    v("dbid", s.dbid);
  }
  bool operator==(const FileHeader&) const = default;
};

}  // namespace zablab::jute
