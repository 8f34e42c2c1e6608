#include "apps/cli/shell.h"

#include <algorithm>
#include <charconv>
#include <deque>
#include <map>
#include <stdexcept>

#include "core/data/path.h"

namespace zablab::cli {
namespace {

struct CommandInfo {
  const char* usage;
  OptionSpec spec;
};

// zkCli's commands and their usage lines (help prints them in this order).
const std::map<std::string, CommandInfo>& commands() {
  static const std::map<std::string, CommandInfo> table = {
      {"addWatch", {"addWatch [-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE", {{}, {'m'}}}},
      {"addauth", {"addauth scheme auth", {}}},
      {"close", {"close ", {}}},
      {"config", {"config [-c] [-w] [-s]", {{'c', 'w', 's'}, {}}}},
      {"connect", {"connect host:port", {}}},
      {"create", {"create [-s] [-e] [-c] [-t ttl] path [data] [acl]", {{'s', 'e', 'c'}, {'t'}}}},
      {"delete", {"delete [-v version] path", {{}, {'v'}}}},
      {"deleteall", {"deleteall path [-b batch size]", {{}, {'b'}}}},
      {"get", {"get [-s] [-w] path", {{'s', 'w'}, {}}}},
      {"getAcl", {"getAcl [-s] path", {{'s'}, {}}}},
      {"getAllChildrenNumber", {"getAllChildrenNumber path", {}}},
      {"getEphemerals", {"getEphemerals path", {}}},
      {"help", {"help ", {}}},
      {"history", {"history ", {}}},
      {"ls", {"ls [-s] [-w] [-R] path", {{'s', 'w', 'R'}, {}}}},
      {"printwatches", {"printwatches on|off", {}}},
      {"quit", {"quit ", {}}},
      {"redo", {"redo cmdno", {}}},
      {"removewatches", {"removewatches path [-c|-d|-a] [-l]", {{'c', 'd', 'a', 'l'}, {}}}},
      {"set", {"set [-s] [-v version] path data", {{'s'}, {'v'}}}},
      {"setAcl", {"setAcl [-s] [-v version] [-R] path acl", {{'s', 'R'}, {'v'}}}},
      {"stat", {"stat [-w] path", {{'w'}, {}}}},
      {"sync", {"sync path", {}}},
      {"version", {"version ", {}}},
      {"whoami", {"whoami ", {}}},
  };
  return table;
}

std::string list_string(std::vector<std::string> items, bool sort) {
  if (sort) std::sort(items.begin(), items.end());
  std::string s = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) s += ", ";
    s += items[i];
  }
  return s + "]";
}

std::string child_of(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

template <class Int>
bool parse_int(const std::string& text, Int& out) {
  const char* b = text.data();
  const char* e = b + text.size();
  auto res = std::from_chars(b, e, out);
  return res.ec == std::errc() && res.ptr == e;
}

std::string state_word(client::State s) {
  switch (s) {
    case client::State::connected: return "CONNECTED";
    case client::State::idle:  // the io thread is about to start it
    case client::State::connecting:
    case client::State::suspended:
    case client::State::lost: return "CONNECTING";
    case client::State::closed: return "CLOSED";
  }
  return "CLOSED";
}

}  // namespace

Shell::Shell(Output& output, ShellOptions options)
    : out_(output), options_(std::move(options)), print_watches_(std::make_shared<std::atomic<bool>>(true)) {
  // Runs on the io thread: prints each event as it arrives (before the reply that follows it).
  watcher_ = client::make_watcher([out = &out_, on = print_watches_](const client::WatchedEvent& e) {
    if (on->load()) out->async_out("\nWATCHER::\n\n" + format_event(e) + "\n");
  });
}

Shell::~Shell() { close_quietly(); }

bool Shell::connect(const std::string& server) {
  runtime::BlockingClient::Options o;
  try {
    o.client.hosts = runtime::parse_hosts(server);
  } catch (const std::invalid_argument& e) {
    out_.err(std::string(e.what()) + "\n");
    return false;
  }
  if (zk_) {
    zk_->close();
    zk_.reset();
  }
  server_ = server;
  o.client.session_timeout_ms = options_.timeout_ms;
  o.client.read_only = options_.read_only;
  // Like zkCli: a request that finds no server fails with ConnectionLoss instead of waiting.
  o.client.fail_queued_after_failed_round = true;
  o.client.request_timeout_ms = std::max<std::int64_t>(options_.timeout_ms, 1000);
  o.log_level = options_.log_level;
  o.default_watcher = watcher_;
  zk_ = std::make_unique<runtime::BlockingClient>(std::move(o));
  // Like zkCli -waitforconnection: commands start once the session is there (its SyncConnected
  // event printed first), or once every server was tried in vain (they then fail fast).
  zk_->wait_connected_or_unreachable(options_.timeout_ms);
  return true;
}

