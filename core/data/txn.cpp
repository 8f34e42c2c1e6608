#include "core/data/txn.h"

#include "core/jute/codes.h"

namespace zablab::data {
namespace {

std::string encode_body(const TxnBody& body) {
  return std::visit([](const auto& rec) { return jute::encode(rec); }, body);
}

TxnBody decode_body(std::int32_t type, jute::Reader& r) {
  auto read = [&r]<class R>(R rec) -> TxnBody {
    jute::read(r, rec);
    return rec;
  };
  switch (type) {
    case op::create:
    case op::create2:
      return read(jute::CreateTxn{});
    case op::create_container:
      return read(jute::CreateContainerTxn{});
    case op::create_ttl:
      return read(jute::CreateTTLTxn{});
    case op::remove:
    case op::delete_container:
      return read(jute::DeleteTxn{});
    case op::set_data:
      return read(jute::SetDataTxn{});
    case op::set_acl:
      return read(jute::SetACLTxn{});
    case op::check:
      return read(jute::CheckVersionTxn{});
    case op::create_session:
      return read(jute::CreateSessionTxn{});
    case op::close_session:
      return read(jute::CloseSessionTxn{});
    case op::error:
      return read(jute::ErrorTxn{});
    default:
      throw jute::DecodeError(0, "txn: unknown type " + std::to_string(type));
  }
}

TxnBody decode_body(std::int32_t type, std::string_view bytes) {
  jute::Reader r(bytes);
  return decode_body(type, r);
}

// TxnDigest's size on the wire: int version + long treeDigest.
constexpr std::size_t kTxnDigestBytes = 12;

}  // namespace

bool Txn::is_multi() const { return header.type == op::multi; }

std::string encode_txn(const Txn& txn) {
  jute::Writer w;
  jute::write(w, txn.header);
  if (txn.is_multi()) {
    jute::MultiTxn multi;
    for (const auto& o : txn.ops) multi.txns.push_back(jute::Txn{o.type, encode_body(o.body)});
    jute::write(w, multi);
  } else if (!txn.ops.empty()) {
    w.raw(encode_body(txn.ops.front().body));
  }
  if (txn.digest) jute::write(w, *txn.digest);
  return w.take();
}

Txn decode_txn(std::string_view bytes) {
  jute::Reader r(bytes);
  Txn txn;
  jute::read(r, txn.header);
  if (txn.is_multi()) {
    jute::MultiTxn multi;
    jute::read(r, multi);
    for (const auto& t : multi.txns) txn.ops.push_back(TxnOp{t.type, decode_body(t.type, t.data.value_or(""))});
  } else {
    txn.ops.push_back(TxnOp{txn.header.type, decode_body(txn.header.type, r)});
  }
  if (r.remaining() >= kTxnDigestBytes) {
    jute::TxnDigest digest;
    jute::read(r, digest);
    txn.digest = digest;
  }
  return txn;
}

std::string txn_to_json(const Txn& txn) {
  std::string out = "{\"header\":" + jute::to_json(txn.header) + ",\"ops\":[";
  for (std::size_t i = 0; i < txn.ops.size(); ++i) {
    if (i) out += ",";
    out += "{\"type\":\"" + std::string(op::name(txn.ops[i].type)) + "\",\"txn\":";
    out += std::visit([](const auto& rec) { return jute::to_json(rec); }, txn.ops[i].body);
    out += "}";
  }
  return out + "]}";
}

}  // namespace zablab::data
