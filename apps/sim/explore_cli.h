// zablab-sim explore: systematic bounded search (sim/explore) with a progress line, Ctrl-C that
// stops cleanly with what was covered, and a counterexample saved as a scenario plus its trace.
#pragma once

#include <string>
#include <vector>

namespace zablab::simcli {

int cmd_explore(const std::vector<std::string>& args);

}  // namespace zablab::simcli
