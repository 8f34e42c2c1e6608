#include "gui/model/violation_window.h"

namespace zablab::gui {

namespace tk = sim::trace_kind;

void ViolationWindows::follow(const Timeline& timeline) {
  for (; next_ < timeline.size(); ++next_) {
    const TraceRecord& r = timeline.at(next_);
    if (r.kind == tk::client_invoke) {
      const JsonValue d = JsonValue::parse(r.detail);
      Known& k = ops_[static_cast<std::uint64_t>(d["op_id"].int_or(0))];
      k.client = r.node;
      k.op = r.msg_type;
      k.path = d["path"].str();
      k.invoke_seq = static_cast<std::int64_t>(r.seq);
    } else if (r.kind == tk::client_return) {
      const auto id = static_cast<std::uint64_t>(JsonValue::parse(r.detail)["op_id"].int_or(0));
      if (auto k = ops_.find(id); k != ops_.end()) k->second.return_seq = static_cast<std::int64_t>(r.seq);
      // A return after the violation (an op of the window still in flight then).
      if (auto a = awaiting_return_.find(id); a != awaiting_return_.end()) {
        windows_.front().ops[a->second].return_seq = static_cast<std::int64_t>(r.seq);
        marked_.insert(r.seq);
        awaiting_return_.erase(a);
      }
    } else if (r.kind == tk::check_violation) {
      const JsonValue d = JsonValue::parse(r.detail);
      const JsonValue& ops = d["ops"];
      if (!ops.is_array() || ops.size() == 0) continue;
      ViolationWindow w;
      w.violation_seq = r.seq;
      w.invariant = r.msg_type.empty() ? d["invariant"].str() : r.msg_type;
      for (const JsonValue& id : ops.elements()) {
        WindowOp op;
        op.op_id = static_cast<std::uint64_t>(id.int_or(0));
        w.ops.push_back(std::move(op));
      }
      resolve(w);
      if (windows_.empty()) {
        for (std::size_t i = 0; i < w.ops.size(); ++i) {
          const WindowOp& op = w.ops[i];
          if (op.invoke_seq >= 0) marked_.insert(static_cast<std::uint64_t>(op.invoke_seq));
          if (op.return_seq >= 0) marked_.insert(static_cast<std::uint64_t>(op.return_seq));
          else if (op.invoke_seq >= 0) awaiting_return_[op.op_id] = i;
        }
      }
      windows_.push_back(std::move(w));
    }
  }
}

void ViolationWindows::resolve(ViolationWindow& w) const {
  for (WindowOp& op : w.ops) {
    auto k = ops_.find(op.op_id);
    if (k == ops_.end()) continue;
    op.client = k->second.client;
    op.op = k->second.op;
    op.path = k->second.path;
    op.invoke_seq = k->second.invoke_seq;
    op.return_seq = k->second.return_seq;
  }
}

}  // namespace zablab::gui
