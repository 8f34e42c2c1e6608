// The simulator core: event order, cancellation, the clock, latency sampling, trace records.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "sim/latency.h"
#include "sim/simulator.h"
#include "sim/trace.h"

using namespace zablab;
using namespace zablab::sim;

TEST_CASE("sim/simulator: events run by time, then in scheduling order") {
  Simulator s(1);
  std::vector<std::string> ran;
  s.at(ms(5), [&] { ran.push_back("b@5"); });
  s.at(ms(1), [&] { ran.push_back("a@1"); });
  s.at(ms(5), [&] { ran.push_back("c@5"); });
  s.at(ms(5), [&] {
    ran.push_back("d@5");
    s.after(0, [&] { ran.push_back("e@5 (scheduled by d)"); });
  });
  while (s.step()) {
  }
  CHECK(ran == std::vector<std::string>{"a@1", "b@5", "c@5", "d@5", "e@5 (scheduled by d)"});
  CHECK(s.now() == ms(5));
  CHECK(s.steps() == 5);
}

TEST_CASE("sim/simulator: a cancelled event never runs and the clock jumps over idle time") {
  Simulator s(1);
  int ran = 0;
  const EventId doomed = s.at(ms(10), [&] { ran += 100; });
  s.at(seconds(3600), [&] { ran += 1; });
  CHECK(s.pending() == 2);
  s.cancel(doomed);
  s.cancel(doomed);  // twice is harmless
  CHECK(s.pending() == 1);
  CHECK(s.next_time() == seconds(3600));
  CHECK(s.step());
  CHECK_FALSE(s.step());
  CHECK(ran == 1);
  CHECK(s.now() == kHour);
  CHECK_THROWS_AS(s.at(0, [] {}), std::logic_error);  // the past
}

TEST_CASE("sim/simulator: an id of an event that ran or was cancelled never cancels a later event") {
  // Events reuse the storage of finished ones; an old id must not reach the new occupant.
  Simulator s(1);
  std::vector<std::string> ran;
  const EventId first = s.at(ms(1), [&] { ran.push_back("first"); });
  CHECK(first != 0);
  CHECK(s.step());
  const EventId second = s.at(ms(2), [&] { ran.push_back("second"); });
  s.cancel(first);  // ran already: nothing happens to `second`
  CHECK(s.pending() == 1);
  s.cancel(second);
  const EventId third = s.at(ms(3), [&] { ran.push_back("third"); });
  s.cancel(second);  // cancelled already: `third` stays
  CHECK(third != second);
  CHECK(s.pending() == 1);
  while (s.step()) {
  }
  CHECK(ran == std::vector<std::string>{"first", "third"});
  CHECK(s.pending() == 0);
}

TEST_CASE("sim/simulator: advance_to refuses to skip an event") {
  Simulator s(1);
  s.at(ms(3), [] {});
  s.advance_to(ms(2));
  CHECK(s.now() == ms(2));
  CHECK_THROWS_AS(s.advance_to(ms(4)), std::logic_error);
}

TEST_CASE("sim/simulator: derived seeds are stable and distinct per stream") {
  Simulator a(42), b(42), c(43);
  CHECK(a.derive_seed(7) == b.derive_seed(7));
  CHECK(a.derive_seed(7) != a.derive_seed(8));
  CHECK(a.derive_seed(7) != c.derive_seed(7));
}

TEST_CASE("sim/latency: samples stay in range and depend only on the seed") {
  util::Prng p1(9), p2(9);
  const Latency fixed = Latency::fixed(ms(2));
  const Latency uni = Latency::uniform(us(100), us(400));
  const Latency tail = Latency::long_tail(us(100), us(400), 1, 10, ms(200));
  int tail_samples = 0;
  for (int i = 0; i < 2000; ++i) {
    CHECK(fixed.sample(p1) == ms(2));
    const Nanos u = uni.sample(p1);
    CHECK(u >= us(100));
    CHECK(u <= us(400));
    const Nanos t = tail.sample(p1);
    CHECK(t >= us(100));
    CHECK(t <= ms(200));
    tail_samples += t > us(400) ? 1 : 0;
    // The same seed gives the same sequence (fixed draws nothing).
    CHECK(uni.sample(p2) == u);
    CHECK(tail.sample(p2) == t);
  }
  CHECK(tail_samples > 100);  // about 1 in 10
  CHECK(tail_samples < 400);
  CHECK(tail.describe() == "long_tail(100us,400us,1/10,200ms)");
}

TEST_CASE("sim/trace: a record survives to_line/from_line unchanged") {
  TraceRecord r =
      make_record(trace_kind::send, 1001, 1001, 1, "{\"conn\":3,\"text\":\"tab\\there\"}", "getData", 0x100000002);
  r.seq = 17;
  r.time_ns = 123456789;
  r.detail += "\t\n\\ raw control chars";
  const std::string line = to_line(r);
  CHECK(line.find('\n') == std::string::npos);
  auto back = from_line(line);
  REQUIRE(back);
  CHECK(*back == r);
  CHECK_FALSE(from_line("1\t2\tonly three"));
  CHECK_FALSE(from_line(line + "\textra"));
}

TEST_CASE("sim/trace: the hash covers every record, retained or not") {
  Trace kept, counted;
  counted.set_retain(false);
  const std::uint64_t empty = kept.hash();
  for (int i = 0; i < 3; ++i) {
    TraceRecord r = make_record(trace_kind::timer, 1, -1, -1, "{}");
    r.time_ns = i;
    kept.add(r);
    counted.add(r);
  }
  CHECK(kept.hash() != empty);
  CHECK(kept.hash() == counted.hash());
  CHECK(kept.records().size() == 3);
  CHECK(counted.records().empty());
  CHECK(counted.size() == 3);
  CHECK(kept.records()[2].seq == 2);
  CHECK(kept.hash_hex().size() == 16);
}
