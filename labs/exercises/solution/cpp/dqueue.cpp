// Exercise 1 in C++: a distributed FIFO queue with the zablab recipe recipes::Queue.
//   dqueue HOSTS DIR put ITEM...      puts the items, in order; prints each entry's path
//   dqueue HOSTS DIR take N [SECS]    takes N items (waiting on a watch while the queue is
//                                     empty, no polling), prints one per line; exits 3 on timeout
// Each item goes to exactly one consumer, even when a take's answer is lost (see
// core/client/recipes/queue.h). Built by labs/tests/CMakeLists.txt; tested by
// labs/tests/test_exercise_cpp.py.
#include <cstdlib>
#include <iostream>
#include <string>

#include "core/client/recipes/queue.h"
#include "runtime/client/recipe_session.h"

using namespace zablab;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: dqueue HOSTS DIR put ITEM... | dqueue HOSTS DIR take N [SECS]\n";
    return 2;
  }
  runtime::RecipeSession zk(argv[1]);
  client::recipes::Queue queue(zk.client(), argv[2]);
  std::string cmd = argv[3];
  if (cmd == "put") {
    for (int i = 4; i < argc; ++i) {
      auto r = zk.await<client::Result<std::string>>([&](auto done) { queue.put(argv[i], done); });
      if (!r || !r->ok()) {
        std::cerr << "put " << argv[i] << " failed: " << (r ? err_name(r->err) : "timeout") << "\n";
        return 1;
      }
      std::cout << r->value << std::endl;
    }
    return 0;
  }
  if (cmd == "take" && argc >= 5) {
    int n = std::atoi(argv[4]);
    std::int64_t ms = argc >= 6 ? static_cast<std::int64_t>(std::atof(argv[5]) * 1000) : 30000;
    for (int i = 0; i < n; ++i) {
      auto r = zk.await<client::Result<std::string>>([&](auto done) { queue.take(done); }, ms);
      if (!r) return 3;  // nothing came in time
      if (!r->ok()) {
        std::cerr << "take failed: " << err_name(r->err) << "\n";
        return 1;
      }
      std::cout << r->value << std::endl;
    }
    return 0;
  }
  std::cerr << "unknown command " << cmd << "\n";
  return 2;
}
