// client.linearizable-reads: a model of the data tree, built by replaying the committed txns in
// zxid order, against which every read's whole answer is compared (client_answers.cpp).
//
// The model keeps, per path, each version the committed history gave it (zxid -> the node: its
// data, whole Stat, children and ACL), and each session's ephemerals (a closeSession removes
// them). It replays txns as ZooKeeper 3.8's DataTree applies them: a create sets the parent's
// stored cversion to the txn's parentCVersion (or one more) and its pzxid to the zxid; a delete
// moves only the parent's pzxid (the reported cversion, 2 x creates - children, moves by itself).
// A read's reply carries the zxid of the server's view when it answered (the client's lastZxid
// after it); the answer must be the model's state of the path at exactly that zxid, and NoNode
// exactly when the model has no node. A read answered beyond what the committed history reaches
// yet waits: it is checked once a committed txn past its zxid shows what the history held at that
// zxid (a read of a txn that is never committed is then caught too, not only by
// client.reads-committed).
#include "sim/addresses.h"
#include "sim/checkers/checkers.h"
#include "sim/checkers/json_fields.h"
#include "sim/checkers/words.h"

namespace zablab::sim::check {

namespace {
std::string parent_of(const std::string& path) {
  return path.size() > 1 ? path.substr(0, std::max<std::size_t>(1, path.rfind('/'))) : "";
}
std::string base_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }
}  // namespace

void CheckEngine::model_note_txn(std::uint64_t digest, std::string_view json) {
  if (digest != 0) txn_text_.try_emplace(digest, json);
}

CheckEngine::ModelNode CheckEngine::model_at(const std::string& path, std::int64_t zxid) const {
  if (auto p = model_.find(path); p != model_.end()) {
    auto v = p->second.upper_bound(zxid);
    if (v != p->second.begin()) return std::prev(v)->second;
  }
  return {};
}

void CheckEngine::model_apply(const TraceRecord& r, std::int64_t zxid, std::uint64_t digest) {
  if (zxid <= model_tip_) return;  // already replayed
  if (model_.empty()) {
    // A fresh ZooKeeper's root: no data, all-zero Stat, one child (its ACL is not modelled).
    ModelNode root;
    root.exists = true;
    root.children = {"zookeeper"};
    model_["/"][0] = std::move(root);
  }
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
  const std::int64_t time = header ? json_int(*header, "time").value_or(0) : 0;
  const auto ops = json_raw_array(json, "ops");
  if (!ops) return;
  for (auto op : *ops)
    if (json_string(op, "type").value_or("") == "error") return;  // a failed multi changes nothing
  auto put = [&](const std::string& path, ModelNode node) { model_[path][zxid] = std::move(node); };
  // The parent of `path` gains or loses the child: its children, stored cversion and pzxid.
  auto child_changed = [&](const std::string& path, bool added, std::int64_t parent_cversion) {
    const std::string parent = parent_of(path);
    children_changed_[parent].insert(zxid);
    ModelNode p = model_at(parent, zxid);
    if (!p.exists) return;
    if (added) {
      p.children.insert(base_of(path));
      const std::int32_t cversion = parent_cversion == -1 ? p.creates + 1 : static_cast<std::int32_t>(parent_cversion);
      if (cversion > p.creates) {
        p.creates = cversion;
        p.pzxid = zxid;
      }
    } else {
      p.children.erase(base_of(path));
      p.pzxid = std::max(p.pzxid, zxid);
    }
    put(parent, std::move(p));
  };
  for (auto op : *ops) {
    const std::string type = json_string(op, "type").value_or("");
    const auto body = json_member(op, "txn");
    if (!body) continue;
    const std::string path = json_string(*body, "path").value_or("");
    if (type == "create" || type == "create2" || type == "createContainer" || type == "createTTL") {
      ModelNode node;
      node.exists = true;
      node.data = json_string(*body, "data").value_or("");
      node.czxid = node.mzxid = node.pzxid = zxid;
      node.ctime = node.mtime = time;
      const bool ephemeral = json_member(*body, "ephemeral").value_or("false") == "true";
      node.ephemeral_owner = ephemeral ? session : 0;
      node.owner_known = type == "create" || type == "create2";
      node.acl = std::string(json_member(*body, "acl").value_or(""));
      put(path, std::move(node));
      child_changed(path, true, json_int(*body, "parent_cversion").value_or(-1));
      if (ephemeral) {
        ephemerals_[session].insert(path);
        if (auto closed = closed_sessions_.find(session); closed != closed_sessions_.end())
          report("client.ephemeral-lifetime", r, kNoEndpoint,
                 "the committed txn " + hx(zxid) + " creates the ephemeral " + path + " for session " + hx(session) +
                     ", whose close was committed at " + hx(closed->second));
      }
    } else if (type == "setData") {
      ModelNode node = model_at(path, zxid);
      node.exists = true;
      node.data = json_string(*body, "data").value_or("");
      node.version = static_cast<std::int32_t>(json_int(*body, "version").value_or(0));
      node.mzxid = zxid;
      node.mtime = time;
      put(path, std::move(node));
    } else if (type == "setACL") {
      ModelNode node = model_at(path, zxid);
      node.aversion = static_cast<std::int32_t>(json_int(*body, "version").value_or(0));
      node.acl = std::string(json_member(*body, "acl").value_or(""));
      put(path, std::move(node));
    } else if (type == "delete" || type == "deleteContainer") {
      put(path, ModelNode{});
      child_changed(path, false, 0);
      for (auto& [owner, paths] : ephemerals_) paths.erase(path);
    } else if (type == "closeSession") {
      for (const auto& p : ephemerals_[session]) {
        ModelNode gone;
        gone.closed_session = session;
        put(p, gone);
        child_changed(p, false, 0);
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

}  // namespace zablab::sim::check
