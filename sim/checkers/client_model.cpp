// client.linearizable-reads: a model of the data tree, built by replaying the committed txns in
// zxid order, against which every read's whole answer is compared.
//
// The model keeps, per path, each version the committed history gave it (zxid -> exists, data,
// version, mzxid), and each session's ephemerals (a closeSession removes them). A read's reply
// carries the zxid of the server's view when it answered (the client's lastZxid after it); the
// answer must be the model's state of the path at exactly that zxid: the same data, version and
// mzxid for getData, the same Stat for exists, and NoNode exactly when the model has no node.
// A read answered beyond what the committed history reaches yet waits: it is checked once a
// committed txn past its zxid shows what the history held at that zxid (a read of a txn that is
// never committed is then caught too, not only by client.reads-committed).
#include "sim/addresses.h"
#include "sim/checkers/checkers.h"
#include "sim/checkers/json_fields.h"
#include "sim/checkers/words.h"

namespace zablab::sim::check {

void CheckEngine::model_note_txn(std::uint64_t digest, std::string_view json) {
  if (digest != 0) txn_text_.try_emplace(digest, json);
}

void CheckEngine::model_apply(const TraceRecord& r, std::int64_t zxid, std::uint64_t digest) {
  if (zxid <= model_tip_) return;  // already replayed
  auto text = txn_text_.find(digest);
  if (text == txn_text_.end()) {
    unreadable(r, "the committed txn " + hx(zxid) + " was never seen whole (no zab.propose or txn.commit with it)");
    model_tip_ = zxid;
    model_blind_from_ = std::min(model_blind_from_, zxid);
    return;
  }
  model_tip_ = zxid;
  const std::string& json = text->second;
  const auto header = json_member(json, "header");
  const std::int64_t session = header ? json_int(*header, "client_id").value_or(0) : 0;
  const auto ops = json_raw_array(json, "ops");
  if (!ops) return;
  for (auto op : *ops)
    if (json_string(op, "type").value_or("") == "error") return;  // a failed multi changes nothing
  auto put = [&](const std::string& path, ModelNode node) { model_[path][zxid] = std::move(node); };
  for (auto op : *ops) {
    const std::string type = json_string(op, "type").value_or("");
    const auto body = json_member(op, "txn");
    if (!body) continue;
    const std::string path = json_string(*body, "path").value_or("");
    const std::string parent = path.size() > 1 ? path.substr(0, std::max<std::size_t>(1, path.rfind('/'))) : "";
    if (type == "create" || type == "create2" || type == "createContainer" || type == "createTTL") {
      put(path, ModelNode{true, json_string(*body, "data").value_or(""), 0, zxid});
      children_changed_[parent].insert(zxid);
      if (json_member(*body, "ephemeral").value_or("false") == "true") {
        ephemerals_[session].insert(path);
        if (auto closed = closed_sessions_.find(session); closed != closed_sessions_.end())
          report("client.ephemeral-lifetime", r, kNoEndpoint,
                 "the committed txn " + hx(zxid) + " creates the ephemeral " + path + " for session " + hx(session) +
                     ", whose close was committed at " + hx(closed->second));
      }
    } else if (type == "setData") {
      put(path, ModelNode{true, json_string(*body, "data").value_or(""),
                          static_cast<std::int32_t>(json_int(*body, "version").value_or(0)), zxid});
    } else if (type == "delete" || type == "deleteContainer") {
      put(path, ModelNode{});
      children_changed_[parent].insert(zxid);
      for (auto& [owner, paths] : ephemerals_) paths.erase(path);
    } else if (type == "closeSession") {
      for (const auto& p : ephemerals_[session]) {
        ModelNode gone;
        gone.closed_session = session;
        put(p, gone);
        children_changed_[p.substr(0, std::max<std::size_t>(1, p.rfind('/')))].insert(zxid);
      }
      ephemerals_.erase(session);
      closed_sessions_.try_emplace(session, zxid);
    }
  }
}

void CheckEngine::check_read_against_model(const TraceRecord& r, const Op& read) {
  if ((!enabled("client.linearizable-reads") && !enabled("client.ephemeral-lifetime")) || read.zxid <= 0 ||
      read.zxid >= model_blind_from_)
    return;
  if (read.zxid > model_tip_) {
    waiting_reads_.emplace(read.zxid, std::pair{json_int(r.detail, "op_id").value_or(0), r.detail});
    return;
  }
  compare_with_model(r, read, r.detail);
}

void CheckEngine::check_waiting_reads(const TraceRecord& r) {
  // The model now knows every committed txn up to model_tip_ (in zxid order): the reads answered
  // at or below it can be judged. Whatever was applied after this txn does not change the model
  // at a read's zxid.
  while (!waiting_reads_.empty() && waiting_reads_.begin()->first <= model_tip_) {
    auto node = waiting_reads_.extract(waiting_reads_.begin());
    auto op = ops_.find(static_cast<std::uint64_t>(node.mapped().first));
    if (op != ops_.end() && node.key() < model_blind_from_) compare_with_model(r, op->second, node.mapped().second);
  }
}

void CheckEngine::compare_with_model(const TraceRecord& r, const Op& read, std::string_view result) {
  const bool found = read.err == "Ok";
  if (!found && read.err != "NoNode") return;
  ModelNode expect;
  if (auto p = model_.find(read.path); p != model_.end()) {
    auto v = p->second.upper_bound(read.zxid);
    if (v != p->second.begin()) expect = std::prev(v)->second;
  }
  const std::string what = read.op + " " + read.path + " by " + name_of(read.client) + " answered at " + hx(read.zxid);
  if (found && !expect.exists && expect.closed_session != 0 && enabled("client.ephemeral-lifetime")) {
    // The node was an ephemeral that its session's close removed: a more particular diagnosis
    // (client.linearizable-reads reports it when client.ephemeral-lifetime is off).
    report("client.ephemeral-lifetime", r, read.client,
           what + " found the ephemeral, which the close of its session " + hx(expect.closed_session) +
               " removed (committed before that zxid)");
    return;
  }
  if (found != expect.exists) {
    report("client.linearizable-reads", r, read.client,
           what + (found ? " found the node, which the committed history has not created (or has deleted) by then"
                         : " found no node, though the committed history has it since " + hx(expect.mzxid)));
    return;
  }
  if (!found) return;
  const auto mzxid = json_int(result, "mzxid");
  const auto version = json_int(result, "version");
  const auto data = json_string(result, "data");
  std::string wrong;
  if (mzxid && *mzxid != expect.mzxid) wrong += " mzxid " + hx(*mzxid) + " (model: " + hx(expect.mzxid) + ")";
  if (version && *version != expect.version)
    wrong += " version " + std::to_string(*version) + " (model: " + std::to_string(expect.version) + ")";
  if (read.op == "getData" && data && *data != expect.data) wrong += " data that differ from the model's";
  if (!wrong.empty()) report("client.linearizable-reads", r, read.client, what + " read" + wrong);
}

}  // namespace zablab::sim::check
