#include "runtime/client/blocking_client.h"

#include <chrono>
#include <stdexcept>

#include <boost/asio/post.hpp>

namespace zablab::runtime {

namespace asio = boost::asio;

BlockingClient::BlockingClient(Options options)
    : options_(std::move(options)), work_(asio::make_work_guard(io_)), env_(io_, options_.log_level) {
  if (options_.log_sink) env_.set_log_sink(options_.log_sink);
  env_.set_tcp_connect_timeout_ms(options_.tcp_connect_timeout_ms);
  client_ = std::make_unique<client::Client>(env_, options_.client);
  env_.attach(*client_);
  client_->add_state_listener([this](client::State s) { on_state(s); });
  if (options_.state_listener) client_->add_state_listener(options_.state_listener);
  if (options_.default_watcher) client_->set_default_watcher(options_.default_watcher);
  std::promise<std::thread::id> started;
  auto id = started.get_future();
  thread_ = std::thread([this, &started] {
    started.set_value(std::this_thread::get_id());
    // A throwing watcher or callback must not end the loop (nor the process).
    for (int restarts = 0; restarts < 1'000'000; ++restarts) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        env_.log(LogLevel::error, std::string("callback threw: ") + e.what());
      } catch (...) {
        env_.log(LogLevel::error, "callback threw a non-exception");
      }
    }
  });
  io_thread_id_ = id.get();
  asio::post(io_, [this] { client_->start(); });
}

BlockingClient::~BlockingClient() {
  if (std::this_thread::get_id() != io_thread_id_) {
    const auto s = state_.load();
    if (s != client::State::closed) {
      auto done = std::make_shared<std::promise<void>>();
      auto future = done->get_future();
      asio::post(io_, [this, done] {
        client_->close([done](Err) { done->set_value(); });
      });
      wait(future, options_.close_wait_ms);
    }
  }
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
  client_.reset();  // the loop is stopped: safe to touch from here
}

void BlockingClient::on_state(client::State) {
  // Published after the handler that changed the state has returned, i.e. after every callback
  // of this transition (the default watcher's event included) ran: a thread that sees CONNECTED
  // has also seen what the watcher printed.
  asio::post(io_, [this] { publish_state(); });
}

void BlockingClient::publish_state() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_.store(client_->state());
    session_id_.store(client_->session_id());
    timeout_.store(client_->negotiated_timeout_ms());
    host_ = client_->connected_host();
  }
  state_changed_.notify_all();
}

std::string BlockingClient::connected_host() const {
  std::lock_guard<std::mutex> lock(mu_);
  return host_;
}

bool BlockingClient::wait_connected(std::int64_t timeout_ms) {
  check_not_io_thread("wait_connected");
  std::unique_lock<std::mutex> lock(mu_);
  auto ended = [this] {
    const auto s = state_.load();
    return s == client::State::connected || s == client::State::closed ||
           (s == client::State::lost && !options_.client.renew_session);
  };
  state_changed_.wait_for(lock, std::chrono::milliseconds(std::max<std::int64_t>(0, timeout_ms)), ended);
  return state_.load() == client::State::connected;
}

bool BlockingClient::wait_connected_or_unreachable(std::int64_t timeout_ms) {
  check_not_io_thread("wait_connected_or_unreachable");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(0, timeout_ms));
  // Failed attempts change no state, so look every few milliseconds (bounded by the deadline).
  for (;;) {
    if (wait_connected(20)) return true;
    const auto s = state_.load();
    if (s == client::State::closed || (s == client::State::lost && !options_.client.renew_session)) return false;
    bool unreachable = false;
    run_on_io([&unreachable](client::Client& c) { unreachable = c.consecutive_failures() >= c.hosts().size(); });
    if (unreachable || std::chrono::steady_clock::now() >= deadline) return state_.load() == client::State::connected;
  }
}

std::int64_t BlockingClient::call_timeout() const {
  if (options_.call_timeout_ms > 0) return options_.call_timeout_ms;
  if (options_.client.request_timeout_ms > 0) return options_.client.request_timeout_ms + 5000;
  return 0;  // forever
}

template <class F>
bool BlockingClient::wait(F& future, std::int64_t timeout_ms) const {
  if (timeout_ms <= 0) {
    future.wait();
    return true;
  }
  return future.wait_for(std::chrono::milliseconds(timeout_ms)) == std::future_status::ready;
}

void BlockingClient::check_not_io_thread(const char* what) const {
  if (std::this_thread::get_id() == io_thread_id_)
    throw std::logic_error(std::string("BlockingClient::") + what +
                           " called on the io thread (from a watcher or callback): it would wait for itself");
}

template <class T, class Start>
client::Result<T> BlockingClient::call(Start start) {
  check_not_io_thread("call");
  auto promise = std::make_shared<std::promise<client::Result<T>>>();
  auto future = promise->get_future();
  asio::post(io_, [this, promise, start = std::move(start)]() mutable {
    start(*client_, [promise](const client::Result<T>& r) { promise->set_value(r); });
  });
  if (!wait(future, call_timeout())) return client::Result<T>{Err::operation_timeout, {}};
  return future.get();
}

Err BlockingClient::call_err(std::function<void(client::Client&, client::DoneCallback)> start) {
  check_not_io_thread("call");
  auto promise = std::make_shared<std::promise<Err>>();
  auto future = promise->get_future();
  asio::post(io_, [this, promise, start = std::move(start)] {
    start(*client_, [promise](Err e) { promise->set_value(e); });
  });
  if (!wait(future, call_timeout())) return Err::operation_timeout;
  return future.get();
}

