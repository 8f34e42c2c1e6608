// Crowded views bundle messages in flight by direction (gui/model/flight_bundles).
#include <catch2/catch.hpp>

#include <array>

#include "gui/model/flight_bundles.h"

using namespace zablab::gui;

namespace {
// Messages numbered in order, each (from, to, send seq).
std::vector<Message> messages(std::initializer_list<std::array<std::uint64_t, 3>> rows) {
  std::vector<Message> out;
  for (const auto& [from, to, send_seq] : rows) {
    out.emplace_back();
    out.back().index = out.size() - 1;
    out.back().from = static_cast<EndpointId>(from);
    out.back().to = static_cast<EndpointId>(to);
    out.back().send_seq = send_seq;
  }
  return out;
}
}  // namespace

TEST_CASE("gui/flight bundles: one bundle per direction with its count, oldest and newest") {
  const std::vector<Message> all = messages({{1, 2, 10}, {2, 1, 11}, {1, 2, 5}, {1, 3, 12}, {1, 2, 30}, {2, 1, 40}, {1, 2, 20}});
  // Message 6 is not among those asked about: it must not be counted.
  const auto bundles = bundle_flights(all, {4, 0, 1, 2, 3, 5});
  REQUIRE(bundles.size() == 3);
  // In (from, to) order: 1->2, 1->3, 2->1 (1->2 and 2->1 are different directions).
  CHECK(bundles[0].from == 1);
  CHECK(bundles[0].to == 2);
  CHECK(bundles[0].count == 3);
  CHECK(bundles[0].oldest == 2);  // sent at seq 5
  CHECK(bundles[0].newest == 4);  // sent at seq 30
  CHECK(bundles[1].from == 1);
  CHECK(bundles[1].to == 3);
  CHECK(bundles[1].count == 1);
  CHECK(bundles[1].oldest == 3);
  CHECK(bundles[1].newest == 3);
  CHECK(bundles[2].from == 2);
  CHECK(bundles[2].to == 1);
  CHECK(bundles[2].count == 2);
  CHECK(bundles[2].oldest == 1);
  CHECK(bundles[2].newest == 5);
  CHECK(bundle_flights(all, {}).empty());
}
