// The scenario language's lexer and parser. One statement per line; every error is kept with its
// line and column, and parsing goes on with the next line, so a file shows all its mistakes at once.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>

#include "core/jute/codes.h"
#include "sim/checkers/checkers.h"
#include "sim/crash_points.h"
#include "sim/scenario/bugs.h"
#include "sim/scenario/scenario.h"

namespace zablab::sim::scenario {
namespace {

struct Token {
  enum class Kind { word, number, duration, string, path, symbol, end };
  Kind kind = Kind::end;
  std::string text;
  std::int64_t number = 0;
  Nanos duration = 0;
  Loc loc;
};

struct Failure {
  ParseError error;
};

[[noreturn]] void fail(Loc loc, std::string message) { throw Failure{ParseError{loc, std::move(message)}}; }

bool word_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '+';
}

// Splits one line into tokens (a comment ends it).
std::vector<Token> lex(const std::string& line, int line_no) {
  std::vector<Token> out;
  std::size_t i = 0;
  std::size_t end_at = line.size();  // where the statement ends: the line's end or its comment
  auto loc = [&](std::size_t at) { return Loc{line_no, static_cast<int>(at) + 1}; };
  while (i < line.size()) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    if (c == '#') {
      end_at = i;
      break;
    }
    Token t;
    t.loc = loc(i);
    if (c == '"') {
      t.kind = Token::Kind::string;
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          closed = true;
          ++i;
          break;
        }
        if (line[i] == '\\' && i + 1 < line.size()) {
          const char e = line[i + 1];
          t.text += e == 'n' ? '\n' : e == 't' ? '\t' : e;
          i += 2;
          continue;
        }
        t.text += line[i++];
      }
      if (!closed) fail(t.loc, "unterminated string");
    } else if (c == '/') {
      t.kind = Token::Kind::path;
      while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i])) &&
             std::string_view(",;|{}\"#:").find(line[i]) == std::string_view::npos)
        t.text += line[i++];
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      const std::size_t start = i;
      if (c == '0' && i + 1 < line.size() && (line[i + 1] == 'x' || line[i + 1] == 'X')) {
        i += 2;
        const std::size_t digits = i;
        while (i < line.size() && std::isxdigit(static_cast<unsigned char>(line[i]))) ++i;
        std::uint64_t v = 0;
        auto res = std::from_chars(line.data() + digits, line.data() + i, v, 16);
        if (res.ec != std::errc() || digits == i) fail(t.loc, "bad hexadecimal number");
        t.kind = Token::Kind::number;
        t.number = static_cast<std::int64_t>(v);
        t.text = line.substr(start, i - start);
        if (i < line.size() && word_char(line[i]) && line[i] != '.') fail(loc(i), "unexpected character after number");
        out.push_back(std::move(t));
        continue;
      }
      while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
      std::int64_t whole = 0;
      auto res = std::from_chars(line.data() + start, line.data() + i, whole);
      if (res.ec != std::errc()) fail(t.loc, "number too large");
      std::int64_t frac = 0, frac_scale = 1;
      if (i + 1 < line.size() && line[i] == '.' && std::isdigit(static_cast<unsigned char>(line[i + 1]))) {
        ++i;
        while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) {
          if (frac_scale < 1'000'000'000) {
            frac = frac * 10 + (line[i] - '0');
            frac_scale *= 10;
          }
          ++i;
        }
      }
      std::string unit;
      while (i < line.size() && std::isalpha(static_cast<unsigned char>(line[i]))) unit += line[i++];
      t.text = line.substr(start, i - start);
      if (unit.empty()) {
        if (frac_scale != 1) fail(t.loc, "a fraction needs a unit (e.g. 1.5s)");
        t.kind = Token::Kind::number;
        t.number = whole;
      } else {
        static const std::map<std::string, Nanos> kUnits = {
            {"ns", 1}, {"us", kMicrosecond}, {"ms", kMillisecond}, {"s", kSecond}, {"m", kMinute}, {"min", kMinute}, {"h", kHour}};
        auto u = kUnits.find(unit);
        if (u == kUnits.end()) fail(loc(i - unit.size()), "unknown time unit '" + unit + "' (use ms, s, m or h)");
        t.kind = Token::Kind::duration;
        // Overflow-checked (fuzzing found `tick 9223372036854775807h` and `1.123456789h`): the fraction
        // is frac/frac_scale < 1 of a unit, computed as frac*(u/scale) + frac*(u%scale)/scale so no
        // product exceeds u or scale^2 (<= 1e18).
        const Nanos unit_ns = u->second;
        const Nanos part = frac * (unit_ns / frac_scale) + frac * (unit_ns % frac_scale) / frac_scale;
        Nanos whole_ns = 0;
        if (__builtin_mul_overflow(whole, unit_ns, &whole_ns) || __builtin_add_overflow(whole_ns, part, &t.duration))
          fail(t.loc, "duration too large");
      }
    } else if (word_start(c)) {
      t.kind = Token::Kind::word;
      while (i < line.size() && word_char(line[i])) {
        if (line[i] == '-' && i + 1 < line.size() && line[i + 1] == '>') break;
        t.text += line[i++];
      }
    } else {
      t.kind = Token::Kind::symbol;
      static const char* kSymbols[] = {"<->", "->", "..", "!=", "<=", ">=", ":", ";", ",", "{", "}", "|", "=", "<", ">"};
      bool found = false;
      for (const char* s : kSymbols) {
        const std::string_view sv(s);
        if (line.compare(i, sv.size(), sv) == 0) {
          t.text = std::string(sv);
          i += sv.size();
          found = true;
          break;
        }
      }
      if (!found) fail(t.loc, std::string("unexpected character '") + c + "'");
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.kind = Token::Kind::end;
  end.loc = loc(end_at);
  out.push_back(end);
  return out;
}

