// Plain-words explanations for class: what one trace record means in Fast Leader Election / Zab
// terms, and why it happened ("Server 3 commits 0x100000004: it has ACKs from 2 of 3 voters, a
// majority"). Built from the record, the timeline (its message) and the ensemble state just
// before and just after it.
//
// Pure (no ImGui), single-threaded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gui/model/ensemble_state.h"
#include "gui/model/timeline.h"

namespace zablab::gui {

struct Explanation {
  std::string title;                   // one line: what happened
  std::vector<std::string> why;        // paragraphs: what it means and why
  std::string protocol;                // "FLE", "Zab discovery", "client", "network", ...
};

Explanation explain(const Timeline& timeline, std::uint64_t seq, const EnsembleState& before,
                    const EnsembleState& after);

// What a peer or client message type is for ("PROPOSAL: the leader asks followers to log a
// txn..."); "" for unknown types.
std::string message_meaning(std::string_view type);

// What a phase is for, one sentence.
std::string phase_meaning(Phase p);

}  // namespace zablab::gui