void Shell::close_quietly() {
  if (!zk_) return;
  print_watches_->store(false);
  zk_->close();
  zk_.reset();
}

std::string Shell::prompt() const {
  const std::string state = zk_ ? state_word(zk_->state()) : "CLOSED";
  return "[zk: " + server_ + "(" + state + ") " + std::to_string(history_.size()) + "] ";
}

bool Shell::execute(const std::string& line) {
  std::vector<std::string> words = tokenize(line);
  if (words.empty() || words[0].rfind('#', 0) == 0) return true;
  if (words[0] == "redo") {
    std::size_t n = 0;
    if (words.size() != 2 || !parse_int(words[1], n) || n >= history_.size()) return usage("redo");
    std::string again = history_[n];
    history_.push_back(again);
    return run(tokenize(again));
  }
  history_.push_back(line);
  return run(words);
}

bool Shell::usage(const std::string& command) {
  auto it = commands().find(command);
  if (it != commands().end()) out_.err(std::string(it->second.usage) + "\n");
  return false;
}

void Shell::print_usage() {
  std::string text = "zablab-cli -server host:port[,host:port...] [-timeout ms] [-r] [-c cmd] [cmd args]\n";
  for (const auto& [name, info] : commands()) text += "\t" + std::string(info.usage) + "\n";
  out_.err(text);
}

bool Shell::fail(Err err, const std::string& path) {
  out_.err(error_message(err, path) + "\n");
  return false;
}

bool Shell::connected_or_complain() {
  if (zk_ && zk_->state() != client::State::closed) return true;
  out_.err("Not connected\n");
  return false;
}

bool Shell::check_path(const std::string& path, bool sequential) {
  std::string why = data::path_error(sequential ? path + "1" : path);
  if (why.empty()) return true;
  if (why.find('@') != std::string::npos) why = "Invalid path string \"" + path + "\" caused by " + why;
  out_.err(why + "\n");
  return false;
}

bool Shell::parse_version(const ParsedArgs& a, std::int32_t& version) {
  version = -1;
  auto it = a.values.find('v');
  if (it == a.values.end()) return true;
  if (parse_int(it->second, version)) return true;
  out_.err("version must be a number: " + it->second + "\n");
  return false;
}

bool Shell::run(const std::vector<std::string>& words) {
  const std::string& name = words[0];
  auto it = commands().find(name);
  if (it == commands().end()) {
    print_usage();
    out_.err("Command not found: " + name + "\n");
    return false;
  }
  std::string error;
  auto parsed = parse_args(words, it->second.spec, error);
  if (!parsed) {
    out_.err(error + "\n");
    return usage(name);
  }
  const ParsedArgs& a = *parsed;

  // Commands that need no session.
  if (name == "help") {
    print_usage();
    return true;
  }
  if (name == "history") return cmd_history();
  if (name == "printwatches") return cmd_printwatches(a);
  if (name == "version") {
    out_.out("zablab-cli version: 0.1.0 (ZooKeeper 3.8 compatible)\n");
    return true;
  }
  if (name == "quit") {
    if (zk_) zk_->close();
    zk_.reset();
    quit_ = true;
    return true;
  }
  if (name == "connect") {
    if (a.args.size() != 2) return usage(name);
    return connect(a.args[1]);
  }
  if (name == "close") {
    if (zk_) zk_->close();
    return true;
  }

  if (!connected_or_complain()) return false;
  if (name == "create") return cmd_create(a);
  if (name == "ls") return cmd_ls(a);
  if (name == "get") return cmd_get(a);
  if (name == "set") return cmd_set(a);
  if (name == "stat") return cmd_stat(a);
  if (name == "delete") return cmd_delete(a);
  if (name == "deleteall") return cmd_deleteall(a);
  if (name == "sync") return cmd_sync(a);
  if (name == "addauth") return cmd_addauth(a);
  if (name == "getAcl") return cmd_get_acl(a);
  if (name == "setAcl") return cmd_set_acl(a);
  if (name == "addWatch") return cmd_add_watch(a);
  if (name == "removewatches") return cmd_remove_watches(a);
  if (name == "whoami") return cmd_whoami(a);
  if (name == "getEphemerals") return cmd_get_ephemerals(a);
  if (name == "getAllChildrenNumber") return cmd_get_all_children_number(a);
  if (name == "config") return cmd_config(a);
  return usage(name);
}

