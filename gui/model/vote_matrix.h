// The election at a glance: one row per server with its state, round and current vote, one
// column per server with the vote the row has heard from it this round, how many voters back the
// row's candidate, and the candidates ranked by Fast Leader Election's order -- (peer epoch,
// zxid, server id), largest first -- with the reason the winner beats the runner-up in words.
//
// Pure (no ImGui), single-threaded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gui/model/ensemble_state.h"

namespace zablab::gui {

// ZooKeeper's totalOrderPredicate: is a candidate (epoch, zxid, id) `a` better than `b`?
bool better_candidate(const VoteInfo& a, const VoteInfo& b);
// Why `a` beats `b`, in words: "higher epoch (2 > 1)", "same epoch 1, higher zxid (0x100000005 >
// 0x100000003)", "same epoch 0 and zxid 0x0, larger id (3 > 2)". "" if it does not.
std::string why_better(const VoteInfo& a, const VoteInfo& b);
// "3 (e1, 0x100000002)"
std::string vote_text(const VoteInfo& v);

struct VoteCell {
  bool heard = false;
  VoteInfo vote;
  bool same_round = false;  // heard in the row's current round (or from a settled server)
  bool agrees = false;      // votes for the row's candidate
};

struct VoteRow {
  EndpointId id = kNoEndpoint;
  Role role = Role::unknown;
  bool up = false;
  bool electing = false;
  std::int64_t round = 0;
  VoteInfo vote;               // its proposal
  std::optional<std::int64_t> decided;
  std::vector<VoteCell> cells;  // one per column
  int support = 0;              // voters (itself included) known to back its candidate
  bool quorum = false;          // support is a majority of the voters
};

struct Candidate {
  VoteInfo vote;  // leader, peer_epoch, zxid (round/state not meaningful)
  std::vector<EndpointId> backers;  // servers whose current vote names it
};

struct VoteMatrix {
  std::vector<EndpointId> columns;
  std::vector<VoteRow> rows;
  std::vector<Candidate> ranking;  // best first
  int voters = 0;
  int quorum = 0;     // votes needed: voters / 2 + 1
  std::string why;    // why ranking[0] beats ranking[1] (or the only candidate)
  bool any_electing = false;
};

VoteMatrix build_vote_matrix(const EnsembleState& state);

}  // namespace zablab::gui
