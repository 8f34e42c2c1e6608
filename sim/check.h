// Always-on assertions for the simulator. A failed check is a programmer's error (in sim/ or in
// the code driving it), never an operating error: it throws std::logic_error naming the place, so
// a test reports it instead of the process aborting.
#pragma once

#include <stdexcept>
#include <string>

#define ZL_SIM_STRINGIFY2(x) #x
#define ZL_SIM_STRINGIFY(x) ZL_SIM_STRINGIFY2(x)

#define ZL_SIM_ASSERT(cond, message)                                                                        \
  do {                                                                                                      \
    if (!(cond))                                                                                            \
      throw std::logic_error(std::string(__FILE__ ":" ZL_SIM_STRINGIFY(__LINE__) ": assertion `") + #cond + \
                             "` failed: " + (message));                                                     \
  } while (0)
