#include "runtime/client/recipe_session.h"

namespace zablab::runtime {

RecipeSession::RecipeSession(const std::string& hosts, std::int32_t session_timeout_ms, std::int64_t connect_timeout_ms,
                             std::shared_ptr<boost::asio::io_context> io)
    : io_(io ? std::move(io) : std::make_shared<boost::asio::io_context>()) {
  client::ClientOptions o;
  o.hosts = parse_hosts(hosts);
  o.session_timeout_ms = session_timeout_ms;
  o.reconnect_jitter_ms = 50;
  o.round_delay_ms = 200;
  connect(std::move(o), connect_timeout_ms);
}

RecipeSession::RecipeSession(client::ClientOptions options, std::int64_t connect_timeout_ms,
                             std::shared_ptr<boost::asio::io_context> io)
    : io_(io ? std::move(io) : std::make_shared<boost::asio::io_context>()) {
  connect(std::move(options), connect_timeout_ms);
}

void RecipeSession::connect(client::ClientOptions o, std::int64_t connect_timeout_ms) {
  env_ = std::make_unique<AsioClientEnv>(*io_, LogLevel::error);
  std::string hosts;
  for (const auto& h : o.hosts) hosts += (hosts.empty() ? "" : ",") + h;
  client_ = std::make_unique<client::Client>(*env_, std::move(o));
  env_->attach(*client_);
  client_->start();
  if (!run_until([&] { return client_->state() == client::State::connected; }, connect_timeout_ms))
    throw std::runtime_error("no ZooKeeper session with " + hosts + " within " + std::to_string(connect_timeout_ms) +
                             " ms (state " + std::string(client::state_name(client_->state())) + ")");
}

RecipeSession::~RecipeSession() {
  close();
  // The client goes before its env; nothing may run between.
  client_.reset();
  env_.reset();
}

bool RecipeSession::run_until(const std::function<bool()>& pred, std::int64_t timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!pred()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    if (io_->stopped()) io_->restart();
    // Bounded steps, so pred() is looked at again soon even when nothing happens.
    io_->run_one_for(std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(20)));
  }
  return true;
}

void RecipeSession::run_for(std::int64_t ms) {
  run_until([] { return false; }, ms);
}

void RecipeSession::close() {
  if (!client_ || client_->state() == client::State::closed) return;
  auto done = std::make_shared<bool>(false);
  client_->close([done](Err) { *done = true; });
  run_until([&] { return *done; }, 3000);
}

}  // namespace zablab::runtime
