// Fuzz target `jute`: decoding every jute record zablab speaks (client requests and responses,
// txns, quorum and disk headers, FLE notifications), and whole txns (TxnHeader + body, as the log
// and PROPOSALs carry them).
//
// Input: one selector byte (which record; see kRecordCount), then the record's bytes.
// Properties: decoding throws nothing but jute::DecodeError; whatever decodes re-encodes to bytes
// that decode to an equal record and re-encode to the same bytes (a fixpoint after one round);
// to_json works on it.
#pragma once

#include <tuple>

#include "core/data/txn.h"
#include "core/jute/records.h"
#include "core/quorum/messages.h"
#include "tests/fuzz/common.h"

namespace zablab::fuzz {

using JuteRecords = std::tuple<
    jute::Id, jute::ACL, jute::Stat, jute::StatPersisted, jute::ClientInfo, jute::ConnectRequest,
    jute::ConnectResponse, jute::RequestHeader, jute::ReplyHeader, jute::MultiHeader, jute::WatcherEvent,
    jute::AuthPacket, jute::SetWatches, jute::SetWatches2, jute::CheckWatchesRequest, jute::RemoveWatchesRequest,
    jute::AddWatchRequest, jute::AddWatchResponse, jute::CreateRequest, jute::CreateTTLRequest,
    jute::CreateResponse, jute::Create2Response, jute::DeleteRequest, jute::ExistsRequest, jute::ExistsResponse,
    jute::GetDataRequest, jute::GetDataResponse, jute::SetDataRequest, jute::SetDataResponse, jute::GetACLRequest,
    jute::GetACLResponse, jute::SetACLRequest, jute::SetACLResponse, jute::GetChildrenRequest,
    jute::GetChildrenResponse, jute::GetChildren2Request, jute::GetChildren2Response,
    jute::GetAllChildrenNumberRequest, jute::GetAllChildrenNumberResponse, jute::GetEphemeralsRequest,
    jute::GetEphemeralsResponse, jute::SyncRequest, jute::SyncResponse, jute::CheckVersionRequest,
    jute::ErrorResponse, jute::WhoAmIResponse, jute::ReconfigRequest, jute::GetSASLRequest, jute::SetSASLResponse,
    jute::TxnHeader, jute::TxnDigest, jute::CreateTxn, jute::CreateContainerTxn, jute::CreateTTLTxn,
    jute::DeleteTxn, jute::SetDataTxn, jute::CheckVersionTxn, jute::SetACLTxn, jute::CreateSessionTxn,
    jute::CloseSessionTxn, jute::ErrorTxn, jute::Txn, jute::MultiTxn, jute::QuorumPacket, jute::LearnerInfo,
    jute::FileHeader, quorum::Notification>;

inline constexpr std::size_t kRecordCount = std::tuple_size_v<JuteRecords>;
// Selector values >= kRecordCount (mod kRecordCount + 1) pick a whole txn (data::decode_txn).
inline constexpr std::size_t kTxnSelector = kRecordCount;

// The selector byte of record R.
template <class R, std::size_t I = 0>
constexpr std::size_t record_index() {
  static_assert(I < kRecordCount, "not a fuzzed record");
  if constexpr (std::is_same_v<std::tuple_element_t<I, JuteRecords>, R>) {
    return I;
  } else {
    return record_index<R, I + 1>();
  }
}

template <class R>
void jute_round_trip(std::string_view bytes) {
  R first;
  try {
    first = jute::decode<R>(bytes);
  } catch (const jute::DecodeError&) {
    return;  // refusing is fine; anything else escaping is a finding
  }
  const std::string enc1 = jute::encode(first);
  R second;
  try {
    second = jute::decode<R>(enc1);
  } catch (const jute::DecodeError& e) {
    fail(__FILE__, __LINE__, std::string(R::name) + ": re-encoded record does not decode: " + e.what());
  }
  ZL_FUZZ_CHECK(second == first, std::string(R::name) + ": decode(encode(r)) != r");
  ZL_FUZZ_CHECK(jute::encode(second) == enc1, std::string(R::name) + ": encoding is not a fixpoint");
  (void)jute::to_json(second);
}

template <std::size_t I = 0>
void jute_dispatch(std::size_t selector, std::string_view bytes) {
  if constexpr (I < kRecordCount) {
    if (selector == I) {
      jute_round_trip<std::tuple_element_t<I, JuteRecords>>(bytes);
      return;
    }
    jute_dispatch<I + 1>(selector, bytes);
  }
}

inline void txn_round_trip(std::string_view bytes) {
  data::Txn txn;
  try {
    txn = data::decode_txn(bytes);
  } catch (const jute::DecodeError&) {
    return;
  }
  std::string enc1;
  try {
    enc1 = data::encode_txn(txn);
  } catch (const jute::DecodeError&) {
    return;  // a multi whose ops this codec cannot write back is refused here
  }
  data::Txn again;
  try {
    again = data::decode_txn(enc1);
  } catch (const jute::DecodeError& e) {
    fail(__FILE__, __LINE__, std::string("txn: re-encoded txn does not decode: ") + e.what());
  }
  ZL_FUZZ_CHECK(data::encode_txn(again) == enc1, "txn: encoding is not a fixpoint");
  (void)data::txn_to_json(again);
}

inline int jute_one(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const std::size_t selector = in.u8() % (kRecordCount + 1);
  const std::string_view bytes = in.rest();
  if (selector == kTxnSelector) {
    txn_round_trip(bytes);
  } else {
    jute_dispatch(selector, bytes);
  }
  return 0;
}

}  // namespace zablab::fuzz
