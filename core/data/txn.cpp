#include "core/data/txn.h"

#include "core/jute/codes.h"

namespace zablab::data {
namespace {

std::string encode_body(const TxnBody& body) {
  return std::visit([](const auto& rec) { return jute::encode(rec); }, body);
}

TxnBody decode_body(std::int32_t type, std::string_view bytes) {
  switch (type) {
    case op::create:
    case op::create2:
      return jute::decode<jute::CreateTxn>(bytes);
    case op::create_container:
      return jute::decode<jute::CreateContainerTxn>(bytes);
    case op::create_ttl:
      return jute::decode<jute::CreateTTLTxn>(bytes);
    case op::remove:
    case op::delete_container:
      return jute::decode<jute::DeleteTxn>(bytes);
    case op::set_data:
      return jute::decode<jute::SetDataTxn>(bytes);
    case op::set_acl:
      return jute::decode<jute::SetACLTxn>(bytes);
    case op::check:
      return jute::decode<jute::CheckVersionTxn>(bytes);
    case op::create_session:
      return jute::decode<jute::CreateSessionTxn>(bytes);
    case op::close_session:
      return jute::decode<jute::CloseSessionTxn>(bytes);
    case op::error:
      return jute::decode<jute::ErrorTxn>(bytes);
    default:
      throw jute::DecodeError(0, "txn: unknown type " + std::to_string(type));
  }
}

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
    txn.ops.push_back(TxnOp{txn.header.type, decode_body(txn.header.type, r.rest())});
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