const std::set<std::string> kPackets = {"REQUEST", "PROPOSAL", "ACK",          "COMMIT",       "PING",
                                        "REVALIDATE", "SYNC",  "INFORM",       "NEWLEADER",    "FOLLOWERINFO",
                                        "UPTODATE",   "DIFF",  "TRUNC",        "SNAP",         "OBSERVERINFO",
                                        "LEADERINFO", "ACKEPOCH", "vote"};

const std::set<std::string> kSettings = {"scenario", "ensemble",  "tick", "init-limit", "sync-limit", "snap-count",
                                         "network",  "seed",      "time-limit", "bug", "checks", "client", "lenient"};

std::string describe_token(const Token& t) {
  switch (t.kind) {
    case Token::Kind::end: return "end of line";
    case Token::Kind::string: return "\"" + t.text + "\"";
    default: return "'" + t.text + "'";
  }
}

class LineParser {
 public:
  LineParser(std::string line, std::vector<Token> tokens, Scenario& s, std::set<std::string>& names,
             std::vector<std::pair<Loc, std::int64_t>>& server_refs)
      : line_(std::move(line)), t_(std::move(tokens)), s_(s), names_(names), server_refs_(server_refs) {}

  // The source text between two columns (1-based, `to` exclusive), trimmed.
  std::string source(int from, int to) const {
    const auto a = static_cast<std::size_t>(std::max(from, 1) - 1);
    const auto b = std::min(static_cast<std::size_t>(std::max(to, 1) - 1), line_.size());
    std::string out = b > a ? line_.substr(a, b - a) : std::string();
    while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
    return out;
  }

