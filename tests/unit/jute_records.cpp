// Round trips and JSON for every jute record (core/jute/records.h).
#include <catch2/catch.hpp>

#include <string>
#include <type_traits>

#include "core/jute/records.h"

using namespace zablab::jute;

namespace {

// Fills every field with a value unlike its default, so a round trip exercises each field.
struct Filler {
  int k = 0;

  template <class T>
  void fill(T& v) {
    ++k;
    if constexpr (std::is_same_v<T, std::int32_t>) {
      v = -1000 - k;
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
      v = (std::int64_t{k} << 40) | 0x0123456789;
    } else if constexpr (std::is_same_v<T, bool>) {
      v = true;
    } else if constexpr (std::is_same_v<T, std::string>) {
      v = "/s" + std::to_string(k);
    } else if constexpr (std::is_same_v<T, Bytes>) {
      v = std::string("\0\xff", 2) + std::to_string(k);
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      v = {"/a" + std::to_string(k), "", "/c"};
    } else if constexpr (detail::vector_of<T>::value) {
      v.resize(2);
      for (auto& e : v) fill(e);
    } else if constexpr (detail::tail_of<T>::value) {
      v.value = true;
      v.present = true;
    } else {
      T::fields(v, [this](std::string_view, auto&& f) { this->fill(f); });
    }
  }
};

template <class R>
R filled() {
  R r{};
  Filler{}.fill(r);
  return r;
}

}  // namespace

TEMPLATE_TEST_CASE("jute/records: round trip of every record", "[jute]", Id, ACL, Stat, StatPersisted,
                   ClientInfo, ConnectRequest, ConnectResponse, RequestHeader, ReplyHeader, MultiHeader,
                   WatcherEvent, AuthPacket, SetWatches, SetWatches2, CheckWatchesRequest,
                   RemoveWatchesRequest, AddWatchRequest, AddWatchResponse, CreateRequest, CreateTTLRequest,
                   CreateResponse, Create2Response, DeleteRequest, ExistsRequest, ExistsResponse,
                   GetDataRequest, GetDataResponse, SetDataRequest, SetDataResponse, GetACLRequest,
                   GetACLResponse, SetACLRequest, SetACLResponse, GetChildrenRequest, GetChildrenResponse,
                   GetChildren2Request, GetChildren2Response, GetAllChildrenNumberRequest,
                   GetAllChildrenNumberResponse, GetEphemeralsRequest, GetEphemeralsResponse, SyncRequest,
                   SyncResponse, CheckVersionRequest, ErrorResponse, WhoAmIResponse, ReconfigRequest,
                   GetSASLRequest, SetSASLResponse, TxnHeader, TxnDigest, CreateTxn, CreateContainerTxn,
                   CreateTTLTxn, DeleteTxn, SetDataTxn, CheckVersionTxn, SetACLTxn, CreateSessionTxn,
                   CloseSessionTxn, ErrorTxn, Txn, MultiTxn, QuorumPacket, LearnerInfo, FileHeader) {
  const TestType r = filled<TestType>();
  REQUIRE_FALSE(r == TestType{});
  const std::string bytes = encode(r);
  REQUIRE(bytes != encode(TestType{}));
  CHECK(decode<TestType>(bytes) == r);

  // The default record round-trips too (null buffers, empty vectors, zeros).
  CHECK(decode<TestType>(encode(TestType{})) == TestType{});

  // write/read through a shared Writer/Reader, followed by more data.
  Writer w;
  write(w, r);
  w.i32(77);
  Reader rd(w.data());
  TestType back;
  read(rd, back);
  CHECK(back == r);
  CHECK(rd.i32() == 77);
  CHECK(rd.at_end());

  // decode ignores trailing bytes.
  CHECK(decode<TestType>(bytes + "junk") == r);
}

TEST_CASE("jute/records: null buffer stays distinct from empty", "[jute]") {
  GetDataResponse null_data;
  GetDataResponse empty_data;
  empty_data.data = std::string();
  CHECK_FALSE(decode<GetDataResponse>(encode(null_data)).data.has_value());
  auto back = decode<GetDataResponse>(encode(empty_data)).data;
  REQUIRE(back.has_value());
  CHECK(back->empty());
}

TEST_CASE("jute/records: nested vectors of records round trip", "[jute]") {
  MultiTxn m;
  m.txns.push_back({1, encode(CreateTxn{"/a", std::string("x"), {{31, {"world", "anyone"}}}, true, 7})});
  m.txns.push_back({2, encode(DeleteTxn{"/b"})});
  m.txns.push_back({-1, std::nullopt});
  auto back = decode<MultiTxn>(encode(m));
  REQUIRE(back == m);
  auto create = decode<CreateTxn>(*back.txns[0].data);
  CHECK(create.path == "/a");
  CHECK(create.ephemeral);
  CHECK(create.acl.at(0).id.id == "anyone");
}

TEST_CASE("jute/stat: to_json", "[jute]") {
  Stat s{1, 2, 3, 4, 5, 6, 7, 0x100000000LL, 9, 10, 11};
  CHECK(to_json(s) ==
        R"({"czxid":1,"mzxid":2,"ctime":3,"mtime":4,"version":5,"cversion":6,"aversion":7,)"
        R"("ephemeral_owner":4294967296,"data_length":9,"num_children":10,"pzxid":11})");
}

TEST_CASE("jute/create: to_json with null data", "[jute]") {
  CreateRequest c{"/a", std::nullopt, {{31, {"world", "anyone"}}}, 0};
  CHECK(to_json(c) ==
        R"({"path":"/a","data":null,"acl":[{"perms":31,"id":{"scheme":"world","id":"anyone"}}],"flags":0})");
}

TEST_CASE("jute/json: buffers escape every byte outside printable ASCII", "[jute]") {
  SetDataRequest r{"/q\"\\", std::string("a\x01\n\xff\0z", 6), -1};
  CHECK(to_json(r) == R"({"path":"/q\"\\","data":"a\u0001\u000a\u00ff\u0000z","version":-1})");
  CHECK(to_json(GetChildrenResponse{{"x", "y"}}) == R"({"children":["x","y"]})");
  CHECK(to_json(GetChildrenResponse{}) == R"({"children":[]})");
  CHECK(to_json(MultiHeader{-1, true, -1}) == R"({"type":-1,"done":true,"err":-1})");
}

TEST_CASE("jute/connect: to_json shows read_only", "[jute]") {
  ConnectRequest c{0, 5, 30000, 0, std::string(2, '\0'), true};
  CHECK(to_json(c) ==
        R"({"protocol_version":0,"last_zxid_seen":5,"time_out":30000,"session_id":0,)"
        R"("passwd":"\u0000\u0000","read_only":true})");
}

TEST_CASE("jute/records: names", "[jute]") {
  CHECK(Stat::name == "Stat");
  CHECK(CreateRequest::name == "CreateRequest");
  CHECK(QuorumPacket::name == "QuorumPacket");
}
