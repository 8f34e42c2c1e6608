// zablab-sim replay (a recording's timeline, filtered, and its re-check) and export (Chrome /
// Perfetto trace JSON).
#pragma once

#include <string>
#include <vector>

namespace zablab::simcli {

int cmd_replay(const std::vector<std::string>& args);
int cmd_export(const std::vector<std::string>& args);

}  // namespace zablab::simcli
