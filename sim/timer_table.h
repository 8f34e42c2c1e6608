// The timers of one simulated process: Env::set_timer / cancel_timer over the simulator's queue.
// Ids count up per process host and are never reused, across restarts too, so a stale id from a
// previous incarnation can never cancel or fire a new timer.
#pragma once

#include <cstdint>
#include <functional>
#include <map>

#include "core/env/env.h"
#include "sim/check.h"
#include "sim/simulator.h"

namespace zablab::sim {

class TimerTable {
 public:
  explicit TimerTable(Simulator& sim) : sim_(sim) {}
  TimerTable(const TimerTable&) = delete;
  TimerTable& operator=(const TimerTable&) = delete;

  // `fire(id)` runs when the timer is due (unless cancelled first).
  TimerId set(std::int64_t delay_ms, std::function<void(TimerId)> fire) {
    ZL_SIM_ASSERT(delay_ms >= 0, "a timer cannot fire in the past");
    const TimerId id = next_id_++;
    live_[id] = sim_.after(ms(delay_ms), [this, id, fire = std::move(fire)] {
      live_.erase(id);
      fire(id);
    });
    return id;
  }
  void cancel(TimerId id) {
    auto it = live_.find(id);
    if (it == live_.end()) return;  // fired or cancelled already
    sim_.cancel(it->second);
    live_.erase(it);
  }
  // Cancels every live timer (the process died).
  void clear() {
    for (const auto& [id, event] : live_) sim_.cancel(event);
    live_.clear();
  }
  std::size_t live() const { return live_.size(); }

 private:
  Simulator& sim_;
  TimerId next_id_ = 1;
  std::map<TimerId, EventId> live_;
};

}  // namespace zablab::sim
