// A transaction as the data tree applies it and the log stores it: TxnHeader + one body, or for a
// multi a list of bodies sharing one zxid. The same bytes are the txn log entry and, in an
// ensemble, the payload of a Zab PROPOSAL.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/jute/records.h"

namespace zablab::data {

using TxnBody = std::variant<jute::CreateTxn, jute::CreateContainerTxn, jute::CreateTTLTxn, jute::DeleteTxn,
                             jute::SetDataTxn, jute::SetACLTxn, jute::CheckVersionTxn, jute::CreateSessionTxn,
                             jute::CloseSessionTxn, jute::ErrorTxn>;

struct TxnOp {
  std::int32_t type = 0;  // the request's opcode (create2, setData, ...) or op::error
  TxnBody body;
};

struct Txn {
  jute::TxnHeader header;  // header.type is op::multi for a multi, else ops[0].type
  std::vector<TxnOp> ops;  // exactly one unless a multi (which may be empty)
  // The tree's digest once this txn is applied (core/data/digest.h), as the leader predicted it
  // (ZooKeeper's PrepRequestProcessor); every server applying the txn compares it with its own.
  std::optional<jute::TxnDigest> digest;

  bool is_multi() const;
  std::int64_t zxid() const { return header.zxid; }
};

// TxnHeader followed by the body (a MultiTxn for a multi), then the TxnDigest if there is one
// (Util.marshallTxnEntry). Reading, a TxnDigest is taken if whole bytes of one follow the body
// (SerializeUtils.deserializeTxn: a log of 3.5 or older has none). Throws jute::DecodeError on
// bad bytes.
std::string encode_txn(const Txn& txn);
Txn decode_txn(std::string_view bytes);
// A one-line JSON description for traces and logs.
std::string txn_to_json(const Txn& txn);

}  // namespace zablab::data
