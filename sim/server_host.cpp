#include "sim/server_host.h"

#include "sim/addresses.h"
#include "sim/check.h"
#include "sim/crash_points.h"
#include "sim/json.h"

namespace zablab::sim {

namespace {
constexpr std::uint64_t kServerPrngStream = 1;
constexpr std::uint64_t kServerDiskStream = 2;
std::uint64_t stream(std::uint64_t tag, EndpointId id) { return (tag << 32) | static_cast<std::uint64_t>(id); }
}  // namespace

ServerHost::ServerHost(Simulator& sim, SimNetwork& network, EndpointId id, server::ServerConfig config, ServerKind kind,
                       DiskOptions disk_options, HostOptions options)
    : sim_(sim),
      network_(network),
      id_(id),
      config_(std::move(config)),
      kind_(std::move(kind)),
      options_(options),
      disk_(sim, id, sim.derive_seed(stream(kServerDiskStream, id)), std::move(disk_options)),
      timers_(sim),
      prng_(sim.derive_seed(stream(kServerPrngStream, id))),
      logs_(options.log_lines_kept),
      peers_(sim, network, id) {
  disk_.set_completion([this](DiskToken token, const DiskStatus& status) {
    if (up_) dispatch([&] { node_->on_disk_done(token, status); });
  });
  network_.attach(id_, this);
}

ServerHost::~ServerHost() {
  node_.reset();  // first: a node may still call its Env while it is destroyed
  timers_.clear();
  network_.attach(id_, nullptr);
}

template <class F>
void ServerHost::dispatch(F&& handler) {
  ZL_SIM_ASSERT(!in_handler_, "no input reaches a node while one of its handlers runs");
  ZL_SIM_ASSERT(up_ && node_, "only a running node gets inputs");
  in_handler_ = true;
  handler();
  in_handler_ = false;
  if (!dying_.empty()) {
    // An armed crash point was reached: the machine loses power right there.
    const std::string point = std::move(dying_);
    dying_.clear();
    shutdown_requested_.clear();
    stop_process("crash at " + point);
    disk_.crash();
    return;
  }
  if (!shutdown_requested_.empty()) {
    const std::string reason = std::move(shutdown_requested_);
    shutdown_requested_.clear();
    stop_process(reason, StopHow::exit);
  }
}

void ServerHost::start() {
  ZL_SIM_ASSERT(!up_, "start() needs the node down");
  ++incarnation_;
  up_ = true;
  network_.power_on(id_);  // after a power_off the machine answers again
  down_reason_.clear();
  sim_.record(make_record(incarnation_ == 1 ? trace_kind::start : trace_kind::restart, id_, kNoEndpoint, kNoEndpoint,
                          Json().num("incarnation", incarnation_).str("kind", kind_.name).done()));
  node_ = kind_.make(*this, config_);
  dispatch([&] { node_->start(); });
}

void ServerHost::crash(const std::string& reason) {
  ZL_SIM_ASSERT(!in_handler_, "crash() comes from outside the node");
  if (up_) stop_process(reason);
  disk_.crash();
}

void ServerHost::kill(const std::string& reason) {
  ZL_SIM_ASSERT(!in_handler_, "kill() comes from outside the node");
  if (up_) stop_process(reason, StopHow::kill);
}

void ServerHost::power_off(const std::string& reason) {
  ZL_SIM_ASSERT(!in_handler_, "power_off() comes from outside the node");
  if (up_) stop_process(reason, StopHow::power_off);
  disk_.crash();
}

void ServerHost::stop_process(const std::string& reason, StopHow how) {
  up_ = false;
  down_reason_ = reason;
  // When the machine lives on, the disk work the process still had queued dies with it (a crash
  // or power loss takes that and the page cache: disk_.crash() right after this).
  const std::size_t dropped = how == StopHow::kill || how == StopHow::exit ? disk_.drop_pending() : 0;
  Json detail;
  detail.str("reason", reason).num("incarnation", incarnation_);
  // Only the two named kinds say how: a plain crash or exit records what it always did.
  if (how == StopHow::kill || how == StopHow::power_off) detail.str("how", how == StopHow::kill ? "kill" : "power-off");
  if (how == StopHow::kill) detail.num("queued_disk_ops_lost", static_cast<std::int64_t>(dropped));
  sim_.record(make_record(trace_kind::crash, id_, kNoEndpoint, kNoEndpoint, detail.done()));
  timers_.clear();
  if (how == StopHow::power_off) {
    network_.power_off(id_);
  } else {
    network_.endpoint_down(id_);
  }
  peers_.clear();
  node_.reset();
}

TimerId ServerHost::set_timer(std::int64_t delay_ms) {
  return timers_.set(delay_ms, [this](TimerId id) {
    sim_.record(make_record(trace_kind::timer, id_, kNoEndpoint, kNoEndpoint,
                            Json().num("timer", static_cast<std::int64_t>(id)).done()));
    dispatch([&] { node_->on_timer(id); });
  });
}

void ServerHost::shutdown(std::string_view reason) {
  if (!dying_.empty()) return;  // already dead at a crash point
  sim_.record(make_record(trace_kind::shutdown, id_, kNoEndpoint, kNoEndpoint, Json().str("reason", reason).done()));
  shutdown_requested_ = reason.empty() ? "shutdown" : std::string(reason);
  if (!in_handler_) {  // called from outside any handler (a test poking the Env)
    const std::string r = std::move(shutdown_requested_);
    shutdown_requested_.clear();
    if (up_) stop_process(r, StopHow::exit);
  }
}

void ServerHost::trace(const TraceEvent& event) {
  if (!dying_.empty()) return;
  sim_.record(core_record(id_, event));
  if (event.kind != EventKind::persist_point || !in_handler_ || armed_points_.empty()) return;
  const std::string point = crash_point_of(event.detail);
  auto it = armed_points_.find(point);
  if (it == armed_points_.end()) return;
  armed_points_.erase(it);
  dying_ = point;
}

void ServerHost::log(LogLevel level, std::string_view message) {
  if (!dying_.empty()) return;
  logs_.add(sim_, id_, level, message, options_.trace_logs);
}

void ServerHost::net_accepted(ConnId conn, EndpointId from, int port_number) {
  if (auto channel = channel_of(port_number)) {
    deliver_peer_inputs(peers_.accepted(conn, from, *channel));
    return;
  }
  dispatch([&] { node_->on_client_connected(conn, remote_of(from, conn)); });
}

void ServerHost::net_connected(ConnId conn) { peers_.connected(conn); }  // only peer links connect out

void ServerHost::net_bytes(ConnId conn, std::string_view bytes) {
  if (!up_) return;
  if (peers_.owns(conn)) {
    deliver_peer_inputs(peers_.bytes(conn, bytes));
    return;
  }
  dispatch([&] { node_->on_client_bytes(conn, bytes); });
}

void ServerHost::net_closed(ConnId conn) {
  if (!up_) return;
  if (peers_.owns(conn)) {
    deliver_peer_inputs(peers_.closed(conn));
    return;
  }
  dispatch([&] { node_->on_client_closed(conn); });
}

void ServerHost::deliver_peer_inputs(std::vector<PeerLinks::Input> inputs) {
  if (inputs.empty() || !up_) return;
  dispatch([&] {
    for (auto& in : inputs) {
      if (in.disconnected) {
        node_->on_peer_disconnected(in.peer, in.channel);
      } else {
        node_->on_peer_message(in.peer, in.channel, in.message);
      }
    }
  });
}

ServerState ServerHost::state() const {
  ServerState s;
  s.id = id_;
  s.name = name_of(id_);
  s.up = up_;
  s.incarnation = incarnation_;
  s.down_reason = down_reason_;
  s.role = "down";
  if (up_ && node_ && kind_.inspect) kind_.inspect(*node_, s);
  return s;
}

}  // namespace zablab::sim