// ------------------------------------------------------------------------------------ commands

bool Shell::cmd_create(const ParsedArgs& a) {
  if (a.args.size() < 2 || a.args.size() > 4) return usage("create");
  const bool e = a.has('e'), s = a.has('s'), c = a.has('c');
  const bool t = a.values.count('t') > 0;
  if (c && (s || e)) {
    out_.err("-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.\n");
    return false;
  }
  std::int64_t ttl = 0;
  if (t) {
    if (e) {
      out_.err("TTLs cannot be used with Ephemeral znodes\n");
      return false;
    }
    if (c) {
      out_.err("TTLs cannot be used with Container znodes\n");
      return false;
    }
    if (!parse_int(a.values.at('t'), ttl) || ttl <= 0 || ttl > max_ttl) {
      out_.err("ttl must be positive and cannot be larger than: " + std::to_string(max_ttl) + "\n");
      return false;
    }
  }
  std::int32_t flags = create_mode::persistent;
  if (e) flags = s ? create_mode::ephemeral_sequential : create_mode::ephemeral;
  else if (t) flags = s ? create_mode::persistent_sequential_with_ttl : create_mode::persistent_with_ttl;
  else if (s) flags = create_mode::persistent_sequential;
  else if (c) flags = create_mode::container;
  const std::string& path = a.args[1];
  if (!check_path(path, s)) return false;
  jute::Bytes data;
  if (a.args.size() >= 3) data = a.args[2];
  data::Acl acl = data::open_acl_unsafe();
  if (a.args.size() == 4) {
    std::vector<std::string> warnings;
    acl = parse_acl(a.args[3], warnings);
    for (const auto& w : warnings) out_.err(w + "\n");
    if (acl.empty()) {
      out_.err("Acl is not valid : null\n");
      return false;
    }
  }
  auto r = zk_->create(path, data, acl, flags, ttl);
  if (r.ok()) {
    out_.err("Created " + r.value.path + "\n");
    return true;
  }
  if (r.err == Err::invalid_acl) out_.err("KeeperErrorCode = InvalidACL for " + path + "\n");
  return fail(r.err, path);
}

bool Shell::walk(const std::string& root, std::vector<std::string>& out, bool print) {
  std::deque<std::string> queue{root};
  out.push_back(root);
  if (print) out_.out(root + "\n");
  for (std::size_t guard = 0; guard < 10'000'000 && !queue.empty(); ++guard) {
    const std::string node = queue.front();
    queue.pop_front();
    auto r = zk_->get_children(node);
    if (!r.ok()) return fail(r.err, node);
    auto kids = r.value.children;
    std::sort(kids.begin(), kids.end());
    for (const auto& k : kids) {
      const std::string p = child_of(node, k);
      out.push_back(p);
      if (print) out_.out(p + "\n");
      queue.push_back(p);
    }
  }
  return true;
}

bool Shell::cmd_ls(const ParsedArgs& a) {
  if (a.args.size() != 2) return usage("ls");
  const std::string& path = a.args[1];
  if (!check_path(path)) return false;
  if (a.has('R')) {
    std::vector<std::string> all;
    return walk(path, all, true);
  }
  auto r = zk_->get_children(path, a.has('w') ? watcher_ : nullptr, true);
  if (!r.ok()) return fail(r.err, path);
  std::string text = list_string(r.value.children, true) + "\n";
  if (a.has('s') && r.value.stat) text += format_stat(*r.value.stat);
  out_.out(text);
  return true;
}

bool Shell::cmd_get(const ParsedArgs& a) {
  if (a.args.size() != 2) return usage("get");
  const std::string& path = a.args[1];
  if (!check_path(path)) return false;
  auto r = zk_->get_data(path, a.has('w') ? watcher_ : nullptr);
  if (!r.ok()) return fail(r.err, path);
  std::string text = (r.value.data ? *r.value.data : std::string("null")) + "\n";
  if (a.has('s')) text += format_stat(r.value.stat);
  out_.out(text);
  return true;
}

