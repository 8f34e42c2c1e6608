// zablab-sim fuzz: random fault schedules over a range of seeds, in parallel, sharded across
// machines, shrinking what fails; and `fuzz merge` over the shards' result files.
#pragma once

#include <string>
#include <vector>

namespace zablab::simcli {

int cmd_fuzz(const std::vector<std::string>& args);

}  // namespace zablab::simcli
