// Txns and multi request bodies as unit tests build them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/data/txn.h"
#include "core/jute/records.h"

namespace zablab::test {

// One op of `type` under a header with cxid 1 and time 1000 + zxid.
template <class Body>
data::Txn txn_of(std::int64_t session, std::int64_t zxid, std::int32_t type, Body body) {
  data::Txn t;
  t.header = jute::TxnHeader{session, 1, zxid, 1000 + zxid, type};
  t.ops.push_back({type, std::move(body)});
  return t;
}

// A MultiRequest's body: a MultiHeader before each (type, record bytes), then the done header.
inline std::string multi_request_body(const std::vector<std::pair<std::int32_t, std::string>>& ops) {
  jute::Writer w;
  for (const auto& [type, body] : ops) {
    jute::write(w, jute::MultiHeader{type, false, -1});
    w.raw(body);
  }
  jute::write(w, jute::MultiHeader{-1, true, -1});
  return w.take();
}

}  // namespace zablab::test