bool Shell::cmd_set(const ParsedArgs& a) {
  if (a.args.size() != 3) return usage("set");
  const std::string& path = a.args[1];
  std::int32_t version = -1;
  if (!parse_version(a, version) || !check_path(path)) return false;
  auto r = zk_->set_data(path, a.args[2], version);
  if (!r.ok()) return fail(r.err, path);
  if (a.has('s')) out_.out(format_stat(r.value));
  return true;
}

bool Shell::cmd_stat(const ParsedArgs& a) {
  if (a.args.size() != 2) return usage("stat");
  const std::string& path = a.args[1];
  if (!check_path(path)) return false;
  auto r = zk_->exists(path, a.has('w') ? watcher_ : nullptr);
  if (!r.ok()) return fail(r.err, path);
  out_.out(format_stat(r.value));
  return true;
}

bool Shell::cmd_delete(const ParsedArgs& a) {
  if (a.args.size() != 2) return usage("delete");
  const std::string& path = a.args[1];
  std::int32_t version = -1;
  if (!parse_version(a, version) || !check_path(path)) return false;
  const Err err = zk_->remove(path, version);
  return err == Err::ok ? true : fail(err, path);
}

bool Shell::cmd_deleteall(const ParsedArgs& a) {
  if (a.args.size() != 2) return usage("deleteall");
  const std::string& path = a.args[1];
  std::size_t batch = 1000;
  if (auto it = a.values.find('b'); it != a.values.end()) {
    if (!parse_int(it->second, batch) || batch == 0) {
      out_.err("batch size must be a positive number: " + it->second + "\n");
      return false;
    }
  }
  if (!check_path(path)) return false;
  std::vector<std::string> tree;
  if (!walk(path, tree, false)) return false;
  // Deepest first, in multi batches (like ZKUtil.deleteRecursive).
  std::reverse(tree.begin(), tree.end());
  for (std::size_t i = 0; i < tree.size(); i += batch) {
    std::vector<client::Op> ops;
    for (std::size_t j = i; j < std::min(tree.size(), i + batch); ++j) ops.push_back(client::DeleteOp{tree[j], -1});
    auto r = zk_->multi(std::move(ops));
    if (!r.ok()) {
      std::string where = path;
      for (std::size_t k = 0; k < r.value.size(); ++k)
        if (r.value[k].err == r.err) where = tree[i + k];
      return fail(r.err, where);
    }
  }
  return true;
}

bool Shell::cmd_sync(const ParsedArgs& a) {
  if (a.args.size() != 2) return usage("sync");
  const std::string& path = a.args[1];
  if (!check_path(path)) return false;
  auto r = zk_->sync(path);
  if (!r.ok()) {
    out_.out("Sync has failed. rc=" + std::to_string(static_cast<int>(r.err)) + "\n");
    return false;
  }
  out_.out("Sync is OK\n");
  return true;
}

bool Shell::cmd_addauth(const ParsedArgs& a) {
  if (a.args.size() < 2 || a.args.size() > 3) return usage("addauth");
  const Err err = zk_->add_auth(a.args[1], a.args.size() == 3 ? a.args[2] : std::string());
  // AuthFailed shows as a WATCHER event (state:AuthFailed), as in zkCli.
  return err == Err::ok;
}

bool Shell::cmd_get_acl(const ParsedArgs& a) {
  if (a.args.size() != 2) return usage("getAcl");
  const std::string& path = a.args[1];
  if (!check_path(path)) return false;
  auto r = zk_->get_acl(path);
  if (!r.ok()) return fail(r.err, path);
  std::string text = format_acl(r.value.acl);
  if (a.has('s')) text += format_stat(r.value.stat);
  out_.out(text);
  return true;
}