BlockingClient::CreateResult BlockingClient::create(const std::string& path, jute::Bytes data, data::Acl acl,
                                                    std::int32_t flags, std::int64_t ttl) {
  return call<client::CreateResult>([=](client::Client& c, client::Callback<client::CreateResult> cb) {
    c.create(path, data, acl, flags, std::move(cb), ttl);
  });
}

BlockingClient::CreateResult BlockingClient::create2(const std::string& path, jute::Bytes data, data::Acl acl,
                                                     std::int32_t flags, std::int64_t ttl) {
  return call<client::CreateResult>([=](client::Client& c, client::Callback<client::CreateResult> cb) {
    c.create2(path, data, acl, flags, std::move(cb), ttl);
  });
}

Err BlockingClient::remove(const std::string& path, std::int32_t version) {
  return call_err([=](client::Client& c, client::DoneCallback cb) { c.remove(path, version, std::move(cb)); });
}

client::Result<jute::Stat> BlockingClient::exists(const std::string& path, client::Watcher watcher) {
  return call<jute::Stat>([=](client::Client& c, client::Callback<jute::Stat> cb) {
    c.exists(path, watcher, std::move(cb));
  });
}

client::Result<jute::GetDataResponse> BlockingClient::get_data(const std::string& path, client::Watcher watcher) {
  return call<jute::GetDataResponse>([=](client::Client& c, client::Callback<jute::GetDataResponse> cb) {
    c.get_data(path, watcher, std::move(cb));
  });
}

client::Result<jute::Stat> BlockingClient::set_data(const std::string& path, jute::Bytes data, std::int32_t version) {
  return call<jute::Stat>([=](client::Client& c, client::Callback<jute::Stat> cb) {
    c.set_data(path, data, version, std::move(cb));
  });
}

client::Result<client::ChildrenResult> BlockingClient::get_children(const std::string& path,
                                                                    client::Watcher watcher, bool with_stat) {
  return call<client::ChildrenResult>([=](client::Client& c, client::Callback<client::ChildrenResult> cb) {
    c.get_children(path, watcher, with_stat, std::move(cb));
  });
}

client::Result<jute::GetACLResponse> BlockingClient::get_acl(const std::string& path) {
  return call<jute::GetACLResponse>(
      [=](client::Client& c, client::Callback<jute::GetACLResponse> cb) { c.get_acl(path, std::move(cb)); });
}

client::Result<jute::Stat> BlockingClient::set_acl(const std::string& path, data::Acl acl, std::int32_t version) {
  return call<jute::Stat>([=](client::Client& c, client::Callback<jute::Stat> cb) {
    c.set_acl(path, acl, version, std::move(cb));
  });
}

client::Result<std::string> BlockingClient::sync(const std::string& path) {
  return call<std::string>([=](client::Client& c, client::Callback<std::string> cb) { c.sync(path, std::move(cb)); });
}

client::Result<std::vector<client::OpResult>> BlockingClient::multi(std::vector<client::Op> ops) {
  return call<std::vector<client::OpResult>>(
      [ops = std::move(ops)](client::Client& c, client::Callback<std::vector<client::OpResult>> cb) {
        c.multi(ops, std::move(cb));
      });
}

Err BlockingClient::add_auth(const std::string& scheme, const std::string& credential) {
  return call_err([=](client::Client& c, client::DoneCallback cb) { c.add_auth(scheme, credential, std::move(cb)); });
}

Err BlockingClient::add_watch(const std::string& path, std::int32_t mode, client::Watcher watcher) {
  return call_err([=](client::Client& c, client::DoneCallback cb) { c.add_watch(path, mode, watcher, std::move(cb)); });
}

Err BlockingClient::remove_watches(const std::string& path, std::int32_t watcher_type) {
  return call_err(
      [=](client::Client& c, client::DoneCallback cb) { c.remove_watches(path, watcher_type, std::move(cb)); });
}

client::Result<std::vector<jute::ClientInfo>> BlockingClient::who_am_i() {
  return call<std::vector<jute::ClientInfo>>(
      [](client::Client& c, client::Callback<std::vector<jute::ClientInfo>> cb) { c.who_am_i(std::move(cb)); });
}

client::Result<std::vector<std::string>> BlockingClient::get_ephemerals(const std::string& prefix_path) {
  return call<std::vector<std::string>>([=](client::Client& c, client::Callback<std::vector<std::string>> cb) {
    c.get_ephemerals(prefix_path, std::move(cb));
  });
}

client::Result<std::int32_t> BlockingClient::get_all_children_number(const std::string& path) {
  return call<std::int32_t>([=](client::Client& c, client::Callback<std::int32_t> cb) {
    c.get_all_children_number(path, std::move(cb));
  });
}

Err BlockingClient::close() {
  const Err err = call_err([](client::Client& c, client::DoneCallback cb) { c.close(std::move(cb)); });
  // The CLOSED state is published by a handler posted before the close callback ran: wait for it,
  // so state() says CLOSED once close() returned.
  if (err == Err::ok) run_on_io([](client::Client&) {});
  return err;
}

void BlockingClient::run_on_io(const std::function<void(client::Client&)>& fn) {
  check_not_io_thread("run_on_io");
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  asio::post(io_, [this, &fn, done] {
    try {
      fn(*client_);
      done->set_value();
    } catch (...) {
      done->set_exception(std::current_exception());
    }
  });
  future.get();
}

void BlockingClient::post(std::function<void(client::Client&)> fn) {
  asio::post(io_, [this, fn = std::move(fn)] { fn(*client_); });
}

}  // namespace zablab::runtime
