// Exercise 3 in C++: unique IDs in 1..N (default 1024) with recipes::IdPool.
//   unique_ids HOSTS DIR K [N] [SESSION_MS]
//        takes K distinct IDs, prints each as it gets it ("id 17"), then holds them until stdin
//        closes (or the process dies: the IDs are ephemeral nodes and return to the pool when
//        the session ends). Waits on a watch when all N are taken. Prints "lost 17" if the
//        session expires under it (the ID may then belong to someone else).
#include <sys/select.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "core/client/recipes/id_pool.h"
#include "runtime/client/recipe_session.h"

using namespace zablab;

namespace {
// stdin readable (data or EOF) without blocking.
bool stdin_ready() {
  fd_set fds;
  FD_ZERO(&fds);
  FD_SET(0, &fds);
  timeval tv{0, 0};
  return select(1, &fds, nullptr, nullptr, &tv) > 0;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: unique_ids HOSTS DIR K [N] [SESSION_MS]\n";
    return 2;
  }
  int k = std::atoi(argv[3]);
  int n = argc >= 5 ? std::atoi(argv[4]) : 1024;
  runtime::RecipeSession zk(argv[1], argc >= 6 ? std::atoi(argv[5]) : 10000);
  std::vector<std::unique_ptr<client::recipes::IdPool>> ids;
  int got = 0;
  for (int i = 0; i < k; ++i) {
    ids.push_back(std::make_unique<client::recipes::IdPool>(zk.client(), argv[2], n));
    auto* p = ids.back().get();
    p->set_listener([p](client::recipes::HoldEvent e) {
      if (e == client::recipes::HoldEvent::lost) std::cout << "lost" << std::endl;
      (void)p;
    });
    p->acquire([&got](const client::Result<int>& r) {
      if (r.ok()) {
        ++got;
        std::cout << "id " << r.value << std::endl;
      } else {
        std::cerr << "acquire failed: " << err_name(r.err) << "\n";
      }
    });
  }
  // Run until stdin closes (the caller's way of saying "release them").
  bool line = false;
  while (!line) {
    zk.run_for(50);
    if (stdin_ready()) {
      char c;
      line = read(0, &c, 1) <= 0 || c == '\n';
    }
  }
  for (auto& p : ids) zk.await<Err>([&](auto done) { p->release(done); }, 5000);
  std::cout << "released " << got << std::endl;
  return 0;
}
