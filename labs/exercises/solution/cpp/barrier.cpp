// Exercise 2 in C++: barrier and double barrier with recipes::Barrier / recipes::DoubleBarrier.
//   barrier HOSTS hold PATH          raises the barrier
//   barrier HOSTS wait PATH [SECS]   returns (prints "passed") once it is removed; 3 on timeout
//   barrier HOSTS remove PATH        lowers it
//   barrier HOSTS double PATH N ID [WORK_SECS]
//        enter (prints "entered"), work, leave (prints "left"); nobody passes enter before all N
//        arrived, nor leave before all N are leaving
// Waiting is on watches only (exists on the barrier / "ready" / one other member).
#include <cstdlib>
#include <iostream>
#include <string>

#include "core/client/recipes/barrier.h"
#include "runtime/client/recipe_session.h"

using namespace zablab;

namespace {
int check(const std::optional<Err>& e, const char* what) {
  if (!e) return 3;
  if (*e != Err::ok) {
    std::cerr << what << " failed: " << err_name(*e) << "\n";
    return 1;
  }
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: barrier HOSTS hold|wait|remove PATH | barrier HOSTS double PATH N ID [WORK_SECS]\n";
    return 2;
  }
  std::string cmd = argv[2], path = argv[3];
  runtime::RecipeSession zk(argv[1]);
  if (cmd == "hold" || cmd == "wait" || cmd == "remove") {
    client::recipes::Barrier b(zk.client(), path);
    std::int64_t ms = argc >= 5 ? static_cast<std::int64_t>(std::atof(argv[4]) * 1000) : 60000;
    auto e = zk.await<Err>([&](auto done) {
      if (cmd == "hold") b.create(done);
      else if (cmd == "remove") b.remove(done);
      else b.wait(done);
    }, ms);
    int rc = check(e, cmd.c_str());
    if (rc == 0 && cmd == "wait") std::cout << "passed" << std::endl;
    return rc;
  }
  if (cmd == "double" && argc >= 6) {
    client::recipes::DoubleBarrier b(zk.client(), path, std::atoi(argv[4]), argv[5]);
    if (int rc = check(zk.await<Err>([&](auto done) { b.enter(done); }, 60000), "enter")) return rc;
    std::cout << "entered" << std::endl;
    zk.run_for(argc >= 7 ? static_cast<std::int64_t>(std::atof(argv[6]) * 1000) : 0);
    if (int rc = check(zk.await<Err>([&](auto done) { b.leave(done); }, 60000), "leave")) return rc;
    std::cout << "left" << std::endl;
    return 0;
  }
  std::cerr << "unknown command " << cmd << "\n";
  return 2;
}
