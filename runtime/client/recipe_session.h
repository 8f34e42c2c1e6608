// Running the recipes (core/client/recipes) in a real program, without threads: one io_context,
// one or more real clients on it, and calls that run the loop until an answer arrives.
//
//   runtime::RecipeSession zk("127.0.0.1:2181");            // connects; throws if it cannot
//   recipes::Lock lock(zk.client(), "/locks/printer");
//   Err e = zk.await<Err>([&](auto done) { lock.acquire(done); }, 10000);
//   ... use it while lock.held() ...
//   zk.await<Err>([&](auto done) { lock.release(done); });
//
// Everything (the clients, the recipes, their callbacks) runs on the thread that calls await(),
// run_for() or run_until(), so recipe objects need no locking. Several RecipeSessions may share
// one io_context (pass it in) to play several clients in one process, as the integration tests
// do.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/asio/io_context.hpp>

#include "core/client/client.h"
#include "runtime/client/asio_client_env.h"

namespace zablab::runtime {

class RecipeSession {
 public:
  // Connects to `hosts` ("h1:p1,h2:p2") and waits for the session (connect_timeout_ms); throws
  // std::runtime_error naming the hosts if none answers.
  explicit RecipeSession(const std::string& hosts, std::int32_t session_timeout_ms = 10000,
                         std::int64_t connect_timeout_ms = 15000,
                         std::shared_ptr<boost::asio::io_context> io = nullptr);
  // With every client option (e.g. session_id + session_password to resume a session).
  RecipeSession(client::ClientOptions options, std::int64_t connect_timeout_ms,
                std::shared_ptr<boost::asio::io_context> io = nullptr);
  ~RecipeSession();
  RecipeSession(const RecipeSession&) = delete;
  RecipeSession& operator=(const RecipeSession&) = delete;

  client::Client& client() { return *client_; }
  const std::shared_ptr<boost::asio::io_context>& io() const { return io_; }

  // Runs the loop until pred() holds (true) or timeout_ms passed (false).
  bool run_until(const std::function<bool()>& pred, std::int64_t timeout_ms);
  void run_for(std::int64_t ms);

  // Starts an asynchronous call with a `done(T)` callback and runs the loop until done is
  // called; nullopt if it was not within timeout_ms.
  template <class T>
  std::optional<T> await(const std::function<void(std::function<void(T)>)>& start, std::int64_t timeout_ms = 30000) {
    auto result = std::make_shared<std::optional<T>>();
    start([result](T v) { *result = std::move(v); });
    run_until([&] { return result->has_value(); }, timeout_ms);
    return *result;
  }

  // Closes the session (waits up to 3 s for the server's answer).
  void close();

 private:
  void connect(client::ClientOptions options, std::int64_t connect_timeout_ms);
  std::shared_ptr<boost::asio::io_context> io_;
  std::unique_ptr<AsioClientEnv> env_;
  std::unique_ptr<client::Client> client_;
};

}  // namespace zablab::runtime
