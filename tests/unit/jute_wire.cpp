// Exact bytes, computed by hand from the protocol reference, and decode errors.
#include <catch2/catch.hpp>

#include <string>

#include "core/jute/codes.h"
#include "core/jute/records.h"

using namespace zablab::jute;

namespace {

// "00 00 00 01 ff" -> bytes; spaces and newlines are ignored.
std::string hex(std::string_view text) {
  std::string out;
  int hi = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else {
      continue;
    }
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<char>(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

// The DecodeError message of decoding `bytes` as R ("" if it decodes).
template <class R>
std::string decode_error(std::string_view bytes, std::size_t* offset = nullptr) {
  try {
    decode<R>(bytes);
  } catch (const DecodeError& e) {
    if (offset) *offset = e.offset();
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("jute/header: RequestHeader bytes", "[jute]") {
  CHECK(encode(RequestHeader{1, 4}) == hex("00 00 00 01 00 00 00 04"));
  CHECK(encode(RequestHeader{-2, zablab::op::ping}) == hex("ff ff ff fe 00 00 00 0b"));
  CHECK(decode<RequestHeader>(hex("00 00 00 01 00 00 00 04")) == RequestHeader{1, 4});
}

TEST_CASE("jute/header: ReplyHeader is 16 bytes", "[jute]") {
  ReplyHeader h{7, 0x0102030405060708LL, -101};
  auto b = encode(h);
  CHECK(b.size() == 16);
  CHECK(b == hex("00 00 00 07  01 02 03 04 05 06 07 08  ff ff ff 9b"));
  CHECK(decode<ReplyHeader>(b) == h);
  // A notification header.
  CHECK(encode(ReplyHeader{-1, -1, 0}) == hex("ffffffff ffffffffffffffff 00000000"));
}

TEST_CASE("jute/stat: 68 bytes in declaration order", "[jute]") {
  Stat s{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  auto b = encode(s);
  CHECK(b.size() == 68);
  CHECK(b == hex("0000000000000001 0000000000000002 0000000000000003 0000000000000004"
                 "00000005 00000006 00000007 0000000000000008 00000009 0000000a 000000000000000b"));
  CHECK(decode<Stat>(b) == s);
  CHECK(encode(StatPersisted{}).size() == 60);
}

TEST_CASE("jute/connect: ConnectRequest is 45 bytes, 44 without readOnly", "[jute]") {
  ConnectRequest c{0, 0x10, 30000, 0, std::string(16, '\0'), false};
  const std::string expected = hex("00000000 0000000000000010 00007530 0000000000000000 00000010") +
                               std::string(16, '\0') + hex("00");
  auto b = encode(c);
  CHECK(b.size() == 45);
  CHECK(b == expected);
  auto back = decode<ConnectRequest>(b);
  CHECK(back == c);
  CHECK(back.has_read_only);

  // readOnly = true from a client willing to use a read-only server.
  c.read_only = true;
  CHECK(encode(c).back() == 1);

  // An old client sends 44 bytes: no readOnly byte.
  auto old = decode<ConnectRequest>(expected.substr(0, 44));
  CHECK_FALSE(old.has_read_only);
  CHECK_FALSE(old.read_only);
  CHECK(old.time_out == 30000);
  CHECK(old.passwd == std::string(16, '\0'));
  CHECK(encode(old) == expected.substr(0, 44));
}

TEST_CASE("jute/connect: ConnectResponse is 37 bytes", "[jute]") {
  ConnectResponse r{0, 4000, 0x0100000000000001LL, std::string(16, 'p'), false};
  auto b = encode(r);
  CHECK(b.size() == 37);
  CHECK(b == hex("00000000 00000fa0 0100000000000001 00000010") + std::string(16, 'p') + hex("00"));
  CHECK(decode<ConnectResponse>(b) == r);
  // Answering an old client: 36 bytes, no readOnly.
  r.has_read_only = false;
  CHECK(encode(r).size() == 36);
  CHECK(decode<ConnectResponse>(encode(r)) == r);
}

TEST_CASE("jute/buffer: null is ff ff ff ff, empty is 00 00 00 00", "[jute]") {
  CHECK(encode(GetSASLRequest{}) == hex("ff ff ff ff"));
  CHECK(encode(GetSASLRequest{std::string()}) == hex("00 00 00 00"));
  CHECK(encode(GetSASLRequest{std::string("ab")}) == hex("00 00 00 02 61 62"));
  CHECK_FALSE(decode<GetSASLRequest>(hex("ff ff ff ff")).token.has_value());
  CHECK(decode<GetSASLRequest>(hex("00 00 00 00")).token == std::string());
}

TEST_CASE("jute/ustring: null reads as empty (kazoo writes \"\" as null)", "[jute]") {
  auto a = decode<AuthPacket>(hex("00000000 ffffffff ffffffff"));
  CHECK(a.scheme.empty());
  CHECK_FALSE(a.auth.has_value());
  // Written back as an empty string, not null.
  CHECK(encode(a) == hex("00000000 00000000 ffffffff"));
}

TEST_CASE("jute/vector: null reads as empty", "[jute]") {
  CHECK(decode<GetChildrenResponse>(hex("ff ff ff ff")).children.empty());
  CHECK(encode(GetChildrenResponse{}) == hex("00 00 00 00"));
  CHECK(encode(GetChildrenResponse{{"a", "bc"}}) == hex("00000002 00000001 61 00000002 62 63"));
}

TEST_CASE("jute/boolean: any non-zero byte reads as true", "[jute]") {
  CHECK(decode<ExistsRequest>(hex("00000001 2f 02")).watch);
  CHECK_FALSE(decode<ExistsRequest>(hex("00000001 2f 00")).watch);
  CHECK(encode(ExistsRequest{"/", true}) == hex("00000001 2f 01"));
}

TEST_CASE("jute/create: CreateRequest for /a byte by byte", "[jute]") {
  CreateRequest c{"/a", std::string("x"), {{zablab::perm::all, {"world", "anyone"}}}, 3};
  const std::string expected = hex(
      "00 00 00 02  2f 61"                     // path "/a"
      "00 00 00 01  78"                        // data "x"
      "00 00 00 01"                            // one ACL
      "00 00 00 1f"                            //   perms 31
      "00 00 00 05  77 6f 72 6c 64"            //   scheme "world"
      "00 00 00 06  61 6e 79 6f 6e 65"         //   id "anyone"
      "00 00 00 03");                          // flags: ephemeral sequential
  CHECK(encode(c) == expected);
  CHECK(expected.size() == 42);
  CHECK(decode<CreateRequest>(expected) == c);
}

TEST_CASE("jute/multi: MultiHeader is 9 bytes", "[jute]") {
  CHECK(encode(MultiHeader{-1, true, -1}) == hex("ffffffff 01 ffffffff"));
  CHECK(encode(MultiHeader{zablab::op::create, false, 0}) == hex("00000001 00 00000000"));
  CHECK(decode<MultiHeader>(hex("0000000d 00 ffffff97")) == MultiHeader{13, false, -105});
}

TEST_CASE("jute/misc: small bodies", "[jute]") {
  CHECK(encode(AddWatchResponse{}) == hex("00000000"));
  CHECK(encode(ErrorResponse{-101}) == hex("ffffff9b"));
  CHECK(encode(WatcherEvent{zablab::event_type::node_created, 3, "/x"}) ==
        hex("00000001 00000003 00000002 2f 78"));
  CHECK(encode(FileHeader{0x5A4B4C47, 2, 0}) == hex("5a4b4c47 00000002 0000000000000000"));
  CHECK(encode(TxnHeader{1, 2, 3, 4, -10}).size() == 32);
  CHECK(encode(LearnerInfo{3, 0x10000, 0}) == hex("0000000000000003 00010000 0000000000000000"));
}

TEST_CASE("jute/errors: truncated input names the field and byte offset", "[jute]") {
  std::size_t at = 99;
  CHECK(decode_error<CreateRequest>(hex("00 00 00 05 2f 61"), &at) ==
        "byte 4: CreateRequest.path: need 5 bytes, have 2");
  CHECK(at == 4);
  CHECK(decode_error<RequestHeader>("") == "byte 0: RequestHeader.xid: need 4 bytes, have 0");
  CHECK(decode_error<ReplyHeader>(hex("00000001 0000")) == "byte 4: ReplyHeader.zxid: need 8 bytes, have 2");
  // A full ACL, then a second one cut inside its scheme.
  CHECK(decode_error<GetACLResponse>(hex("00000002 0000001f 00000001 77 00000000"
                                         "0000001f 00000010") + "0123456789") ==
        "byte 25: GetACLResponse.acl[1].id.scheme: need 16 bytes, have 10");
  CHECK(decode_error<Create2Response>(hex("00000001 2f 0000000000000001")) ==
        "byte 13: Create2Response.stat.mzxid: need 8 bytes, have 0");
  CHECK(decode_error<SetWatches>(hex("0000000000000000 00000000 00000001 00000003 61")) ==
        "byte 20: SetWatches.exist_watches[0]: need 3 bytes, have 1");
}

TEST_CASE("jute/errors: negative lengths are refused", "[jute]") {
  std::size_t at = 99;
  CHECK(decode_error<DeleteRequest>(hex("ff ff ff fe 00 00 00 00"), &at) ==
        "byte 0: DeleteRequest.path: negative length -2");
  CHECK(at == 0);
  CHECK(decode_error<GetChildrenResponse>(hex("80 00 00 00")) ==
        "byte 0: GetChildrenResponse.children: negative count -2147483648");
}

TEST_CASE("jute/errors: vector counts beyond the remaining bytes are refused", "[jute]") {
  // 2^31-1 strings claimed with 8 bytes left: refused before any allocation.
  CHECK(decode_error<GetChildrenResponse>(hex("7fffffff 00000000 00000000")) ==
        "byte 0: GetChildrenResponse.children: count 2147483647 exceeds the 8 bytes left");
  // 3 strings need at least 12 bytes (three lengths); only 8 are left.
  CHECK(decode_error<GetChildrenResponse>(hex("00000003 00000000 00000000")) ==
        "byte 0: GetChildrenResponse.children: count 3 needs at least 12 bytes, have 8");
  // An ACL takes at least 12 bytes.
  CHECK(decode_error<SetACLRequest>(hex("00000001 2f 00000002") + std::string(20, '\0')) ==
        "byte 5: SetACLRequest.acl: count 2 needs at least 24 bytes, have 20");
  // Exactly enough is fine: three empty strings.
  CHECK(decode<GetChildrenResponse>(hex("00000003 00000000 00000000 00000000")).children ==
        std::vector<std::string>{"", "", ""});
}

TEST_CASE("jute/errors: a buffer over the Reader's limit is refused", "[jute]") {
  const std::string bytes = hex("00000001 2f 0000000b") + std::string(11, 'd') + hex("ffffffff");
  Reader small(bytes, 10);
  SetDataRequest r;
  try {
    read(small, r);
    FAIL("expected DecodeError");
  } catch (const DecodeError& e) {
    CHECK(std::string(e.what()) == "byte 5: SetDataRequest.data: length 11 exceeds limit 10");
    CHECK(e.offset() == 5);
  }
  // The same bytes under a limit of 11 decode.
  Reader ok(bytes, 11);
  read(ok, r);
  CHECK(r.data == std::string(11, 'd'));
  CHECK(r.version == -1);
}
