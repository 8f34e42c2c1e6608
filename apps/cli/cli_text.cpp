#include "apps/cli/cli_text.h"

#include <ctime>

#include "core/util/hex.h"

namespace zablab::cli {

std::vector<std::string> tokenize(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (i < line.size()) {
    while (i < line.size() && blank(line[i])) ++i;
    if (i >= line.size()) break;
    const char c = line[i];
    if (c == '"' || c == '\'') {
      const std::size_t close = line.find(c, i + 1);
      if (close != std::string_view::npos) {
        out.emplace_back(line.substr(i + 1, close - i - 1));
        i = close + 1;
        continue;
      }
      // No closing quote: an ordinary word, quote included.
    }
    const std::size_t start = i;
    while (i < line.size() && !blank(line[i])) ++i;
    out.emplace_back(line.substr(start, i - start));
  }
  return out;
}

std::optional<ParsedArgs> parse_args(const std::vector<std::string>& words, const OptionSpec& spec,
                                     std::string& error) {
  ParsedArgs parsed;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (i == 0 || w.size() < 2 || w[0] != '-') {
      parsed.args.push_back(w);
      continue;
    }
    if (w.size() == 2 && spec.flags.count(w[1])) {
      parsed.flags.insert(w[1]);
    } else if (w.size() == 2 && spec.valued.count(w[1])) {
      if (i + 1 >= words.size()) {
        error = std::string("Missing argument for option: ") + w[1];
        return std::nullopt;
      }
      parsed.values[w[1]] = words[++i];
    } else {
      error = "Unrecognized option: " + w;
      return std::nullopt;
    }
  }
  return parsed;
}

data::Acl parse_acl(std::string_view text, std::vector<std::string>& warnings) {
  data::Acl acl;
  std::size_t start = 0;
  for (std::size_t guard = 0; guard <= text.size(); ++guard) {
    const std::size_t comma = text.find(',', start);
    const std::string_view entry =
        text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const std::size_t first = entry.find(':');
    const std::size_t last = entry.rfind(':');
    if (first == std::string_view::npos || first == last) {
      warnings.push_back(std::string(entry) + " does not have the form scheme:id:perm");
    } else {
      jute::ACL a;
      a.id.scheme = std::string(entry.substr(0, first));
      a.id.id = std::string(entry.substr(first + 1, last - first - 1));
      for (char p : entry.substr(last + 1)) {
        switch (p) {
          case 'r': a.perms |= perm::read; break;
          case 'w': a.perms |= perm::write; break;
          case 'c': a.perms |= perm::create; break;
          case 'd': a.perms |= perm::remove; break;
          case 'a': a.perms |= perm::admin; break;
          default: warnings.push_back(std::string("Unknown perm type: ") + p); break;
        }
      }
      acl.push_back(std::move(a));
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return acl;
}

std::string perms_string(std::int32_t perms) {
  std::string s;
  if (perms & perm::create) s += 'c';
  if (perms & perm::remove) s += 'd';
  if (perms & perm::read) s += 'r';
  if (perms & perm::write) s += 'w';
  if (perms & perm::admin) s += 'a';
  return s;
}

std::string format_acl(const data::Acl& acl) {
  std::string out;
  for (const auto& a : acl) out += "'" + a.id.scheme + ",'" + a.id.id + "\n: " + perms_string(a.perms) + "\n";
  return out;
}

std::string java_date(std::int64_t epoch_ms) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  if (epoch_ms < 0 && epoch_ms % 1000 != 0) --secs;
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[64];
  if (std::strftime(buf, sizeof buf, "%a %b %d %H:%M:%S %Z %Y", &tm) == 0) return std::to_string(epoch_ms);
  return buf;
}

std::string format_stat(const jute::Stat& s) {
  std::string out;
  out += "cZxid = " + util::hex(s.czxid) + "\n";
  out += "ctime = " + java_date(s.ctime) + "\n";
  out += "mZxid = " + util::hex(s.mzxid) + "\n";
  out += "mtime = " + java_date(s.mtime) + "\n";
  out += "pZxid = " + util::hex(s.pzxid) + "\n";
  out += "cversion = " + std::to_string(s.cversion) + "\n";
  out += "dataVersion = " + std::to_string(s.version) + "\n";
  out += "aclVersion = " + std::to_string(s.aversion) + "\n";
  out += "ephemeralOwner = " + util::hex(s.ephemeral_owner) + "\n";
  out += "dataLength = " + std::to_string(s.data_length) + "\n";
  out += "numChildren = " + std::to_string(s.num_children) + "\n";
  return out;
}

std::string format_event(const client::WatchedEvent& e) {
  return "WatchedEvent state:" + std::string(client::keeper_state_name(e.state)) +
         " type:" + std::string(client::event_type_name(e.type)) + " path:" + (e.path.empty() ? "null" : e.path);
}

std::string keeper_code_message(Err err) {
  switch (err) {
    case Err::ok: return "ok";
    case Err::system_error: return "SystemError";
    case Err::runtime_inconsistency: return "RuntimeInconsistency";
    case Err::data_inconsistency: return "DataInconsistency";
    case Err::connection_loss: return "ConnectionLoss";
    case Err::marshalling_error: return "MarshallingError";
    case Err::unimplemented: return "Unimplemented";
    case Err::operation_timeout: return "OperationTimeout";
    case Err::bad_arguments: return "BadArguments";
    case Err::unknown_session: return "Unknown session";
    case Err::new_config_no_quorum: return "NewConfigNoQuorum";
    case Err::reconfig_in_progress: return "ReconfigInProgress";
    case Err::api_error: return "APIError";
    case Err::no_node: return "NoNode";
    case Err::no_auth: return "NoAuth";
    case Err::bad_version: return "BadVersion";
    case Err::no_children_for_ephemerals: return "NoChildrenForEphemerals";
    case Err::node_exists: return "NodeExists";
    case Err::not_empty: return "Directory not empty";
    case Err::session_expired: return "Session expired";
    case Err::invalid_callback: return "Invalid callback";
    case Err::invalid_acl: return "InvalidACL";
    case Err::auth_failed: return "AuthFailed";
    case Err::session_moved: return "Session moved";
    case Err::not_read_only: return "Not a read-only call";
    case Err::ephemeral_on_local_session: return "Ephemeral node on local session";
    case Err::no_watcher: return "No such watcher";
    case Err::request_timeout: return "Request timeout";
    case Err::reconfig_disabled: return "Reconfig is disabled";
    case Err::session_closed_require_sasl_auth: return "Session closed because client failed to authenticate";
    case Err::quota_exceeded: return "Quota has exceeded";
    case Err::throttled_op: return "Op throttled due to high load";
  }
  return "Unknown error " + std::to_string(static_cast<int>(err));
}

std::string error_message(Err err, const std::string& path) {
  switch (err) {
    case Err::no_node: return "Node does not exist: " + path;
    case Err::node_exists: return "Node already exists: " + path;
    case Err::bad_version: return "version No is not valid : " + path;
    case Err::not_empty: return "Node not empty: " + path;
    case Err::no_auth: return "Insufficient permission : " + path;
    case Err::no_children_for_ephemerals: return "Ephemerals cannot have children: " + path;
    case Err::invalid_acl: return "Acl is not valid : " + path;
    case Err::bad_arguments: return "Arguments are not valid : " + path;
    case Err::not_read_only: return "Not a read-only call: " + path;
    default: return "KeeperErrorCode = " + keeper_code_message(err) + " for " + path;
  }
}

}  // namespace zablab::cli
