// A synchronous ZooKeeper client for tools (zablab-cli, benchmarks): one client::Client on its own
// io thread, with calls that wait for their answer.
//
//   runtime::BlockingClient::Options o;
//   o.client.hosts = runtime::parse_hosts("127.0.0.1:2181");
//   o.client.request_timeout_ms = 10000;          // so no call can wait forever
//   runtime::BlockingClient zk(o);                // starts connecting at once
//   zk.wait_connected(5000);
//   auto r = zk.create("/a", std::string("x"), data::open_acl_unsafe(), 0);
//   if (r.err == Err::node_exists) ...
//
// Threads: the client state machine only ever runs on the io thread; each call posts its request
// there and waits on a future. Watchers, state listeners and log sinks run on the io thread: they
// must not call the blocking methods (that would wait for the thread they run on; it throws
// std::logic_error instead) — use post() from there.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "core/client/client.h"
#include "runtime/client/asio_client_env.h"

namespace zablab::runtime {

class BlockingClient {
 public:
  struct Options {
    client::ClientOptions client;
    LogLevel log_level = LogLevel::warn;
    AsioClientEnv::LogSink log_sink;  // empty: stderr
    std::int64_t tcp_connect_timeout_ms = 10000;
    // The longest a call waits for its answer before returning OperationTimeout (a safety net: the
    // real bound is client.request_timeout_ms). 0: request_timeout_ms + 5 s, or forever when
    // request_timeout_ms is 0.
    std::int64_t call_timeout_ms = 0;
    // How long the destructor waits for closeSession's answer before it lets go.
    std::int64_t close_wait_ms = 3000;
    // Heard on the io thread: connection-state events (None) — see Client::set_default_watcher.
    client::Watcher default_watcher;
    // Heard on the io thread, on every state change.
    std::function<void(client::State)> state_listener;
  };

  explicit BlockingClient(Options options);
  ~BlockingClient();
  BlockingClient(const BlockingClient&) = delete;
  BlockingClient& operator=(const BlockingClient&) = delete;

  // Waits until CONNECTED (true), or until timeout_ms passed or the client is CLOSED / LOST
  // without renewal (false).
  bool wait_connected(std::int64_t timeout_ms);
  // As wait_connected, but also gives up (false) as soon as every host failed once: what a
  // tool wants before its first command.
  bool wait_connected_or_unreachable(std::int64_t timeout_ms);
  // Snapshots kept up to date by the io thread.
  client::State state() const { return state_.load(); }
  std::int64_t session_id() const { return session_id_.load(); }
  std::int32_t negotiated_timeout_ms() const { return timeout_.load(); }
  std::string connected_host() const;

  using CreateResult = client::Result<client::CreateResult>;
  CreateResult create(const std::string& path, jute::Bytes data, data::Acl acl, std::int32_t flags,
                      std::int64_t ttl = 0);
  CreateResult create2(const std::string& path, jute::Bytes data, data::Acl acl, std::int32_t flags,
                       std::int64_t ttl = 0);
  Err remove(const std::string& path, std::int32_t version = -1);
  client::Result<jute::Stat> exists(const std::string& path, client::Watcher watcher = nullptr);
  client::Result<jute::GetDataResponse> get_data(const std::string& path, client::Watcher watcher = nullptr);
  client::Result<jute::Stat> set_data(const std::string& path, jute::Bytes data, std::int32_t version = -1);
  client::Result<client::ChildrenResult> get_children(const std::string& path, client::Watcher watcher = nullptr,
                                                      bool with_stat = false);
  client::Result<jute::GetACLResponse> get_acl(const std::string& path);
  client::Result<jute::Stat> set_acl(const std::string& path, data::Acl acl, std::int32_t version = -1);
  client::Result<std::string> sync(const std::string& path);
  client::Result<std::vector<client::OpResult>> multi(std::vector<client::Op> ops);
  Err add_auth(const std::string& scheme, const std::string& credential);
  Err add_watch(const std::string& path, std::int32_t mode, client::Watcher watcher);
  Err remove_watches(const std::string& path, std::int32_t watcher_type);
  client::Result<std::vector<jute::ClientInfo>> who_am_i();
  client::Result<std::vector<std::string>> get_ephemerals(const std::string& prefix_path);
  client::Result<std::int32_t> get_all_children_number(const std::string& path);
  // Ends the session and waits for it (bounded by the call timeout). Idempotent.
  Err close();

  // Runs fn on the io thread and waits for it to return (fn must not block).
  void run_on_io(const std::function<void(client::Client&)>& fn);
  // Runs fn on the io thread later; safe from any thread, including the io thread.
  void post(std::function<void(client::Client&)> fn);

 private:
  template <class T, class Start>
  client::Result<T> call(Start start);
  Err call_err(std::function<void(client::Client&, client::DoneCallback)> start);
  // Waits for a future within the call timeout; false when it timed out.
  template <class F>
  bool wait(F& future, std::int64_t timeout_ms) const;
  std::int64_t call_timeout() const;
  void check_not_io_thread(const char* what) const;
  void on_state(client::State s);
  void publish_state();

  Options options_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  AsioClientEnv env_;
  std::unique_ptr<client::Client> client_;
  std::thread thread_;
  std::thread::id io_thread_id_;

  std::atomic<client::State> state_{client::State::idle};
  std::atomic<std::int64_t> session_id_{0};
  std::atomic<std::int32_t> timeout_{0};
  mutable std::mutex mu_;
  std::condition_variable state_changed_;
  std::string host_;  // guarded by mu_
};

}  // namespace zablab::runtime
