#include "core/util/invariant.h"

namespace zablab::util {

std::string describe(const Breach& breach) { return "invariant broken: " + breach.invariant + " (" + breach.values + ")"; }

}  // namespace zablab::util