  const Token& peek(std::size_t ahead = 0) const { return t_[std::min(i_ + ahead, t_.size() - 1)]; }
  bool at_end() const { return peek().kind == Token::Kind::end; }
  bool is_word(const char* w, std::size_t ahead = 0) const {
    return peek(ahead).kind == Token::Kind::word && peek(ahead).text == w;
  }
  bool is_symbol(const char* s) const { return peek().kind == Token::Kind::symbol && peek().text == s; }
  bool accept_word(const char* w) {
    if (!is_word(w)) return false;
    ++i_;
    return true;
  }
  bool accept_symbol(const char* s) {
    if (!is_symbol(s)) return false;
    ++i_;
    return true;
  }
  void expect_word(const char* w) {
    if (!accept_word(w)) fail(peek().loc, std::string("expected '") + w + "', found " + describe_token(peek()));
  }
  void expect_symbol(const char* s) {
    if (!accept_symbol(s)) fail(peek().loc, std::string("expected '") + s + "', found " + describe_token(peek()));
  }
  void expect_end() {
    if (!at_end()) fail(peek().loc, "unexpected " + describe_token(peek()) + " at the end of the statement");
  }
  const Token& next() { return t_[std::min(i_++, t_.size() - 1)]; }
  std::string word(const char* what) {
    if (peek().kind != Token::Kind::word) fail(peek().loc, std::string("expected ") + what + ", found " + describe_token(peek()));
    return next().text;
  }
  std::int64_t number(const char* what, std::int64_t lo = 0, std::int64_t hi = INT64_MAX) {
    const Token& t = peek();
    if (t.kind != Token::Kind::number) fail(t.loc, std::string("expected ") + what + ", found " + describe_token(t));
    if (t.number < lo || t.number > hi)
      fail(t.loc, std::string(what) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    ++i_;
    return t.number;
  }
  Nanos duration(const char* what) {
    const Token& t = peek();
    if (t.kind == Token::Kind::number && t.number == 0) {
      ++i_;
      return 0;
    }
    if (t.kind != Token::Kind::duration)
      fail(t.loc, std::string("expected ") + what + " with a unit (e.g. 500ms, 2s), found " + describe_token(t));
    ++i_;
    return t.duration;
  }
  std::string string(const char* what) {
    if (peek().kind != Token::Kind::string) fail(peek().loc, std::string("expected ") + what + " in quotes, found " + describe_token(peek()));
    return next().text;
  }
  std::string path() {
    const Token& t = peek();
    if (t.kind != Token::Kind::path) fail(t.loc, "expected a znode path starting with '/', found " + describe_token(t));
    if (t.text.size() > 1 && t.text.back() == '/') fail(t.loc, "a znode path does not end with '/'");
    if (t.text.find("//") != std::string::npos) fail(t.loc, "a znode path has no empty component");
    ++i_;
    return t.text;
  }

  // --- targets ---
  static std::optional<std::int64_t> numbered(const std::string& w, char prefix) {
    if (w.size() < 2 || w[0] != prefix) return std::nullopt;
    std::int64_t v = 0;
    auto res = std::from_chars(w.data() + 1, w.data() + w.size(), v);
    if (res.ec != std::errc() || res.ptr != w.data() + w.size() || v < 1) return std::nullopt;
    return v;
  }
  bool is_client_word(std::size_t ahead = 0) const {
    return peek(ahead).kind == Token::Kind::word && numbered(peek(ahead).text, 'c').has_value();
  }

  enum Allow : unsigned {
    kServer = 1, kClient = 2, kLeader = 4, kFollower = 8, kFollowers = 16, kObserver = 32, kAll = 64,
    kCrashed = 128, kName = 256, kRest = 512, kAny = 1024,
  };
  static constexpr unsigned kOneServer = kServer | kLeader | kFollower | kObserver | kName;
  static constexpr unsigned kMember = kOneServer | kClient;

  Target target(unsigned allow, const char* what) {
    const Token& t = peek();
    Target out;
    out.loc = t.loc;
    if (t.kind != Token::Kind::word) fail(t.loc, std::string("expected ") + what + ", found " + describe_token(t));
    const std::string w = t.text;
    auto refuse = [&] { fail(t.loc, "'" + w + "' cannot be used here: expected " + what); };
    ++i_;
    if (w == "server" && is_word("of")) {
      if (!(allow & kServer)) refuse();
      ++i_;
      out.kind = Target::Kind::client_server;
      out.index = client("a client: server of c1").index;
    } else if (w == "server") {
      if (!(allow & kServer)) refuse();
      out.kind = Target::Kind::server;
      out.index = number("a server number", 1, 99);
      server_refs_.push_back({out.loc, out.index});
    } else if (auto n = numbered(w, 's')) {
      if (!(allow & kServer)) refuse();
      out.kind = Target::Kind::server;
      out.index = *n;
      server_refs_.push_back({out.loc, out.index});
    } else if (auto c = numbered(w, 'c')) {
      if (!(allow & kClient)) refuse();
      if (*c > static_cast<std::int64_t>(s_.clients.size())) fail(t.loc, "unknown client '" + w + "' (declare it with `client " + w + "`)");
      out.kind = Target::Kind::client;
      out.index = *c;
    } else if (w == "leader") {
      if (!(allow & kLeader)) refuse();
      out.kind = Target::Kind::leader;
    } else if (w == "follower") {
      if (!(allow & kFollower)) refuse();
      out.kind = Target::Kind::follower;
    } else if (w == "followers") {
      if (!(allow & kFollowers)) refuse();
      out.kind = Target::Kind::followers;
    } else if (w == "observer") {
      if (!(allow & kObserver)) refuse();
      out.kind = Target::Kind::observer;
    } else if (w == "all") {
      if (!(allow & kAll)) refuse();
      out.kind = Target::Kind::all;
    } else if (w == "crashed") {
      if (!(allow & kCrashed)) refuse();
      out.kind = Target::Kind::crashed;
    } else if (w == "rest") {
      if (!(allow & kRest)) refuse();
      out.kind = Target::Kind::rest;
    } else if (w == "any") {
      if (!(allow & kAny)) refuse();
      expect_word("server");
      out.kind = Target::Kind::any;
    } else {
      if (!(allow & kName)) refuse();
      if (!names_.count(w)) fail(t.loc, "unknown name '" + w + "' (bind one with `crash ... as " + w + "`)");
      out.kind = Target::Kind::name;
      out.name = w;
    }
    return out;
  }
  Target client(const char* what = "a client (c1, c2, ...)") { return target(kClient, what); }

  // `at after-current-epoch`, or a phrase: `after writing currentEpoch`, `between ACK and fsync`...
  std::string crash_point() {
    const Loc at = peek().loc;
    std::string words;
    const bool by_name = accept_word("at");
    while (peek().kind == Token::Kind::word && !is_word("as")) {
      words += (words.empty() ? "" : " ") + next().text;
      if (by_name) break;
    }
    if (auto p = crash_point_named(words); p && (!by_name || *p == words)) return std::string(*p);
    std::string known;
    for (const auto& p : crash_points())
      known += std::string(known.empty() ? "" : ", ") + (by_name ? std::string(p.name) : "'" + std::string(p.phrases.front()) + "'");
    fail(at, "unknown crash point '" + std::string(by_name ? "at " : "") + words + "' (expected " +
                 (by_name ? "at " : "") + "one of: " + known + ")");
  }

  // --- events ---
  Event event() {
    Event e;
    e.loc = peek().loc;
    if (is_word("leader") && is_word("elected", 1)) {
      i_ += 2;
      e.kind = Event::Kind::leader_elected;
      return e;
    }
    if (accept_word("converged")) {
      e.kind = Event::Kind::converged;
      return e;
    }
    if (is_word("session") && is_word("expires", 1)) {
      i_ += 2;
      e.kind = Event::Kind::session_expires;
      e.subject.kind = Target::Kind::any;
      return e;
    }
    if (is_client_word()) {
      e.subject = client();
      const Token& verb = peek();
      if (accept_word("connected")) {
        e.kind = Event::Kind::client_connected;
        if (accept_word("to")) e.peer = target(kOneServer, "a server");
      } else if (accept_word("disconnected")) {
        e.kind = Event::Kind::client_disconnected;
      } else if (accept_word("done")) {
        e.kind = Event::Kind::client_done;
      } else if (accept_word("holds")) {
        e.kind = Event::Kind::client_holds;
        e.path = path();
      } else if (accept_word("session")) {
        expect_word("expires");
        e.kind = Event::Kind::session_expires;
      } else {
        fail(verb.loc, "expected what the client does: connected, disconnected, done, holds PATH, session expires; found " +
                           describe_token(verb));
      }
      return e;
    }
    e.subject = target(kOneServer | kAny, "a server, 'leader' or 'any server'");
    const Token& verb = peek();
    const std::string v = verb.kind == Token::Kind::word ? verb.text : "";
    ++i_;
    if (v == "becomes") {
      const Token& r = peek();
      const std::string role = word("a role");
      static const std::map<std::string, std::string> kRoles = {
          {"leader", "LEADING"}, {"follower", "FOLLOWING"}, {"observer", "OBSERVING"}, {"looking", "LOOKING"}};
      auto it = kRoles.find(role);
      if (it == kRoles.end()) fail(r.loc, "unknown role '" + role + "' (leader, follower, observer, looking)");
      e.kind = Event::Kind::becomes;
      e.word = it->second;
    } else if (v == "sends" || v == "receives") {
      e.kind = v == "sends" ? Event::Kind::sends : Event::Kind::receives;
      const Token& p = peek();
      e.word = word("a message type (PROPOSAL, ACK, COMMIT, ..., vote)");
      if (!kPackets.count(e.word)) fail(p.loc, "unknown message type '" + e.word + "'");
      if (accept_word(v == "sends" ? "to" : "from")) e.peer = target(kOneServer, "a server");
      if (accept_word("zxid")) e.zxid = number("a zxid");
    } else if (v == "logs" || v == "commits") {
      e.kind = v == "logs" ? Event::Kind::logs : Event::Kind::commits;
      if (accept_word("zxid")) e.zxid = number("a zxid");
    } else if (v == "truncates") {
      e.kind = Event::Kind::truncates;
    } else if (v == "crashes") {
      e.kind = Event::Kind::goes_down;
    } else if (v == "goes") {
      expect_word("down");
      e.kind = Event::Kind::goes_down;
    } else if (v == "has") {
      expect_word("a");
      expect_word("torn");
      expect_word("write");
      e.kind = Event::Kind::torn_write;
    } else {
      fail(verb.loc, "expected what the server does: becomes, sends, receives, logs, commits, truncates, goes down, has a torn write; "
                         "found " +
                         describe_token(verb));
    }
    return e;
  }

  // --- settings ---
  void setting() {
    const Token& key = next();
    const std::string k = key.text;
    if (k == "scenario") {
      s_.title = string("a title");
    } else if (k == "ensemble") {
      s_.voters = static_cast<int>(number("the number of voters", 1, 9));
      if (accept_word("observers")) s_.observers = static_cast<int>(number("the number of observers", 0, 9));
      else if (accept_word("voters") && accept_word("and")) {
        s_.observers = static_cast<int>(number("the number of observers", 0, 9));
        expect_word("observers");
      }
    } else if (k == "tick") {
      const Token& t = peek();
      const Nanos d = duration("the tick time");
      if (d < 10 * kMillisecond || d % kMillisecond != 0) fail(t.loc, "the tick time is a whole number of ms, at least 10ms");
      s_.tick_ms = static_cast<std::int32_t>(d / kMillisecond);
    } else if (k == "init-limit") {
      s_.init_limit = static_cast<int>(number("initLimit (ticks)", 1, 1000));
    } else if (k == "sync-limit") {
      s_.sync_limit = static_cast<int>(number("syncLimit (ticks)", 1, 1000));
    } else if (k == "snap-count") {
      s_.snap_count = number("snapCount", 2, 100'000'000);
    } else if (k == "network") {
      const Token& t = peek();
      s_.network = word("a network profile");
      if (!is_network_profile(s_.network)) fail(t.loc, "unknown network profile '" + s_.network + "' (lan, wan, slow, long-tail)");
    } else if (k == "seed") {
      s_.seed = static_cast<std::uint64_t>(number("a seed"));
    } else if (k == "time-limit") {
      const Token& t = peek();
      s_.time_limit = duration("a time limit");
      if (s_.time_limit <= 0) fail(t.loc, "the time limit must be positive");
    } else if (k == "bug") {
      const Token& t = peek();
      s_.bug = word("a bug name");
      if (!bug_by_name(s_.bug)) fail(t.loc, "unknown bug '" + s_.bug + "' (zablab-sim bugs lists them)");
    } else if (k == "expect") {
      expect_word("violation");
      const Token& t = peek();
      std::string name = word("an invariant name");
      if (!check::is_invariant(name)) fail(t.loc, "unknown invariant '" + name + "' (zablab-sim checks lists them)");
      s_.expect_violation = name;
    } else if (k == "lenient") {
      s_.lenient = true;
    } else if (k == "checks") {
      s_.checks.clear();
      if (accept_word("all")) {
        expect_end();
        return;
      }
      do {
        const Token& t = peek();
        std::string name = word("an invariant name");
        if (!check::is_invariant(name)) fail(t.loc, "unknown invariant '" + name + "' (zablab-sim checks lists them)");
        s_.checks.push_back(std::move(name));
      } while (accept_symbol(","));
    } else if (k == "client") {
      ClientDecl c;
      c.loc = peek().loc;
      const Token& t = peek();
      c.name = word("a client name");
      const std::string expected = "c" + std::to_string(s_.clients.size() + 1);
      if (c.name != expected) fail(t.loc, "clients are named c1, c2, ... in order: expected '" + expected + "'");
      for (;;) {
        if (accept_word("on")) {
          if (accept_word("all")) continue;
          do {
            Target srv = target(kServer, "a server (s1, s2, ...)");
            c.servers.push_back(srv.index);
          } while (accept_symbol(","));
        } else if (accept_word("session")) {
          const Token& d = peek();
          c.session_timeout = duration("a session timeout");
          if (c.session_timeout < kMillisecond) fail(d.loc, "the session timeout must be at least 1ms");
        } else {
          break;
        }
      }
      s_.clients.push_back(std::move(c));
    }
    expect_end();
  }

  // --- steps ---
  Step step(const std::string& text) {
    Step st;
    st.loc = peek().loc;
    st.text = text;
    st.trigger.loc = peek().loc;
    if (accept_word("at")) {
      st.trigger.kind = Trigger::Kind::at;
      st.trigger.time = duration("a time");
      expect_symbol(":");
    } else if (accept_word("after")) {
      st.trigger.kind = Trigger::Kind::after;
      st.trigger.time = duration("a delay");
      expect_symbol(":");
    } else if (accept_word("when")) {
      st.trigger.kind = Trigger::Kind::when;
      st.trigger.event = event();
      if (accept_word("within")) st.trigger.within = duration("a time limit");
      expect_symbol(":");
    }
    if (st.trigger.kind != Trigger::Kind::immediately) st.trigger_text = source(st.loc.col, t_[i_ - 1].loc.col);
    do {
      const int from = peek().loc.col;
      Action a = action();
      a.text = source(from, peek().loc.col);
      st.actions.push_back(std::move(a));
    } while (accept_symbol(";"));
    expect_end();
    return st;
  }

  Action action() {
    Action a;
    a.loc = peek().loc;
    const Token& head = peek();
    if (head.kind != Token::Kind::word) fail(head.loc, "expected an action, found " + describe_token(head));
    if (is_client_word()) return client_action(a);
    const std::string w = next().text;
    if (w == "crash" || w == "kill" || w == "power-off") {
      // crash: the process dies and the disk loses its un-fsynced writes; kill: the process only;
      // power-off: the machine (docs/scenarios.md, "Crashes").
      a.kind = Action::Kind::crash;
      if (w != "crash") a.word = w;
      const std::string what = "what to " + w + ": sN, leader, follower, followers, observer, all";
      a.targets.push_back(target(kOneServer | kFollowers | kAll, what.c_str()));
      if (w == "crash" && (is_word("at") || is_word("after") || is_word("before") || is_word("between")))
        a.crash_point = crash_point();
      if (accept_word("as")) {
        const Token& t = peek();
        a.bind_as = word("a name");
        if (numbered(a.bind_as, 's') || numbered(a.bind_as, 'c') || kReserved.count(a.bind_as))
          fail(t.loc, "'" + a.bind_as + "' is reserved; pick another name");
        names_.insert(a.bind_as);
      }
    } else if (w == "restart") {
      a.kind = Action::Kind::restart;
      a.targets.push_back(target(kServer | kName | kAll | kCrashed, "what to restart: sN, a bound name, crashed, all"));
    } else if (w == "partition") {
      a.kind = Action::Kind::partition;
      do {
        expect_symbol("{");
        std::vector<Target> group;
        do {
          group.push_back(target(kMember | kRest | kFollowers, "a server, a client, leader, follower, followers or rest"));
        } while (accept_symbol(","));
        expect_symbol("}");
        a.groups.push_back(std::move(group));
      } while (accept_symbol("|"));
      if (a.groups.size() < 2) fail(a.loc, "a partition needs at least two groups: partition {s1} | {s2,s3}");
    } else if (w == "isolate") {
      a.kind = Action::Kind::isolate;
      a.targets.push_back(target(kMember, "a server or a client"));
    } else if (w == "cut" || w == "restore" || w == "latency" || w == "flap") {
      a.kind = w == "cut" ? Action::Kind::cut : w == "restore" ? Action::Kind::restore
               : w == "latency" ? Action::Kind::latency : Action::Kind::flap;
      const unsigned members = a.kind == Action::Kind::flap ? kMember : kMember | kAll | kFollowers;
      a.targets.push_back(target(members, "a server or a client"));
      if (accept_symbol("<->")) {
        a.both_ways = true;
      } else if (a.kind == Action::Kind::flap) {
        fail(peek().loc, "flap works both ways: write s1 <-> s2");
      } else {
        expect_symbol("->");
      }
      a.targets.push_back(target(members, "a server or a client"));
      if (a.kind == Action::Kind::latency) {
        a.duration = duration("a latency");
        a.duration2 = accept_symbol("..") ? duration("the largest latency") : a.duration;
        if (a.duration2 < a.duration) fail(a.loc, "a latency range goes from low to high");
      } else if (a.kind == Action::Kind::flap) {
        expect_word("every");
        a.duration = duration("the flapping period");
        expect_word("for");
        a.duration2 = duration("how long it flaps");
        if (a.duration <= 0) fail(a.loc, "the flapping period must be positive");
      }
    } else if (w == "heal") {
      a.kind = Action::Kind::heal;
    } else if (w == "disk") {
      a.kind = Action::Kind::disk;
      a.targets.push_back(target(kOneServer | kAll | kFollowers, "a server"));
      const Token& m = peek();
      a.word = word("a disk state: full, ok, slow DURATION, fast, sync-errors");
      if (a.word == "slow") {
        a.duration = duration("the fsync latency");
      } else if (a.word != "full" && a.word != "ok" && a.word != "fast" && a.word != "sync-errors") {
        fail(m.loc, "unknown disk state '" + a.word + "' (full, ok, slow DURATION, fast, sync-errors)");
      }
    } else if (w == "disconnect") {
      a.kind = Action::Kind::disconnect;
      a.targets.push_back(client());
    } else if (w == "stop") {
      a.kind = Action::Kind::stop_client;
      a.targets.push_back(client());
    } else if (w == "reset") {
      expect_word("counters");
      a.kind = Action::Kind::reset_counters;
    } else if (w == "note") {
      a.kind = Action::Kind::note;
      a.word = string("a note");
    } else if (w == "end") {
      a.kind = Action::Kind::end;
    } else if (w == "expect") {
      a.kind = Action::Kind::expect;
      a.expect = expectation();
    } else {
      fail(head.loc, "unknown action '" + w + "'");
    }
    return a;
  }

  Action client_action(Action& a) {
    a.targets.push_back(client());
    const Token& verb = peek();
    const std::string v = word("a client operation");
    static const std::set<std::string> kOps = {"create", "set", "get", "delete", "sync", "exists", "children"};
    if (kOps.count(v)) {
      a.kind = Action::Kind::client_op;
      a.word = v;
      a.path = path();
      if (v == "create") {
        if (peek().kind == Token::Kind::string) a.data = string("data");
        bool ephemeral = false, sequential = false;
        for (;;) {
          if (accept_word("ephemeral")) ephemeral = true;
          else if (accept_word("sequential")) sequential = true;
          else if (accept_word("ephemeral-sequential")) ephemeral = sequential = true;
          else if (accept_word("persistent")) continue;
          else break;
        }
        a.flags = (ephemeral ? create_mode::ephemeral : 0) | (sequential ? create_mode::persistent_sequential : 0);
      } else if (v == "set") {
        a.data = string("the new data");
      }
    } else if (v == "close") {
      a.kind = Action::Kind::client_op;
      a.word = v;
    } else if (v == "writes" || v == "reads" || v == "watches" || v == "ephemerals" || v == "updates") {
      a.kind = Action::Kind::workload;
      a.word = v;
      a.count = number("a rate (operations per second)", 1, 100000);
      expect_word("per");
      expect_word("second");
      expect_word("for");
      a.duration = duration("how long");
      if (v == "ephemerals") {
        expect_word("under");
        a.path = path();
      } else {
        a.path = accept_word("on") ? path() : "/load";
      }
      if (v == "reads" && accept_word("with")) {
        expect_word("sync");
        a.herd = true;  // reused: sync before each read
      }
    } else if (v == "creates") {
      a.kind = Action::Kind::workload;
      a.word = v;
      a.count = number("how many nodes", 1, 1'000'000);
      expect_word("nodes");
      expect_word("under");
      a.path = path();
    } else if (v == "locks" || v == "joins") {
      a.kind = Action::Kind::recipe;
      if (v == "joins") {
        expect_word("election");
        a.word = "election";
      } else {
        a.word = "lock";
      }
      a.path = path();
      if (accept_word("herd")) a.herd = true;
    } else {
      fail(verb.loc, "unknown client operation '" + v +
                         "' (create, set, get, delete, sync, exists, children, close, writes, reads, watches, ephemerals, updates, creates, locks, "
                         "joins election)");
    }
    return a;
  }

  Expectation expectation() {
    Expectation x;
    if (is_word("leader") && is_word("elected", 1)) {
      i_ += 2;
      x.kind = Expectation::Kind::leader_elected;
      within(x);
      return x;
    }
    if (is_word("leader") && is_word("is", 1)) {
      i_ += 2;
      x.kind = Expectation::Kind::leader_is;
      x.negate = accept_word("not");
      x.target = target(kServer | kName, "a server");
      return x;
    }
    if (peek().kind == Token::Kind::path) {
      x.kind = Expectation::Kind::path_value;
      x.path = path();
      if (accept_symbol("=")) {
        x.value = string("the expected data");
      } else if (accept_word("exists")) {
        x.word = "exists";
      } else if (accept_word("missing")) {
        x.word = "missing";
      } else {
        fail(peek().loc, "expected '= \"data\"', 'exists' or 'missing' after the path");
      }
      x.target.kind = Target::Kind::all;
      if (accept_word("on")) x.target = target(kOneServer | kAll, "a server, leader or all");
      within(x);
      return x;
    }
    if (accept_word("same")) {
      expect_word("data");
      x.kind = Expectation::Kind::same_data;
      within(x);
      return x;
    }
    if (accept_word("converged")) {
      x.kind = Expectation::Kind::converged;
      within(x);
      return x;
    }
    if (accept_word("no")) {
      expect_word("acknowledged");
      if (!accept_word("write")) expect_word("writes");
      expect_word("lost");
      x.kind = Expectation::Kind::no_acked_write_lost;
      return x;
    }
    if (accept_word("verdict")) {
      expect_word("ok");
      x.kind = Expectation::Kind::verdict_ok;
      return x;
    }
    if (accept_word("saw")) {
      x.kind = Expectation::Kind::saw;
      x.event = event();
      return x;
    }
    if (accept_word("never")) {
      x.kind = Expectation::Kind::never;
      x.event = event();
      return x;
    }
    if (accept_word("notifications")) {
      x.kind = Expectation::Kind::notifications;
      const Token& t = peek();
      static const std::set<std::string> kCmp = {"=", "!=", "<", "<=", ">", ">="};
      if (t.kind != Token::Kind::symbol || !kCmp.count(t.text)) fail(t.loc, "expected a comparison (=, !=, <, <=, >, >=)");
      x.word = next().text;
      x.number = number("a count");
      return x;
    }
    if (is_client_word()) {
      x.target = client();
      const Token& verb = peek();
      if (accept_word("ok")) {
        x.kind = Expectation::Kind::client_ok;
      } else if (accept_word("last")) {
        x.kind = Expectation::Kind::client_last;
        const Token& r = peek();
        x.word = word("ok, failed or an error name (ConnectionLoss, NodeExists, ...)");
        if (x.word == "ok") x.word = "Ok";
        if (x.word != "Ok" && x.word != "failed" && !is_error_name(x.word))
          fail(r.loc, "unknown result '" + x.word + "' (ok, failed, or an error such as ConnectionLoss, NoNode)");
      } else if (accept_word("connected")) {
        x.kind = Expectation::Kind::client_connected;
        if (accept_word("to")) x.server = target(kOneServer, "a server");
        within(x);
      } else if (accept_word("session")) {
        expect_word("kept");
        x.kind = Expectation::Kind::client_session_kept;
      } else if (accept_word("holds")) {
        x.kind = Expectation::Kind::client_holds;
        x.path = path();
        within(x);
      } else if (accept_word("read")) {
        x.kind = Expectation::Kind::client_read;
        x.value = string("the data read");
      } else {
        fail(verb.loc, "expected ok, last RESULT, read \"DATA\", connected, session kept or holds PATH after the client");
      }
      return x;
    }
    // TARGET is ROLE
    x.target = target(kOneServer, "something to expect (see docs/scenarios.md)");
    expect_word("is");
    x.kind = Expectation::Kind::role_is;
    x.negate = accept_word("not");
    const Token& r = peek();
    x.word = word("a role (leader, follower, observer, looking, down, up)");
    static const std::set<std::string> kRoles = {"leader", "follower", "observer", "looking", "down", "up"};
    if (!kRoles.count(x.word)) fail(r.loc, "unknown role '" + x.word + "' (leader, follower, observer, looking, down, up)");
    within(x);
    return x;
  }

  void within(Expectation& x) {
    if (accept_word("within")) x.within = duration("a time limit");
  }

  static bool is_error_name(const std::string& name) {
    for (std::int32_t code = 0; code >= -130; --code)
      if (err_name(static_cast<Err>(code)) == name) return true;
    return false;
  }

  static inline const std::set<std::string> kReserved = {"leader", "follower", "followers", "observer", "all",
                                                          "crashed", "rest", "any", "server"};

 private:
  std::string line_;
  std::vector<Token> t_;
  std::size_t i_ = 0;
  Scenario& s_;
  std::set<std::string>& names_;
  std::vector<std::pair<Loc, std::int64_t>>& server_refs_;
};

}  // namespace

