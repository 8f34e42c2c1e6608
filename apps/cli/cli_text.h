// What zablab-cli prints and parses, in zkCli 3.8's formats: command-line tokens, command options,
// ACL strings, Stat blocks, watch events and error messages.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/client/client.h"
#include "core/data/acl.h"
#include "core/jute/codes.h"
#include "core/jute/records.h"

namespace zablab::cli {

// Splits a command line as zkCli does: blanks separate words; a word that starts with " or '
// runs to the matching quote, which is dropped ("a b" -> a b, "" -> empty word); quotes inside a
// word stay (a"b -> a"b).
std::vector<std::string> tokenize(std::string_view line);

// The options of one command, commons-cli style: flags ("-s") and options with a value
// ("-v 3"), anywhere among the arguments.
struct OptionSpec {
  std::set<char> flags;
  std::set<char> valued;
};
struct ParsedArgs {
  std::set<char> flags;
  std::map<char, std::string> values;
  std::vector<std::string> args;  // the command name first
  bool has(char flag) const { return flags.count(flag) > 0; }
};
// nullopt + `error` ("Unrecognized option: -x", "Missing argument for option: v").
std::optional<ParsedArgs> parse_args(const std::vector<std::string>& words, const OptionSpec& spec,
                                     std::string& error);

// "world:anyone:cdrwa,digest:u:h:r" -> ACLs. Malformed entries are reported in `warnings` and
// skipped ("x does not have the form scheme:id:perm"), unknown permission letters too ("Unknown
// perm type: z"), as zkCli does.
data::Acl parse_acl(std::string_view text, std::vector<std::string>& warnings);
// 31 -> "cdrwa" (zkCli's order: c d r w a).
std::string perms_string(std::int32_t perms);
// getAcl's two lines per entry: "'world,'anyone" and ": cdrwa".
std::string format_acl(const data::Acl& acl);

// Java's Date.toString(): "Thu Jan 01 00:00:00 UTC 1970", in the local time zone.
std::string java_date(std::int64_t epoch_ms);
// The stat block (cZxid = 0x..., ..., numChildren = N), one line each, ending in '\n'.
std::string format_stat(const jute::Stat& stat);

// "WatchedEvent state:SyncConnected type:NodeDataChanged path:/x" (path:null for None).
std::string format_event(const client::WatchedEvent& event);

// zkCli's message for a failed operation on `path`:
//   "Node does not exist: /x", "Node already exists: /x", "version No is not valid : /x",
//   "Node not empty: /x", "Insufficient permission : /x", "Ephemerals cannot have children: /x",
//   "Acl is not valid : /x", "Arguments are not valid : /x", else
//   "KeeperErrorCode = <message> for /x".
std::string error_message(Err err, const std::string& path);
// KeeperException's code message: "NoNode", "ConnectionLoss", "Session expired", ...
std::string keeper_code_message(Err err);

}  // namespace zablab::cli
