#include "sim/crash_points.h"

namespace zablab::sim {

const std::vector<CrashPoint>& crash_points() {
  static const std::vector<CrashPoint> kPoints = {
      {"after-accepted-epoch",
       {"after writing acceptedEpoch"},
       "acceptedEpoch is on disk (a learner before its ACKEPOCH, a leader before its LEADERINFOs)"},
      {"before-log-sync",
       {"before syncing the log", "before fsync"},
       "a learner got NEWLEADER and is about to fsync the txns the sync brought"},
      {"after-log-sync",
       {"after syncing the log", "after fsync"},
       "the txns the sync brought are durable on the learner"},
      {"after-current-epoch",
       {"after writing currentEpoch"},
       "currentEpoch is on disk (a learner before its ACK of NEWLEADER, a leader before counting its own)"},
      {"after-ack-newleader",
       {"after acking NEWLEADER", "between ACK and fsync"},
       "a learner has sent its ACK of NEWLEADER (correct code: its log is durable by then)"},
  };
  return kPoints;
}

std::optional<std::string_view> crash_point_named(std::string_view name_or_phrase) {
  for (const auto& p : crash_points()) {
    if (p.name == name_or_phrase) return p.name;
    for (std::string_view phrase : p.phrases)
      if (phrase == name_or_phrase) return p.name;
  }
  return std::nullopt;
}

std::string crash_point_of(std::string_view detail) {
  constexpr std::string_view key = "\"point\":\"";
  const auto at = detail.find(key);
  if (at == std::string_view::npos) return {};
  const auto from = at + key.size();
  const auto to = detail.find('"', from);
  if (to == std::string_view::npos) return {};
  return std::string(detail.substr(from, to - from));
}

}  // namespace zablab::sim
