// zablab-cli's commands: a zkCli 3.8-compatible shell over runtime::BlockingClient.
//
// Output goes where zkCli sends it: results (data, lists, stat blocks, "Sync is OK", watch events)
// to stdout; "Created /x", error messages and usage to stderr.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "apps/cli/cli_text.h"
#include "apps/cli/line_reader.h"
#include "runtime/client/blocking_client.h"

namespace zablab::cli {

struct ShellOptions {
  std::string server = "localhost:2181";  // host:port[,host:port...]
  std::int32_t timeout_ms = 30000;        // requested session timeout
  bool read_only = false;                 // -r: may use a read-only server
  LogLevel log_level = LogLevel::error;   // the client library's log lines on stderr
};

class Shell {
 public:
  Shell(Output& output, ShellOptions options);
  ~Shell();
  Shell(const Shell&) = delete;
  Shell& operator=(const Shell&) = delete;

  // Starts a session with `server` (closing the current one). false (and a message) when the
  // connect string is malformed.
  bool connect(const std::string& server);
  // Runs one command line. false when it failed (bad usage, an error from the server, not
  // connected). Blank lines and '#' comments do nothing and succeed.
  bool execute(const std::string& line);
  bool quit_requested() const { return quit_; }
  // "[zk: 127.0.0.1:2181(CONNECTED) 3] "
  std::string prompt() const;
  // Ends the session without printing its Closed event (end of input).
  void close_quietly();
  const std::string& server() const { return server_; }

 private:
  bool run(const std::vector<std::string>& words);
  bool connected_or_complain();
  bool check_path(const std::string& path, bool sequential = false);
  bool usage(const std::string& command);
  bool fail(Err err, const std::string& path);
  bool parse_version(const ParsedArgs& a, std::int32_t& version);
  void print_usage();

  bool cmd_create(const ParsedArgs& a);
  bool cmd_ls(const ParsedArgs& a);
  bool cmd_get(const ParsedArgs& a);
  bool cmd_set(const ParsedArgs& a);
  bool cmd_stat(const ParsedArgs& a);
  bool cmd_delete(const ParsedArgs& a);
  bool cmd_deleteall(const ParsedArgs& a);
  bool cmd_sync(const ParsedArgs& a);
  bool cmd_addauth(const ParsedArgs& a);
  bool cmd_get_acl(const ParsedArgs& a);
  bool cmd_set_acl(const ParsedArgs& a);
  bool cmd_add_watch(const ParsedArgs& a);
  bool cmd_remove_watches(const ParsedArgs& a);
  bool cmd_whoami(const ParsedArgs& a);
  bool cmd_get_ephemerals(const ParsedArgs& a);
  bool cmd_get_all_children_number(const ParsedArgs& a);
  bool cmd_config(const ParsedArgs& a);
  bool cmd_history();
  bool cmd_printwatches(const ParsedArgs& a);

  // BFS below `root` (root first), children sorted; stops at the first error (reported).
  bool walk(const std::string& root, std::vector<std::string>& out, bool print);

  Output& out_;
  ShellOptions options_;
  std::string server_;
  std::unique_ptr<runtime::BlockingClient> zk_;
  client::Watcher watcher_;  // prints "WATCHER::" + the event; default watcher and -w watches
  std::shared_ptr<std::atomic<bool>> print_watches_;
  std::vector<std::string> history_;  // by command number
  bool quit_ = false;
};

}  // namespace zablab::cli
