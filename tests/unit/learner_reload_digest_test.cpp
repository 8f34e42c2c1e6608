// A learner that a TRUNC makes reload its database from disk counts the digest mismatches the
// reload finds, as ZooKeeper does wherever txns are loaded (ZKDatabase.truncateLog: clear, then
// loadDataBase, whose replay reports each mismatch in DIGEST_MISMATCHES_COUNT).
#include <catch2/catch.hpp>

#include "core/persist/txn_log.h"
#include "tests/unit/zab_conversation.h"

using namespace zablab;
using namespace zablab::test::zab;
namespace packet = zablab::quorum::packet;

TEST_CASE("Learner: the reload after a TRUNC counts the digest mismatches it finds, as the start did") {
  Conversation c(ensemble(1, 3, false), 3);
  c.epoch_files(1, 1);
  // The log on disk: (1,1) with a TxnDigest that is not the tree's, then (1,2), which the TRUNC
  // takes away.
  const std::int64_t z1 = make_zxid(1, 1), z2 = make_zxid(1, 2);
  data::Txn bad = create_txn(z1, "/a", "1");
  bad.digest = jute::TxnDigest{data::kDigestVersion, 12345};
  c.env.mem_disk.files[c.dir() + "/log." + "100000001"] =
      persist::log_file_header() + persist::log_entry(data::encode_txn(bad)) +
      persist::log_entry(data::encode_txn(create_txn(z2, "/b", "2")));
  c.start();
  CHECK(c.peer->stats().digest_mismatches == 1);  // replayed at start-up
  c.elect(3, 2);
  c.run({
      {"FOLLOWERINFO", {}, {{packet::followerinfo}}},
      {"LEADERINFO -> ACKEPOCH", {{packet::leaderinfo, make_zxid(2, 0), int32_data(quorum::kProtocolVersion)}},
       {{packet::ackepoch}}},
      {"TRUNC to (1,1): the log is cut and read again", {{packet::trunc, z1}}, {},
       [&](Conversation& conv) {
         CHECK(conv.peer->tree().last_processed_zxid() == z1);
         CHECK(conv.peer->tree().find("/b") == nullptr);
         CHECK(conv.peer->stats().digest_mismatches == 2);
         CHECK(conv.env.has_logged("reload: /data/version-2/log.100000001: "));
       }},
  });
}
