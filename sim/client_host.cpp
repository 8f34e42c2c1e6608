#include "sim/client_host.h"

#include "sim/addresses.h"
#include "sim/check.h"
#include "sim/json.h"

namespace zablab::sim {

namespace {
constexpr std::uint64_t kClientPrngStream = 3;
}  // namespace

ClientHost::ClientHost(Simulator& sim, SimNetwork& network, EndpointId id, HostOptions options)
    : sim_(sim),
      network_(network),
      id_(id),
      options_(options),
      timers_(sim),
      prng_(sim.derive_seed((kClientPrngStream << 32) | static_cast<std::uint64_t>(id))),
      logs_(options.log_lines_kept) {
  network_.attach(id_, this);
}

ClientHost::~ClientHost() {
  node_.reset();  // first: a client may still call its Env while it is destroyed
  timers_.clear();
  network_.attach(id_, nullptr);
}

template <class F>
void ClientHost::dispatch(F&& handler) {
  ZL_SIM_ASSERT(!in_handler_, "no input reaches a client while one of its handlers runs");
  if (!node_) return;
  in_handler_ = true;
  handler();
  in_handler_ = false;
}

void ClientHost::start(const Factory& factory, const std::function<void(client::ClientNode&)>& boot) {
  ZL_SIM_ASSERT(!node_, "the client is already running");
  sim_.record(make_record(trace_kind::start, id_, kNoEndpoint, kNoEndpoint, Json().str("kind", "client").done()));
  node_ = factory(*this);
  ZL_SIM_ASSERT(node_ != nullptr, "the client factory made nothing");
  if (boot) dispatch([&] { boot(*node_); });
}

void ClientHost::stop(const std::string& reason) {
  ZL_SIM_ASSERT(!in_handler_, "stop() comes from outside the client");
  if (!node_) return;
  sim_.record(make_record(trace_kind::crash, id_, kNoEndpoint, kNoEndpoint, Json().str("reason", reason).done()));
  timers_.clear();
  network_.endpoint_down(id_);
  node_.reset();
}

void ClientHost::invoke(const std::function<void(client::ClientNode&)>& fn) {
  ZL_SIM_ASSERT(node_ != nullptr, "the client is not running");
  if (in_handler_) {  // from one of the client's own callbacks: already inside its handler
    fn(*node_);
    return;
  }
  dispatch([&] { fn(*node_); });
}

TimerId ClientHost::set_timer(std::int64_t delay_ms) {
  return timers_.set(delay_ms, [this](TimerId id) {
    sim_.record(make_record(trace_kind::timer, id_, kNoEndpoint, kNoEndpoint,
                            Json().num("timer", static_cast<std::int64_t>(id)).done()));
    dispatch([&] { node_->on_timer(id); });
  });
}

ConnId ClientHost::connect(const std::string& host_port) {
  const auto target = resolve(host_port);
  // An unknown host is an endpoint nobody attached: the SYN is refused.
  return network_.connect(id_, target ? target->first : kNoEndpoint, target ? target->second : 0);
}

void ClientHost::trace(const TraceEvent& event) { sim_.record(core_record(id_, event)); }

void ClientHost::log(LogLevel level, std::string_view message) {
  logs_.add(sim_, id_, level, message, options_.trace_logs);
}

void ClientHost::net_connected(ConnId conn) {
  dispatch([&] { node_->on_connected(conn); });
}

void ClientHost::net_bytes(ConnId conn, std::string_view bytes) {
  dispatch([&] { node_->on_bytes(conn, bytes); });
}

void ClientHost::net_closed(ConnId conn) {
  dispatch([&] { node_->on_closed(conn); });
}

}  // namespace zablab::sim
