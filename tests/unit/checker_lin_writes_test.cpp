// client.linearizable-writes: the search (sim/checkers/lin_search.h) on hand-made path histories,
// and the check over hand-made client records. Each fires on a history no order fits and stays
// quiet on one that some order does, writes of unknown outcome included.
#include <catch2/catch.hpp>

#include <algorithm>

#include "sim/checkers/lin_search.h"
#include "tests/unit/checker_feed.h"

using namespace zablab::sim;
using namespace zablab::sim::check;
using namespace zablab::sim::check::test;
using lin::Kind;
using lin::Outcome;

namespace {

// A write invoked at seq `in` and returned at seq `out` (kNever: its outcome is unknown).
lin::Write w(std::uint64_t id, Kind kind, Outcome outcome, std::uint64_t in, std::uint64_t out, std::int32_t expected = -1,
             std::int32_t version = -1) {
  lin::Write x;
  x.id = id;
  x.kind = kind;
  x.outcome = outcome;
  x.invoked = in;
  x.returned = outcome == Outcome::unknown ? lin::kNever : out;
  x.expected = expected;
  x.version = version;
  return x;
}

std::vector<std::uint64_t> ids(const std::vector<lin::Write>& ws) {
  std::vector<std::uint64_t> out;
  for (const auto& x : ws) out.push_back(x.id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("lin-search: writes in real-time order with the versions they returned fit") {
  lin::PathHistory h;
  CHECK(h.add_segment({w(1, Kind::create, Outcome::ok, 1, 2)}).is == lin::Verdict::Is::linearizable);
  CHECK(h.add_segment({w(2, Kind::set, Outcome::ok, 3, 4, -1, 1)}).is == lin::Verdict::Is::linearizable);
  // Two overlapping conditional sets on version 1: one wins, the other gets BadVersion.
  CHECK(h.add_segment({w(3, Kind::set, Outcome::bad_version, 5, 8, 1), w(4, Kind::set, Outcome::ok, 6, 7, 1, 2)}).is ==
        lin::Verdict::Is::linearizable);
  CHECK(h.add_segment({w(5, Kind::remove, Outcome::bad_version, 9, 10, 1), w(6, Kind::remove, Outcome::ok, 11, 12, 2)})
            .is == lin::Verdict::Is::linearizable);
  CHECK(h.add_segment({w(7, Kind::set, Outcome::no_node, 13, 14), w(8, Kind::remove, Outcome::no_node, 15, 16)}).is ==
        lin::Verdict::Is::linearizable);
  REQUIRE(h.configs().size() == 1);
  CHECK_FALSE(h.configs().front().state.exists);
}

TEST_CASE("lin-search: a lost update -- two conditional sets on one version both succeed") {
  lin::PathHistory h;
  h.add_segment({w(1, Kind::create, Outcome::ok, 1, 2)});
  const lin::Verdict v =
      h.add_segment({w(2, Kind::set, Outcome::ok, 3, 6, 0, 1), w(3, Kind::set, Outcome::ok, 4, 5, 0, 2)});
  REQUIRE(v.is == lin::Verdict::Is::violation);
  // The smallest window is the second set alone: expecting version 0 and returning version 2 fits
  // no order, whatever the first one did.
  CHECK(ids(v.window) == std::vector<std::uint64_t>{3});
  CHECK(v.why == "whatever 1 other writes overlapping it did");
}

TEST_CASE("lin-search: real time orders writes that do not overlap") {
  // One set after another: versions 1, then 2. A first set that returns version 2 has no
  // write before it to make version 1.
  lin::PathHistory good;
  good.add_segment({w(1, Kind::create, Outcome::ok, 1, 2)});
  CHECK(good.add_segment({w(2, Kind::set, Outcome::ok, 3, 4, -1, 1)}).is == lin::Verdict::Is::linearizable);
  CHECK(good.add_segment({w(3, Kind::set, Outcome::ok, 5, 6, -1, 2)}).is == lin::Verdict::Is::linearizable);

  lin::PathHistory bad;
  bad.add_segment({w(1, Kind::create, Outcome::ok, 1, 2)});
  CHECK(bad.add_segment({w(2, Kind::set, Outcome::ok, 3, 4, -1, 2)}).is == lin::Verdict::Is::violation);
}

TEST_CASE("lin-search: a write of unknown outcome may take effect later, or never") {
  lin::PathHistory h;
  h.add_segment({w(1, Kind::create, Outcome::ok, 1, 2)});
  // A set lost with its connection; a later set returns version 2: the lost one took effect first.
  CHECK(h.add_segment({w(2, Kind::set, Outcome::unknown, 3, 0)}).is == lin::Verdict::Is::linearizable);
  CHECK(h.add_segment({w(3, Kind::set, Outcome::ok, 5, 6, -1, 2)}).is == lin::Verdict::Is::linearizable);
  // It cannot take effect twice: a set returning version 4 next has no write to fill version 3.
  CHECK(h.add_segment({w(4, Kind::set, Outcome::ok, 7, 8, -1, 4)}).is == lin::Verdict::Is::violation);

  lin::PathHistory never;
  never.add_segment({w(1, Kind::create, Outcome::ok, 1, 2)});
  CHECK(never.add_segment({w(2, Kind::set, Outcome::unknown, 3, 0)}).is == lin::Verdict::Is::linearizable);
  CHECK(never.add_segment({w(3, Kind::set, Outcome::ok, 5, 6, -1, 1)}).is == lin::Verdict::Is::linearizable);
  // ... and it may still take effect after that.
  CHECK(never.add_segment({w(4, Kind::set, Outcome::ok, 7, 8, -1, 3)}).is == lin::Verdict::Is::linearizable);
}

TEST_CASE("lin-search: an unknown write cannot take effect before it was invoked") {
  lin::PathHistory h;
  h.add_segment({w(1, Kind::create, Outcome::ok, 1, 2)});
  // Set 2 returned version 2 before the unknown set 3 was even invoked.
  const lin::Verdict v =
      h.add_segment({w(2, Kind::set, Outcome::ok, 3, 4, -1, 2), w(3, Kind::set, Outcome::unknown, 5, 0)});
  REQUIRE(v.is == lin::Verdict::Is::violation);
  CHECK(ids(v.window) == std::vector<std::uint64_t>{2});
}

TEST_CASE("lin-search: the window is the shortest failing prefix of the segment") {
  lin::PathHistory h;
  h.add_segment({w(1, Kind::create, Outcome::ok, 1, 2)});
  // A create on an existing node that succeeds, then writes that would be fine.
  const lin::Verdict v = h.add_segment({w(2, Kind::create, Outcome::ok, 3, 4), w(3, Kind::set, Outcome::ok, 3, 10, -1, 1),
                                        w(4, Kind::set, Outcome::ok, 11, 12, -1, 2)});
  REQUIRE(v.is == lin::Verdict::Is::violation);
  // The create alone cannot succeed; write 3 overlaps it (optional: it cannot help); write 4
  // began after both.
  CHECK(ids(v.window) == std::vector<std::uint64_t>{2});
  CHECK(v.why == "whatever 1 other writes overlapping it did");
}

TEST_CASE("lin-search: past its bounds the search says undecided, never a violation") {
  lin::PathHistory h;
  std::vector<lin::Write> many;
  for (std::uint64_t i = 0; i < lin::PathHistory::kMaxSegment + 1; ++i)
    many.push_back(w(i + 1, Kind::set, Outcome::unknown, i + 1, 0));
  const lin::Verdict v = h.add_segment(many);
  CHECK(v.is == lin::Verdict::Is::undecided);
  CHECK_FALSE(v.why.empty());
  CHECK(h.given_up());
  CHECK(h.add_segment({w(100, Kind::set, Outcome::ok, 200, 201, -1, 99)}).is == lin::Verdict::Is::linearizable);
}

namespace {
std::vector<std::vector<std::uint64_t>> piece_ids(const std::vector<std::vector<lin::Write>>& pieces) {
  std::vector<std::vector<std::uint64_t>> out;
  for (const auto& p : pieces) {
    out.emplace_back();
    for (const auto& x : p) out.back().push_back(x.id);
  }
  return out;
}
lin::Write by(std::uint64_t client, lin::Write x) {
  x.client = client;
  return x;
}
}  // namespace

// Segments cut wherever no write of known outcome is in flight (lin::split_at_quiet_points), so
// that one write in flight across an outage, of unknown outcome in the end, does not make the
// whole history one search; and one client's writes searched in the order it sent them
// (ZooKeeper's FIFO client order), so its pipelined writes stalled by an outage are a chain.

TEST_CASE("lin-search: a write of unknown outcome in flight across others does not hold the cut back") {
  // Write 1 is invoked first and ends in ConnectionLoss long after; 2, 3 and 4 follow one another,
  // 4 overlapping 3.
  const std::vector<lin::Write> writes = {
      w(1, Kind::set, Outcome::unknown, 1, 0), w(2, Kind::set, Outcome::ok, 2, 3, -1, 1),
      w(3, Kind::set, Outcome::ok, 4, 6, -1, 2),   w(4, Kind::set, Outcome::bad_version, 5, 7)};
  CHECK(piece_ids(lin::split_at_quiet_points(writes)) == std::vector<std::vector<std::uint64_t>>{{1, 2}, {3, 4}});
}

TEST_CASE("lin-search: writes of known outcome that overlap stay in one segment") {
  const std::vector<lin::Write> writes = {w(1, Kind::set, Outcome::ok, 1, 9), w(2, Kind::set, Outcome::ok, 2, 3),
                                          w(3, Kind::set, Outcome::ok, 4, 5), w(4, Kind::set, Outcome::ok, 10, 11)};
  CHECK(piece_ids(lin::split_at_quiet_points(writes)) == std::vector<std::vector<std::uint64_t>>{{1, 2, 3}, {4}});
}

TEST_CASE("lin-search: the segments of a split history decide as the whole does") {
  // Create, then a set of unknown outcome across three sets that returned versions 1, 2, 3: the
  // unknown one cannot have taken effect before them (the versions leave no gap), but may after.
  std::vector<lin::Write> writes = {w(1, Kind::create, Outcome::ok, 1, 2), w(2, Kind::set, Outcome::unknown, 3, 0),
                                    w(3, Kind::set, Outcome::ok, 4, 5, -1, 1), w(4, Kind::set, Outcome::ok, 6, 7, -1, 2),
                                    w(5, Kind::set, Outcome::ok, 8, 9, -1, 3)};
  lin::PathHistory split;
  for (const auto& piece : lin::split_at_quiet_points(writes))
    CHECK(split.add_segment(piece).is == lin::Verdict::Is::linearizable);
  lin::PathHistory whole;
  CHECK(whole.add_segment(writes).is == lin::Verdict::Is::linearizable);
  CHECK(split.configs() == whole.configs());

  // A fourth set that returned version 5: only the unknown set taking effect in between explains it.
  writes.push_back(w(6, Kind::set, Outcome::ok, 10, 11, -1, 5));
  lin::PathHistory split2;
  lin::Verdict last;
  for (const auto& piece : lin::split_at_quiet_points(writes)) last = split2.add_segment(piece);
  CHECK(last.is == lin::Verdict::Is::linearizable);
  // Version 7 cannot be explained by one unknown set: a violation, in the last segment.
  writes.back() = w(6, Kind::set, Outcome::ok, 10, 11, -1, 7);
  lin::PathHistory split3;
  for (const auto& piece : lin::split_at_quiet_points(writes)) last = split3.add_segment(piece);
  CHECK(last.is == lin::Verdict::Is::violation);
}

TEST_CASE("lin-search: one client's pipelined writes, more than a subset search takes, are decided in FIFO order") {
  // 200 blind sets by one client, all in flight at once (an outage), returning versions 1..200;
  // a second client's set overlaps them and returned version 101.
  std::vector<lin::Write> segment = {w(1, Kind::create, Outcome::ok, 1, 2)};
  for (std::uint64_t i = 0; i < 200; ++i) {
    const auto version = static_cast<std::int32_t>(i < 100 ? i + 1 : i + 2);
    segment.push_back(by(1, w(10 + i, Kind::set, Outcome::ok, 10 + i, 1000 + i, -1, version)));
  }
  segment.push_back(by(2, w(5, Kind::set, Outcome::ok, 50, 1500, -1, 101)));
  lin::PathHistory h;
  const lin::Verdict v = h.add_segment(segment);
  INFO(v.why);
  CHECK(v.is == lin::Verdict::Is::linearizable);
  REQUIRE(h.configs().size() == 1);
  CHECK(h.configs().front().state.version == 201);
}

TEST_CASE("lin-search: a client's later write taking effect before its earlier one is a violation") {
  // Both in flight at once on one connection: the later-sent one returned the lower version.
  const std::vector<lin::Write> segment = {w(1, Kind::create, Outcome::ok, 1, 2),
                                           by(1, w(2, Kind::set, Outcome::ok, 3, 6, -1, 2)),
                                           by(1, w(3, Kind::set, Outcome::ok, 4, 5, -1, 1))};
  lin::PathHistory fifo;
  CHECK(fifo.add_segment(segment).is == lin::Verdict::Is::violation);
  // By two clients the same returns fit (3 took effect first).
  std::vector<lin::Write> two = segment;
  two[2].client = 2;
  lin::PathHistory h;
  CHECK(h.add_segment(two).is == lin::Verdict::Is::linearizable);
}

// ----------------------------------------------------------------------------- over records

namespace {

void args(Feed& f, EndpointId client, std::uint64_t op, std::int32_t version, int flags = 0) {
  f.add(make_record(trace_kind::op_args, client, kNoEndpoint, kNoEndpoint,
                    R"({"op_id":)" + std::to_string(op) + R"(,"version":)" + std::to_string(version) +
                        R"(,"flags":)" + std::to_string(flags) + "}"));
}
void invoke(Feed& f, EndpointId client, std::uint64_t op, const char* what, const std::string& path) {
  f.add(make_record(trace_kind::client_invoke, client, kNoEndpoint, kNoEndpoint,
                    R"({"op_id":)" + std::to_string(op) + R"(,"path":")" + path + R"("})", what));
}
// The return and the runner's op.result after it; `version` >= 0: the Stat's version.
void done(Feed& f, EndpointId client, std::uint64_t op, const char* what, const char* err, int version = -1,
          const std::string& name = "") {
  f.add(make_record(trace_kind::client_return, client, kNoEndpoint, kNoEndpoint,
                    R"({"op_id":)" + std::to_string(op) + R"(,"err":")" + err + R"("})", what, z(1, op)));
  std::string detail = R"({"op_id":)" + std::to_string(op) + R"(,"err":")" + err + "\"";
  if (version >= 0) detail += R"(,"mzxid":1,"version":)" + std::to_string(version);
  if (!name.empty()) detail += R"(,"path":")" + name + "\"";
  f.add(make_record(trace_kind::op_result, kNoEndpoint, kNoEndpoint, kNoEndpoint, detail + "}"));
}

// A whole write: op.args, invoke, return and op.result.
void write(Feed& f, EndpointId client, std::uint64_t op, const char* what, const std::string& path, const char* err,
           int version = -1, int flags = 0, const std::string& name = "") {
  args(f, client, op, -1, flags);
  invoke(f, client, op, what, path);
  done(f, client, op, what, err, version, name);
}

CheckConfig only_writes() {
  CheckConfig c;
  c.enabled = {"client.linearizable-writes"};
  return c;
}

// c1 creates /u; then c1 and c2 each read version 0 and set /u expecting it, overlapping.
void race(Feed& f, const char* second_err, int second_version) {
  write(f, 1001, 1, "create", "/u", "Ok", -1, 0, "/u");
  args(f, 1001, 2, 0);
  invoke(f, 1001, 2, "setData", "/u");
  args(f, 1002, 3, 0);
  invoke(f, 1002, 3, "setData", "/u");
  done(f, 1001, 2, "setData", "Ok", 1);
  done(f, 1002, 3, "setData", second_err, second_version);
}

}  // namespace

TEST_CASE("client/linearizable-writes: of two racing conditional sets, one must fail") {
  Feed good(only_writes());
  race(good, "BadVersion", -1);
  CHECK(good.first().empty());

  Feed bad(only_writes());
  race(bad, "Ok", 2);
  REQUIRE(bad.first() == "client.linearizable-writes");
  const Violation& v = bad.engine.violations().front();
  CHECK(v.ops == std::vector<std::uint64_t>{3});
  CHECK(v.message.find("the writes to /u cannot be put in one order") == 0);
  CHECK(v.message.find("[op 3 c2 setData expecting version 0 -> Ok (version 2)") != std::string::npos);
  CHECK(v.to_json().find(R"("ops":[3])") != std::string::npos);
}

TEST_CASE("client/linearizable-writes: a set lost with its connection may have taken effect") {
  Feed f(only_writes());
  write(f, 1001, 1, "create", "/u", "Ok");
  write(f, 1001, 2, "setData", "/u", "ConnectionLoss");
  write(f, 1001, 3, "setData", "/u", "Ok", 2);
  CHECK(f.first().empty());
  // A client that dies with a set in flight: that one may have taken effect too.
  args(f, 1002, 4, -1);
  invoke(f, 1002, 4, "setData", "/u");
  f.add(make_record(trace_kind::crash, 1002, kNoEndpoint, kNoEndpoint, R"({"reason":"stopped"})"));
  write(f, 1001, 5, "setData", "/u", "Ok", 4);
  CHECK(f.first().empty());
  // But no write is left to explain a jump to version 6.
  write(f, 1001, 6, "setData", "/u", "Ok", 6);
  CHECK(f.first() == "client.linearizable-writes");
}

TEST_CASE("client/linearizable-writes: ephemeral and sequential znodes, and writes without op.args, are left out") {
  Feed f(only_writes());
  // An ephemeral: its session's end deletes it without a write.
  write(f, 1001, 1, "create", "/e", "Ok", -1, 1, "/e");
  write(f, 1001, 2, "create", "/e", "Ok", -1, 0, "/e");
  // A sequential name, deleted by its name.
  write(f, 1001, 3, "create", "/q/n-", "Ok", -1, 2, "/q/n-0000000000");
  write(f, 1001, 4, "delete", "/q/n-0000000000", "Ok");
  // No op.args: what it expected is not known.
  invoke(f, 1001, 5, "delete", "/x");
  done(f, 1001, 5, "delete", "Ok");
  write(f, 1001, 6, "delete", "/x", "Ok");
  CHECK(f.first().empty());
  // A plain path is checked: deleting what was never created.
  write(f, 1001, 7, "delete", "/p", "Ok");
  CHECK(f.first() == "client.linearizable-writes");
}