bool Shell::cmd_set_acl(const ParsedArgs& a) {
  if (a.args.size() != 3) return usage("setAcl");
  const std::string& path = a.args[1];
  std::int32_t version = -1;
  if (!parse_version(a, version) || !check_path(path)) return false;
  std::vector<std::string> warnings;
  data::Acl acl = parse_acl(a.args[2], warnings);
  for (const auto& w : warnings) out_.err(w + "\n");
  if (acl.empty()) {
    out_.err("Acl is not valid : null\n");
    return false;
  }
  if (a.has('R')) {
    std::vector<std::string> tree;
    if (!walk(path, tree, false)) return false;
    for (const auto& p : tree) {
      auto r = zk_->set_acl(p, acl, -1);
      if (!r.ok()) return fail(r.err, p);
    }
    return true;
  }
  auto r = zk_->set_acl(path, acl, version);
  if (!r.ok()) return fail(r.err, path);
  if (a.has('s')) out_.out(format_stat(r.value));
  return true;
}

bool Shell::cmd_add_watch(const ParsedArgs& a) {
  if (a.args.size() != 2) return usage("addWatch");
  std::int32_t mode = add_watch_mode::persistent_recursive;
  if (auto it = a.values.find('m'); it != a.values.end()) {
    std::string m = it->second;
    std::transform(m.begin(), m.end(), m.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (m == "persistent") {
      mode = add_watch_mode::persistent;
    } else if (m == "persistent_recursive") {
      mode = add_watch_mode::persistent_recursive;
    } else {
      return usage("addWatch");
    }
  }
  const std::string& path = a.args[1];
  if (!check_path(path)) return false;
  const Err err = zk_->add_watch(path, mode, watcher_);
  return err == Err::ok ? true : fail(err, path);
}

bool Shell::cmd_remove_watches(const ParsedArgs& a) {
  if (a.args.size() != 2) return usage("removewatches");
  std::int32_t type = watcher_type::any;
  if (a.has('c')) type = watcher_type::children;
  if (a.has('d')) type = watcher_type::data;
  if (a.has('a')) type = watcher_type::any;
  const std::string& path = a.args[1];
  if (!check_path(path)) return false;
  const Err err = zk_->remove_watches(path, type);
  return err == Err::ok ? true : fail(err, path);
}

bool Shell::cmd_whoami(const ParsedArgs& a) {
  if (a.args.size() != 1) return usage("whoami");
  auto r = zk_->who_am_i();
  if (!r.ok()) {
    out_.err("KeeperErrorCode = " + keeper_code_message(r.err) + "\n");
    return false;
  }
  std::string text = "Auth scheme: User\n";
  for (const auto& info : r.value) text += info.auth_scheme + ": " + info.user + "\n";
  out_.out(text);
  return true;
}

bool Shell::cmd_get_ephemerals(const ParsedArgs& a) {
  if (a.args.size() > 2) return usage("getEphemerals");
  const std::string path = a.args.size() == 2 ? a.args[1] : "/";
  if (!check_path(path)) return false;
  auto r = zk_->get_ephemerals(path);
  if (!r.ok()) return fail(r.err, path);
  out_.out(list_string(r.value, true) + "\n");
  return true;
}

bool Shell::cmd_get_all_children_number(const ParsedArgs& a) {
  if (a.args.size() != 2) return usage("getAllChildrenNumber");
  const std::string& path = a.args[1];
  if (!check_path(path)) return false;
  auto r = zk_->get_all_children_number(path);
  if (!r.ok()) return fail(r.err, path);
  out_.out(std::to_string(r.value) + "\n");
  return true;
}

bool Shell::cmd_config(const ParsedArgs& a) {
  if (a.args.size() != 1) return usage("config");
  const std::string path = "/zookeeper/config";
  auto r = zk_->get_data(path, a.has('w') ? watcher_ : nullptr);
  if (!r.ok()) return fail(r.err, path);
  std::string text = r.value.data.value_or("") + "\n";
  if (a.has('s')) text += format_stat(r.value.stat);
  out_.out(text);
  return true;
}

bool Shell::cmd_history() {
  std::string text;
  const std::size_t n = history_.size();
  for (std::size_t i = n > 11 ? n - 11 : 0; i < n; ++i) text += std::to_string(i) + " - " + history_[i] + "\n";
  out_.out(text);
  return true;
}

bool Shell::cmd_printwatches(const ParsedArgs& a) {
  if (a.args.size() == 1) {
    out_.out(std::string("printwatches is ") + (print_watches_->load() ? "on" : "off") + "\n");
    return true;
  }
  if (a.args.size() != 2 || (a.args[1] != "on" && a.args[1] != "off")) return usage("printwatches");
  print_watches_->store(a.args[1] == "on");
  return true;
}

}  // namespace zablab::cli
