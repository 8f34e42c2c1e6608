#include "gui/model/vote_matrix.h"

#include <algorithm>

#include "core/util/hex.h"

namespace zablab::gui {

bool better_candidate(const VoteInfo& a, const VoteInfo& b) {
  if (a.peer_epoch != b.peer_epoch) return a.peer_epoch > b.peer_epoch;
  if (a.zxid != b.zxid) return a.zxid > b.zxid;
  return a.leader > b.leader;
}

std::string why_better(const VoteInfo& a, const VoteInfo& b) {
  if (!better_candidate(a, b)) return {};
  if (a.peer_epoch != b.peer_epoch)
    return "higher epoch (" + std::to_string(a.peer_epoch) + " > " + std::to_string(b.peer_epoch) + ")";
  if (a.zxid != b.zxid)
    return "same epoch " + std::to_string(a.peer_epoch) + ", higher zxid (" + util::hex(a.zxid) + " > " +
           util::hex(b.zxid) + ")";
  return "same epoch " + std::to_string(a.peer_epoch) + " and zxid " + util::hex(a.zxid) + ", larger id (" +
         std::to_string(a.leader) + " > " + std::to_string(b.leader) + ")";
}

std::string vote_text(const VoteInfo& v) {
  if (!v.valid) return "-";
  if (v.leader < 0) return "none (observer)";  // observers vote for Long.MIN_VALUE
  return std::to_string(v.leader) + " (e" + std::to_string(v.peer_epoch) + ", " + util::hex(v.zxid) + ")";
}

namespace {
bool same_candidate(const VoteInfo& a, const VoteInfo& b) {
  return a.leader == b.leader && a.zxid == b.zxid && a.peer_epoch == b.peer_epoch;
}
}  // namespace

VoteMatrix build_vote_matrix(const EnsembleState& state) {
  VoteMatrix m;
  for (const auto& [id, s] : state.servers) m.columns.push_back(id);
  m.voters = state.voter_count();
  m.quorum = m.voters / 2 + 1;
  for (const auto& [id, s] : state.servers) {
    VoteRow row;
    row.id = id;
    row.role = s.role;
    row.up = s.up;
    row.electing = s.electing;
    row.round = s.round;
    row.vote = s.vote;
    row.decided = s.decided;
    m.any_electing = m.any_electing || (s.up && s.electing);
    std::set<EndpointId> backers;
    if (s.vote.valid && s.vote.leader >= 0 && s.role != Role::observing) backers.insert(id);
    for (EndpointId col : m.columns) {
      VoteCell cell;
      auto it = s.heard.find(col);
      if (it != s.heard.end() && col != id) {
        cell.heard = true;
        cell.vote = it->second;
        cell.same_round = it->second.round == s.round || it->second.state != "LOOKING";
        cell.agrees = s.vote.valid && cell.same_round && it->second.leader == s.vote.leader;
        const ServerView* sender = state.server(col);
        if (cell.agrees && (!sender || sender->role != Role::observing)) backers.insert(col);
      }
      row.cells.push_back(cell);
    }
    row.support = static_cast<int>(backers.size());
    row.quorum = row.support >= m.quorum;
    m.rows.push_back(std::move(row));
  }
  // Candidates: every distinct current vote of a live server.
  for (const auto& [id, s] : state.servers) {
    if (!s.up || !s.vote.valid || s.vote.leader < 0 || s.role == Role::observing) continue;
    auto it = std::find_if(m.ranking.begin(), m.ranking.end(),
                           // (a named capture: clang 14, emscripten's, cannot capture a structured binding)
                           [&vote = s.vote](const Candidate& c) { return same_candidate(c.vote, vote); });
    if (it == m.ranking.end()) {
      Candidate c;
      c.vote = s.vote;
      c.vote.state.clear();
      m.ranking.push_back(c);
      it = std::prev(m.ranking.end());
    }
    it->backers.push_back(id);
  }
  std::sort(m.ranking.begin(), m.ranking.end(),
            [](const Candidate& a, const Candidate& b) { return better_candidate(a.vote, b.vote); });
  if (m.ranking.size() >= 2) {
    m.why = "Server " + std::to_string(m.ranking[0].vote.leader) + " beats " +
            std::to_string(m.ranking[1].vote.leader) + ": " + why_better(m.ranking[0].vote, m.ranking[1].vote) + ".";
  } else if (m.ranking.size() == 1) {
    m.why = "Every live voter votes for " + std::to_string(m.ranking[0].vote.leader) + " (" +
            std::to_string(m.ranking[0].backers.size()) + " of " + std::to_string(m.voters) + "; a quorum is " +
            std::to_string(m.quorum) + ").";
  }
  return m;
}

}  // namespace zablab::gui