bool is_network_profile(const std::string& name) {
  return name == "lan" || name == "wan" || name == "slow" || name == "long-tail";
}

std::string ParseResult::describe(const std::string& file) const {
  std::string out;
  for (const auto& e : errors)
    out += file + ":" + std::to_string(e.loc.line) + ":" + std::to_string(e.loc.col) + ": " + e.message + "\n";
  return out;
}

ParseResult parse_scenario(const std::string& text, const std::string& file) {
  ParseResult result;
  Scenario s;
  s.file = file;
  s.source = text;
  std::set<std::string> names;
  std::vector<std::pair<Loc, std::int64_t>> server_refs;
  bool seen_step = false;
  bool seen_ensemble = false;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    try {
      std::vector<Token> tokens = lex(line, line_no);
      if (tokens.front().kind == Token::Kind::end) continue;
      const Token& first = tokens.front();
      const bool expects_violation = first.kind == Token::Kind::word && first.text == "expect" && tokens.size() > 1 &&
                                     tokens[1].kind == Token::Kind::word && tokens[1].text == "violation";
      const bool is_setting = expects_violation ||
                              (first.kind == Token::Kind::word && kSettings.count(first.text) &&
                               !(tokens.size() > 1 && tokens[1].kind == Token::Kind::symbol && tokens[1].text == ":"));
      LineParser p(line, std::move(tokens), s, names, server_refs);
      if (is_setting) {
        // `expect violation NAME` is about the whole run: it may stand anywhere.
        if (seen_step && !expects_violation)
          fail(first.loc, "settings come before the first step ('" + first.text + "')");
        if (first.text == "ensemble") {
          if (seen_ensemble) fail(first.loc, "the ensemble is declared twice");
          seen_ensemble = true;
        }
        p.setting();
      } else {
        seen_step = true;
        std::string stripped = line;
        if (auto hash = stripped.find(" #"); hash != std::string::npos) stripped.resize(hash);
        while (!stripped.empty() && (stripped.back() == ' ' || stripped.back() == '\t' || stripped.back() == '\r'))
          stripped.pop_back();
        std::size_t lead = stripped.find_first_not_of(" \t");
        s.steps.push_back(p.step(lead == std::string::npos ? stripped : stripped.substr(lead)));
      }
    } catch (const Failure& f) {
      result.errors.push_back(f.error);
    }
  }
  const std::int64_t servers = s.voters + s.observers;
  for (const auto& [loc, index] : server_refs)
    if (index > servers)
      result.errors.push_back({loc, "there is no server s" + std::to_string(index) + ": the ensemble has " +
                                        std::to_string(servers) + " server" + (servers == 1 ? "" : "s")});
  if (s.steps.empty() && result.errors.empty()) result.errors.push_back({Loc{line_no, 1}, "the scenario has no steps"});
  std::stable_sort(result.errors.begin(), result.errors.end(), [](const ParseError& a, const ParseError& b) {
    return a.loc.line != b.loc.line ? a.loc.line < b.loc.line : a.loc.col < b.loc.col;
  });
  if (result.errors.empty()) result.scenario = std::move(s);
  return result;
}

}  // namespace zablab::sim::scenario
