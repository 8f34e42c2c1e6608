// client.linearizable-reads, the comparison: a reply's whole answer against the model tree
// (client_model.cpp) at the zxid the server answered at.
//
// Whole means every field the reply carried, as the op.result record has it: the Stat (czxid,
// mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, dataLength, numChildren,
// pzxid) of getData, exists, setData, getChildren2 and getACL; the data of getData; the children
// of getChildren and getChildren2 (compared as sets: ZooKeeper sends them in no order); the ACL of
// getACL. A record from an older build that has only mzxid and version is compared on those.
#include <algorithm>

#include "sim/addresses.h"
#include "sim/checkers/checkers.h"
#include "sim/checkers/json_fields.h"
#include "sim/checkers/words.h"

namespace zablab::sim::check {

namespace {

// The reply's Stat field `key`: from its "stat" object, else (older records) a top-level member.
std::optional<std::int64_t> stat_field(std::string_view result, std::string_view key) {
  if (const auto stat = json_member(result, "stat")) return json_int(*stat, key);
  return key == "mzxid" || key == "version" ? json_int(result, key) : std::nullopt;
}

std::string list_text(const std::vector<std::string>& names) {
  std::string out = "[";
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? "," : "") + names[i];
  return out + "]";
}

}  // namespace

bool CheckEngine::is_model_read(std::string_view op) {
  return op == "getData" || op == "exists" || op == "getChildren" || op == "getChildren2" || op == "getACL" ||
         op == "setData";
}

std::string CheckEngine::model_differences(const Op& read, const ModelNode& expect, std::string_view result) {
  std::string wrong;
  auto field = [&](std::string_view key, std::int64_t model, bool as_zxid) {
    const auto got = stat_field(result, key);
    if (got && *got != model)
      wrong += " " + std::string(key) + " " + (as_zxid ? hx(*got) : std::to_string(*got)) +
               " (model: " + (as_zxid ? hx(model) : std::to_string(model)) + ")";
  };
  const auto children = static_cast<std::int32_t>(expect.children.size());
  field("czxid", expect.czxid, true);
  field("mzxid", expect.mzxid, true);
  field("pzxid", expect.pzxid, true);
  field("ctime", expect.ctime, false);
  field("mtime", expect.mtime, false);
  field("version", expect.version, false);
  field("cversion", 2 * expect.creates - children, false);
  field("aversion", expect.aversion, false);
  if (expect.owner_known) field("ephemeral_owner", expect.ephemeral_owner, true);
  field("data_length", static_cast<std::int64_t>(expect.data.size()), false);
  field("num_children", children, false);
  if (read.op == "getData")
    if (const auto data = json_string(result, "data"); data && *data != expect.data)
      wrong += " data that differ from the model's";
  if (auto got = json_string_array(result, "children")) {
    std::sort(got->begin(), got->end());
    const std::vector<std::string> model(expect.children.begin(), expect.children.end());
    if (*got != model) wrong += " children " + list_text(*got) + " (model: " + list_text(model) + ")";
  }
  if (const auto acl = json_member(result, "acl"); acl && !expect.acl.empty() && *acl != expect.acl)
    wrong += " ACL " + std::string(*acl) + " (model: " + expect.acl + ")";
  return wrong;
}

void CheckEngine::compare_with_model(const TraceRecord& r, const Op& read, std::string_view result) {
  // The violation's window is the one operation whose answer is wrong.
  auto report_read = [&](std::string_view invariant, std::string message) {
    const std::size_t before = violations_.size();
    report(invariant, r, read.client, std::move(message));
    if (const auto id = json_int(result, "op_id"); id && violations_.size() > before)
      violations_.back().ops = {static_cast<std::uint64_t>(*id)};
  };
  const bool found = read.err == "Ok";
  if (!found && (read.err != "NoNode" || read.op == "setData")) return;
  const ModelNode expect = model_at(read.path, read.zxid);
  const std::string what = read.op + " " + read.path + " by " + name_of(read.client) + " answered at " + hx(read.zxid);
  if (found && !expect.exists && expect.closed_session != 0 && enabled("client.ephemeral-lifetime")) {
    // The node was an ephemeral that its session's close removed: a more particular diagnosis
    // (client.linearizable-reads reports it when client.ephemeral-lifetime is off).
    report_read("client.ephemeral-lifetime",
                what + " found the ephemeral, which the close of its session " + hx(expect.closed_session) +
               " removed (committed before that zxid)");
    return;
  }
  if (found != expect.exists) {
    report_read("client.linearizable-reads",
                what + (found ? " found the node, which the committed history has not created (or has deleted) by then"
                         : " found no node, though the committed history has it since " + hx(expect.mzxid)));
    return;
  }
  if (!found) return;
  const std::string wrong = model_differences(read, expect, result);
  if (!wrong.empty()) report_read("client.linearizable-reads", what + (read.op == "setData" ? " returned" : " read") + wrong);
}

}  // namespace zablab::sim::check
