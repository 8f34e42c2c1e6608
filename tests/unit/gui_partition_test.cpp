// The ensemble view splits into one column per side when a partition cuts the servers apart: the
// groups come from the links the trace says are cut (sim::LinkGraph over EnsembleState), as
// gui/panels/draw_ensemble groups them.
#include <catch2/catch.hpp>

#include "gui/model/controller.h"
#include "gui/model/source.h"
#include "sim/reachability.h"

using namespace zablab;
using namespace zablab::gui;

namespace {
std::vector<std::vector<EndpointId>> sides(const Controller& c) {
  const EnsembleState& st = c.state();
  const sim::LinkGraph links([&st](EndpointId from, EndpointId to) { return st.link_blocked(from, to); },
                             c.timeline().servers());
  return links.components();
}
}  // namespace

TEST_CASE("gui/partition: the minority-partition scenario splits the ensemble into {s1, s2} and {s3, s4, s5}, then one ring") {
  std::string error;
  auto source = run_scenario_file(std::string(ZABLAB_SOURCE_DIR) + "/scenarios/minority-partition.scn", std::nullopt, error);
  INFO(error);
  REQUIRE(source);
  Controller c(std::move(source));
  c.jump_to_time(100 * sim::kMillisecond);  // before the partition
  c.update(0);
  CHECK(sides(c).size() == 1);
  c.jump_to_time(5 * sim::kSecond);
  c.update(0);
  CHECK(sides(c) == std::vector<std::vector<EndpointId>>{{1, 2}, {3, 4, 5}});
  c.jump_to_end();  // the scenario heals before it ends
  c.update(0);
  CHECK(sides(c).size() == 1);
}
