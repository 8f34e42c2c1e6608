// LiveSource's inputs log, rewind (going back in a live world), manual delivery and the client
// console's commands. The world is deterministic: the same seed and the same inputs, given
// between the same steps, make the same records. So every call that changes the world is logged
// with the trace size it left, and rewind(seq) builds a fresh world and replays the log up to the
// step that made record `seq`.
#include <algorithm>
#include <string>

#include "gui/model/source.h"
#include "sim/world.h"

namespace zablab::gui {

namespace {
constexpr int kMaxStepsToArrive = 100000;

std::string send_seq_field(std::uint64_t seq) { return "\"send_seq\":" + std::to_string(seq); }
}  // namespace

void LiveSource::log(Input input) {
  input.trace_after = world_->trace().size();
  if (input.kind == Input::Kind::advance && !inputs_.empty() && inputs_.back().kind == Input::Kind::advance) {
    ++inputs_.back().repeat;
    inputs_.back().trace_after = input.trace_after;
    return;
  }
  inputs_.push_back(std::move(input));
}

void LiveSource::replay(std::vector<Input> inputs) { run_inputs(inputs, std::nullopt); }

void LiveSource::run_inputs(const std::vector<Input>& old, std::optional<std::uint64_t> stop) {
  inputs_.clear();
  holding_ = false;
  build();
  auto past = [&] { return stop && world_->trace().size() > *stop; };
  std::string ignored;
  for (const Input& in : old) {
    if (past()) break;
    switch (in.kind) {
      case Input::Kind::advance:
        for (std::uint64_t i = 0; i < in.repeat && !past(); ++i) advance();
        break;
      case Input::Kind::run_to:
        if (!stop || in.trace_after <= *stop + 1) {
          run_to(in.time);
        } else {
          // Stop inside it: run_to takes the same steps as advance() until its very end.
          while (!past() && advance()) {
          }
        }
        break;
      case Input::Kind::command: apply(in.command, ignored); break;
      case Input::Kind::hold: set_manual_delivery(in.on, ignored); break;
      case Input::Kind::release:
        if (world_->network().deliver_held(in.conn, in.from)) {
          Input again = Input::of(Input::Kind::release);
          again.conn = in.conn;
          again.from = in.from;
          log(std::move(again));
        }
        break;
    }
  }
}

bool LiveSource::rewind(std::uint64_t seq, std::string& error) {
  if (seq >= world_->trace().size()) {
    error = "record #" + std::to_string(seq) + " has not happened yet";
    return false;
  }
  const std::vector<Input> old = std::move(inputs_);
  run_inputs(old, seq);
  if (world_->trace().size() <= seq) {
    error = "replaying the inputs did not reach record #" + std::to_string(seq) + " (a bug: please report it)";
    return false;
  }
  return true;
}

bool LiveSource::manual_delivery() const { return holding_; }

bool LiveSource::set_manual_delivery(bool on, std::string&) {
  // Peer traffic only: clients keep talking to their servers, and the teacher picks among the
  // election notifications and Zab packets.
  world_->network().hold_deliveries(on, {sim::port::quorum, sim::port::election});
  holding_ = on;
  Input in = Input::of(Input::Kind::hold);
  in.on = on;
  log(std::move(in));
  return true;
}

std::vector<sim::HeldMessage> LiveSource::pending_deliveries() const { return world_->network().held_messages(); }

bool LiveSource::deliver(ConnId conn, EndpointId from, std::string& error) {
  std::uint64_t send_seq = 0;
  bool found = false;
  for (const auto& m : world_->network().held_messages())
    if (m.conn == conn && m.from == from) {
      send_seq = m.send_seq;
      found = true;
    }
  if (!found || !world_->network().deliver_held(conn, from)) {
    error = "no message from " + endpoint_name(from) + " is waiting on connection " + std::to_string(conn);
    return false;
  }
  Input in = Input::of(Input::Kind::release);
  in.conn = conn;
  in.from = from;
  log(std::move(in));
  // Run until it has arrived (or died): its net.deliver / net.drop names its send record.
  const std::string field = send_seq_field(send_seq);
  auto& records = world_->trace().records();
  std::size_t scanned = records.size();
  for (int i = 0; i < kMaxStepsToArrive; ++i) {
    if (!advance()) break;
    for (; scanned < records.size(); ++scanned) {
      const auto& r = records[scanned];
      if ((r.kind == sim::trace_kind::deliver || r.kind == sim::trace_kind::drop) &&
          r.detail.find(field) != std::string::npos)
        return true;
    }
  }
  error = "the message from " + endpoint_name(from) + " did not arrive";
  return false;
}

bool LiveSource::apply_client_command(const Command& c, std::string& error) {
  sim::World& w = *world_;
  const auto clients = w.clients();
  if (std::find(clients.begin(), clients.end(), c.a) == clients.end() || !w.up(c.a)) {
    error = "no running client " + endpoint_name(c.a);
    return false;
  }
  if (c.kind == CommandKind::drop_client) {
    if (w.drop_connections(c.a) == 0) {
      error = endpoint_name(c.a) + " has no connection to drop";
      return false;
    }
    return true;
  }
  const std::string& path = c.text;
  if (c.op != "sync" && c.op != "close" && (path.empty() || path[0] != '/')) {
    error = "a path starts with /";
    return false;
  }
  // A watch leaves the World's op history out (it has no watch argument); the trace still shows
  // the request, the notification and its delivery.
  const client::Watcher watcher = client::make_watcher([](const client::WatchedEvent&) {});
  if (c.op == "create") {
    w.create(c.a, path, c.data, c.ephemeral ? 1 : 0);
  } else if (c.op == "set") {
    w.set_data(c.a, path, c.data);
  } else if (c.op == "get") {
    if (c.watch)
      w.client(c.a).get_data(path, watcher, [](const client::Result<jute::GetDataResponse>&) {});
    else
      w.get_data(c.a, path);
  } else if (c.op == "exists") {
    if (c.watch)
      w.client(c.a).exists(path, watcher, [](const client::Result<jute::Stat>&) {});
    else
      w.exists(c.a, path);
  } else if (c.op == "ls") {
    if (c.watch)
      w.client(c.a).get_children(path, watcher, false, [](const client::Result<client::ChildrenResult>&) {});
    else
      w.get_children(c.a, path);
  } else if (c.op == "delete") {
    w.remove(c.a, path);
  } else if (c.op == "sync") {
    w.sync(c.a, path.empty() ? "/" : path);
  } else if (c.op == "close") {
    w.close_session(c.a);
  } else {
    error = "unknown operation " + c.op + " (create, set, get, exists, ls, delete, sync, close)";
    return false;
  }
  return true;
}

}  // namespace zablab::gui
