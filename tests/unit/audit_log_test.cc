// The log on the SQLite store: append, proofs read from the store, verification, group
// commit from many threads, migrations, protocol versions, bad input.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <thread>

#include "audit/entry.h"
#include "audit/log.h"
#include "audit/verify.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace concordat {
namespace {

namespace fs = std::filesystem;

struct Fixture {
  fs::path dir;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<audit::Signer> signer;
  audit::PublicKey pk{};

  Fixture() {
    static int n = 0;
    dir = fs::temp_directory_path() /
          ("concordat-log-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto s = store::OpenStore("sqlite:" + (dir / "log.db").string(), true);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    store = std::move(*s);
    EXPECT_TRUE(audit::Signer::CreateKeyFiles((dir / "k").string(), (dir / "k.pub").string()).ok());
    auto loaded = audit::Signer::Load((dir / "k").string());
    EXPECT_TRUE(loaded.ok());
    signer = std::make_unique<audit::Signer>(*loaded);
    pk = signer->public_key();
  }
  ~Fixture() {
    store.reset();
    fs::remove_all(dir);
  }
};

audit::LogEntry Entry(int i) {
  audit::LogEntry e;
  e.kind = "decision";
  e.at = Instant{1732406400 + i};
  e.actor = "u-" + std::to_string(i);
  e.organisation = "essex-police";
  e.protocol = "essex-police-mosaic";
  e.version = "1.0";
  e.request = "{\"subject\":\"s-" + std::to_string(i) + "\"}";
  e.decision = i % 3 ? "permit" : "deny";
  if (i % 3 == 0) e.reasons = {"LOCATION_NOT_ALLOWED"};
  return e;
}

TEST(AuditLog, EntryEncodingIsCanonicalAndRoundTrips) {
  audit::LogEntry e = Entry(4);
  e.index = 9;
  std::string enc = audit::EncodeEntry(e);
  EXPECT_EQ(enc.find("{\"index\":9,\"kind\":\"decision\",\"at\":\"2024-11-24T00:00:04Z\""), 0u)
      << enc;
  auto back = audit::DecodeEntry(enc);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, e);
  EXPECT_NE(enc.find("\"request\":\"{\\\"subject\\\":\\\"s-4\\\"}\""), std::string::npos) << enc;
  EXPECT_EQ(*audit::EntryIndex(enc), 9u);
  EXPECT_FALSE(audit::EntryIndex("{\"kind\":1}").ok());
  // Made in two parts (the submitter's tail, the writer's index): the same bytes.
  EXPECT_EQ(audit::EncodeEntryWithTail(9, audit::EncodeEntryTail(e)), enc);
  e.index = 18446744073709551615ull;
  EXPECT_EQ(audit::EncodeEntryWithTail(e.index, audit::EncodeEntryTail(e)), audit::EncodeEntry(e));
  EXPECT_EQ(audit::EncodeEntry(e).find("{\"index\":18446744073709551615,"), 0u);
  // Not canonical (spaces, other order): refused.
  EXPECT_FALSE(audit::DecodeEntry("{\"kind\":\"decision\",\"index\":9}").ok());
  std::string spaced = enc;
  spaced.insert(1, " ");
  EXPECT_FALSE(audit::DecodeEntry(spaced).ok());
}

TEST(AuditLog, AppendProveVerify) {
  Fixture f;
  audit::Log log(f.store.get(), f.signer.get());
  std::vector<audit::SignedTreeHead> heads;
  int next = 0;
  for (int batch : {1, 2, 7, 16, 1, 33}) {
    std::vector<audit::LogEntry> entries;
    for (int i = 0; i < batch; ++i) entries.push_back(Entry(next++));
    auto sth = log.Append(&entries, 1000 + next);
    ASSERT_TRUE(sth.ok()) << sth.status().ToString();
    EXPECT_EQ(sth->tree_size, static_cast<uint64_t>(next));
    EXPECT_EQ(entries.back().index, static_cast<uint64_t>(next - 1));
    EXPECT_TRUE(audit::VerifySth(*sth, f.pk));
    heads.push_back(*sth);
  }
  ASSERT_EQ(*f.store->Size(), 60u);
  // Every entry is provably in every signed tree head that covers it.
  for (const auto& sth : heads) {
    for (uint64_t i = 0; i < sth.tree_size; ++i) {
      auto proof = log.InclusionProofFor(i, sth.tree_size);
      ASSERT_TRUE(proof.ok());
      auto stored = f.store->Entry(i);
      ASSERT_TRUE(stored.ok());
      EXPECT_TRUE(audit::VerifyInclusion(audit::LeafHash(stored->encoded), i, sth.tree_size, *proof,
                                         sth.root));
    }
  }
  // Every signed tree head is consistent with every later one.
  for (size_t a = 0; a < heads.size(); ++a)
    for (size_t b = a; b < heads.size(); ++b) {
      auto proof = log.ConsistencyProofFor(heads[a].tree_size, heads[b].tree_size);
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(audit::VerifyConsistency(heads[a].tree_size, heads[b].tree_size, heads[a].root,
                                           heads[b].root, *proof));
    }
  auto report = audit::VerifyLog(*f.store, f.pk);
  EXPECT_TRUE(report.ok) << report.message;
  EXPECT_EQ(report.entries, 60u);
  EXPECT_EQ(report.signed_heads, heads.size());
  // Another key does not verify this log.
  Fixture other;
  auto wrong = audit::VerifyLog(*f.store, other.pk);
  EXPECT_FALSE(wrong.ok);
  EXPECT_NE(wrong.message.find("bad signature"), std::string::npos);
}

TEST(AuditLog, GroupCommitFromManyThreads) {
  Fixture f;
  audit::Log log(f.store.get(), f.signer.get());
  std::vector<uint64_t> indices;
  std::mutex mu;
  {
    audit::GroupCommitter group(&log, 256);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 250; ++i) {
          auto r = group.Submit(Entry(t * 1000 + i)).get();
          ASSERT_TRUE(r.ok());
          std::lock_guard<std::mutex> lock(mu);
          indices.push_back(*r);
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  std::sort(indices.begin(), indices.end());
  ASSERT_EQ(indices.size(), 2000u);
  for (size_t i = 0; i < indices.size(); ++i) ASSERT_EQ(indices[i], i);
  // What was stored is what was submitted (encoded partly on the submitting threads).
  for (uint64_t i : {0ull, 999ull, 1999ull}) {
    auto stored = f.store->Entry(i);
    ASSERT_TRUE(stored.ok());
    auto e = audit::DecodeEntry(stored->encoded);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_EQ(e->index, i);
    const int n = std::stoi(e->actor.substr(2));
    audit::LogEntry expected = Entry(n);
    expected.index = i;
    EXPECT_EQ(*e, expected);
  }
  auto sths = f.store->Sths();
  ASSERT_TRUE(sths.ok());
  EXPECT_LT(sths->size(), 2000u) << "entries were committed in groups";
  EXPECT_TRUE(audit::VerifyLog(*f.store, f.pk).ok);
}

TEST(Store, TheWriteAheadLogStaysBoundedUnderAWriterThatNeverPauses) {
  Fixture f;
  audit::Log log(f.store.get(), f.signer.get());
  const fs::path wal = f.dir / "log.db-wal";
  uintmax_t largest = 0;
  for (int b = 0; b < 500; ++b) {
    std::vector<audit::LogEntry> batch;
    for (int i = 0; i < 8; ++i) batch.push_back(Entry(b * 8 + i));
    ASSERT_TRUE(log.Append(&batch, 1732406400000 + b).ok());
    std::error_code ec;
    largest = std::max(largest, fs::file_size(wal, ec));
  }
  // Each batch adds a few 16 KiB frames: 500 batches unchecked would pass 20 MiB. Checkpoints
  // (the background pass, then the writer's copy of what was committed during it) keep it to
  // a few MiB.
  EXPECT_GT(largest, 0u);
  EXPECT_LT(largest, 18u * 1024 * 1024) << "the WAL was never checkpointed and restarted";
  auto* sqlite = dynamic_cast<store::SqliteStore*>(f.store.get());
  ASSERT_NE(sqlite, nullptr);
  EXPECT_GT(sqlite->checkpoints_run_in_background(), 0);
  // The background passes copy frames themselves (a pass on a connection that had not yet
  // read the database once copied nothing and reported success).
  EXPECT_GT(sqlite->frames_checkpointed_in_background(), 0);
  EXPECT_TRUE(audit::VerifyLog(*f.store, f.pk).ok);
}

TEST(AuditLog, BadEntryInputIsRefusedWithTheField) {
  const Instant now{1732406400};
  struct Bad {
    const char* json;
    const char* message;
  } cases[] = {
      {"{", "malformed JSON"},
      {"[]", "expected a JSON object"},
      {"{\"actor\":\"x\"}", "kind: required"},
      {"{\"kind\":\"Decision!\"}", "kind: 'Decision!' is not a kind"},
      {"{\"kind\":\"decision\",\"at\":\"today\"}", "at: 'today' is not an RFC 3339 instant"},
      {"{\"kind\":\"decision\",\"decision\":\"maybe\"}", "decision: 'maybe' is not allowed"},
      {"{\"kind\":\"decision\",\"reasons\":[1]}", "reasons[0]: expected a string"},
      {"{\"kind\":\"decision\",\"index\":4}", "index: the log assigns the index"},
      {"{\"kind\":\"decision\",\"payload_hash\":\"md5:x\"}", "payload_hash: expected sha256:"},
      {"{\"kind\":\"decision\",\"colour\":\"red\"}", "unknown field 'colour'"},
  };
  for (const auto& c : cases) {
    auto r = audit::ParseEntryInput(c.json, now);
    EXPECT_FALSE(r.ok()) << c.json;
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << c.json << " -> " << r.status().message();
  }
  auto good =
      audit::ParseEntryInput("{\"kind\":\"decision\",\"request\":{\"b\":1,\"a\":[2]}}", now);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->request, "{\"a\":[2],\"b\":1}");
  EXPECT_EQ(good->at, now);
}

TEST(Store, MigrationsProtocolVersionsAndReopen) {
  Fixture f;
  EXPECT_EQ(*f.store->SchemaVersion(), f.store->LatestSchemaVersion());
  ASSERT_TRUE(
      f.store->PutProtocolVersion("essex-police-mosaic", "1.0", "sha256:aa", "canonical").ok());
  EXPECT_TRUE(f.store->PutProtocolVersion("essex-police-mosaic", "1.0", "sha256:aa", "canonical")
                  .ok());  // same: fine
  Status changed = f.store->PutProtocolVersion("essex-police-mosaic", "1.0", "sha256:bb", "other");
  EXPECT_FALSE(changed.ok());
  EXPECT_NE(changed.message().find("a version never changes"), std::string::npos);
  std::string url = f.store->Url();
  f.store.reset();
  auto again = store::OpenStore(url, false);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(**(*again)->ProtocolVersionHash("essex-police-mosaic", "1.0"), "sha256:aa");
  EXPECT_FALSE((*(*again)->ProtocolVersionHash("essex-police-mosaic", "2.0")).has_value());
  auto missing = store::OpenStore("sqlite:/nonexistent/dir/x.db", false);
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("run concordat init"), std::string::npos);
  EXPECT_FALSE(store::OpenStore("mysql://x", false).ok());
}

}  // namespace
}  // namespace concordat

namespace concordat {
namespace {

// Runs SQL on the store's file through a second connection, as an old version or an intruder
// would.
void Sql(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "") << "\n" << sql;
  sqlite3_free(err);
  sqlite3_close(h);
}

TEST(Store, AVersionOneStoreMovesItsNodesIntoTilesAndStillProves) {
  Fixture f;
  audit::Log log(f.store.get(), f.signer.get());
  std::vector<audit::LogEntry> batch;
  for (int i = 0; i < 300; ++i) batch.push_back(Entry(i));
  auto sth = log.Append(&batch, 1000);
  ASSERT_TRUE(sth.ok());
  // Every node the tree has, as schema version 1 kept them: one row each.
  std::string rows;
  for (int level = 0; (uint64_t{1} << level) <= 300; ++level)
    for (uint64_t i = 0; ((i + 1) << level) <= 300; ++i) {
      auto h = f.store->Node(level, i);
      ASSERT_TRUE(h.ok());
      rows += "INSERT INTO log_nodes VALUES (" + std::to_string(((i + 1) << level) - 1) + ", " +
              std::to_string(level) + ", X'" + audit::ToHex(*h) + "');\n";
    }
  std::vector<audit::Hash> before = *log.InclusionProofFor(137, 300);
  const fs::path db = f.dir / "log.db";
  f.store.reset();
  Sql(db,
      "BEGIN; CREATE TABLE log_nodes (last_leaf INTEGER NOT NULL, level INTEGER NOT NULL, hash "
      "BLOB NOT NULL, PRIMARY KEY (last_leaf, level)) WITHOUT ROWID;\n" +
          rows +
          "DROP TABLE log_tiles; DROP TABLE log_open_tiles; DROP TABLE users; DROP TABLE "
          "disclosures; DROP TABLE requests; "
          "DELETE FROM "
          "schema_migrations WHERE version >= 2; COMMIT;");
  auto reopened = store::OpenStore("sqlite:" + db.string(), false);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  f.store = std::move(*reopened);
  EXPECT_EQ(*f.store->SchemaVersion(), f.store->LatestSchemaVersion());
  audit::Log again(f.store.get(), f.signer.get());
  EXPECT_EQ(*again.InclusionProofFor(137, 300), before);
  EXPECT_TRUE(audit::VerifyLog(*f.store, f.pk).ok);
  std::vector<audit::LogEntry> more{Entry(300), Entry(301)};
  ASSERT_TRUE(again.Append(&more, 2000).ok());
  auto report = audit::VerifyLog(*f.store, f.pk);
  EXPECT_TRUE(report.ok) << report.message;
  EXPECT_EQ(report.entries, 302u);
}

// Verification of a 100-entry log after `tamper` (SQL) changed its stored tiles.
audit::VerifyReport VerifyAfterTampering(const std::string& tamper) {
  Fixture f;
  audit::Log log(f.store.get(), f.signer.get());
  std::vector<audit::LogEntry> batch;
  for (int i = 0; i < 100; ++i) batch.push_back(Entry(i));
  EXPECT_TRUE(log.Append(&batch, 1000).ok());
  const fs::path db = f.dir / "log.db";
  f.store.reset();
  Sql(db, tamper);
  f.store = std::move(store::OpenStore("sqlite:" + db.string(), false).value());
  return audit::VerifyLog(*f.store, f.pk);
}

TEST(Store, AMalformedOrShortenedTileIsNamed) {
  // Level 1, tile 0 holds 50 hashes (partial: a row of log_open_tiles); cut the last 3 bytes.
  auto report = VerifyAfterTampering(
      "UPDATE log_open_tiles SET hashes = substr(hashes, 1, 1597) WHERE level = 1");
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.message.find("subtree hashes at level 1, tile 0 are malformed"),
            std::string::npos)
      << report.message;
}

TEST(Store, AShortenedFullTileIsNamed) {
  // Level 0, tile 0 is full (a row of log_tiles); cut its last 3 bytes.
  auto report = VerifyAfterTampering(
      "UPDATE log_tiles SET hashes = substr(hashes, 1, 2045) WHERE level = 0 AND tile = 0");
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.message.find("subtree hashes at level 0, tile 0 are malformed"),
            std::string::npos)
      << report.message;
}

TEST(Store, EachLevelsPartialTileIsARowOfItsOwnAndFullTilesNeverChange) {
  Fixture f;
  audit::Log log(f.store.get(), f.signer.get());
  std::vector<audit::LogEntry> batch;
  for (int i = 0; i < 100; ++i) batch.push_back(Entry(i));
  ASSERT_TRUE(log.Append(&batch, 1000).ok());
  const fs::path db = f.dir / "log.db";
  auto rows = [&](const std::string& sql) {
    sqlite3* h = nullptr;
    EXPECT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
    std::string out;
    sqlite3_exec(
        h, sql.c_str(),
        [](void* o, int n, char** v, char**) {
          for (int i = 0; i < n; ++i)
            *static_cast<std::string*>(o) +=
                (v[i] ? v[i] : "") + std::string(i + 1 < n ? "|" : ";");
          return 0;
        },
        &out, nullptr);
    sqlite3_close(h);
    return out;
  };
  // 100 leaves: level 0 has tile 0 full and tile 1 partial (36); level 1 (50) and every level
  // above (25, 12, 6, 3, 1) only a partial tile.
  EXPECT_EQ(rows("SELECT level, tile, length(hashes) / 32 FROM log_tiles ORDER BY level, tile"),
            "0|0|64;");
  EXPECT_EQ(rows("SELECT level, tile, length(hashes) / 32 FROM log_open_tiles ORDER BY level"),
            "0|1|36;1|0|50;2|0|25;3|0|12;4|0|6;5|0|3;6|0|1;");
  const std::string full_before =
      rows("SELECT hex(hashes) FROM log_tiles WHERE level = 0 AND tile = 0");
  // 60 more: level 0's tile 1 fills (and leaves the table of partial ones for log_tiles), and
  // tile 2 starts; level 1's tile 0 fills at 128 leaves.
  std::vector<audit::LogEntry> more;
  for (int i = 100; i < 160; ++i) more.push_back(Entry(i));
  ASSERT_TRUE(log.Append(&more, 2000).ok());
  EXPECT_EQ(rows("SELECT level, tile, length(hashes) / 32 FROM log_tiles ORDER BY level, tile"),
            "0|0|64;0|1|64;1|0|64;");
  EXPECT_EQ(rows("SELECT level, tile, length(hashes) / 32 FROM log_open_tiles ORDER BY level"),
            "0|2|32;1|1|16;2|0|40;3|0|20;4|0|10;5|0|5;6|0|2;7|0|1;");
  EXPECT_EQ(rows("SELECT hex(hashes) FROM log_tiles WHERE level = 0 AND tile = 0"), full_before);
  // Level 0's tiles hold the largest row ids, in order: a new one is appended at the table's
  // right edge rather than inserted in the middle (migration 7).
  EXPECT_EQ(rows("SELECT level, tile FROM log_tiles ORDER BY id"), "1|0;0|0;0|1;");
  // Every node still reads, and the log verifies.
  for (uint64_t i = 0; i < 160; ++i) {
    auto h = f.store->Node(0, i);
    ASSERT_TRUE(h.ok()) << i << ": " << h.status().ToString();
    const audit::LogEntry& e = i < 100 ? batch[i] : more[i - 100];
    EXPECT_EQ(*h, audit::LeafHash(audit::EncodeEntry(e)));
  }
  EXPECT_TRUE(audit::VerifyLog(*f.store, f.pk).ok);
}

TEST(Store, HashesDroppedFromATileAreNamed) {
  // Level 0's second tile (leaves 64 to 99, partial) cut to its first 10 hashes.
  auto report = VerifyAfterTampering(
      "UPDATE log_open_tiles SET hashes = substr(hashes, 1, 320) WHERE level = 0");
  EXPECT_FALSE(report.ok);
  ASSERT_TRUE(report.first_bad.has_value()) << report.message;
  EXPECT_EQ(*report.first_bad, 64u + 10u) << report.message;
}

}  // namespace
}  // namespace concordat

namespace concordat {
namespace {

TEST(AuditLog, RowsWrittenWithAnEntryCommitWithItOrNotAtAll) {
  Fixture f;
  audit::Log log(f.store.get(), f.signer.get());
  store::Store* st = f.store.get();
  std::vector<audit::LogEntry> batch{Entry(0), Entry(1)};
  std::vector<audit::Log::WithEntry> hooks(2);
  uint64_t seen = 99;
  hooks[1] = [&](uint64_t index) {
    seen = index;
    return st->PutProtocolVersion("p", "1", "sha256:aa", "text");
  };
  ASSERT_TRUE(log.Append(&batch, 1000, &hooks).ok());
  EXPECT_EQ(seen, 1u) << "the function sees its entry's index";
  EXPECT_EQ(**st->ProtocolVersionHash("p", "1"), "sha256:aa");
  // A failing function rolls back its batch: neither entries nor rows stay.
  std::vector<audit::LogEntry> bad{Entry(2), Entry(3)};
  std::vector<audit::Log::WithEntry> failing(2);
  failing[0] = [&](uint64_t) { return st->PutProtocolVersion("q", "1", "sha256:bb", "t"); };
  failing[1] = [&](uint64_t) { return Status::IoError("disk full"); };
  auto r = log.Append(&bad, 2000, &failing);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(*st->Size(), 2u);
  EXPECT_FALSE(st->ProtocolVersionHash("q", "1")->has_value());
  // Through the group committer, entries submitted together share one batch.
  audit::GroupCommitter group(&log, 64);
  std::vector<audit::LogEntry> pair{Entry(4), Entry(5)};
  auto receipts = group.SubmitTogether(std::move(pair));
  ASSERT_EQ(receipts.size(), 2u);
  EXPECT_EQ(*receipts[1].get(), *receipts[0].get() + 1);
  EXPECT_TRUE(audit::VerifyLog(*st, f.pk).ok);
}

TEST(AuditLog, AnEntryWhosePreconditionNoLongerHoldsIsLeftOutAndTheRestGoOn) {
  Fixture f;
  audit::Log log(f.store.get(), f.signer.get());
  store::Store* st = f.store.get();
  std::vector<audit::LogEntry> batch{Entry(0), Entry(1), Entry(2)};
  std::vector<audit::Log::Precondition> conditions(3);
  int checked = 0;
  conditions[0] = [&] {
    ++checked;
    return Status::Ok();
  };
  conditions[1] = [&] {
    ++checked;
    return Status::AlreadyExists("request r1 is not open");
  };
  std::vector<audit::Log::WithEntry> hooks(3);
  bool refused_hook_ran = false;
  hooks[1] = [&](uint64_t) {
    refused_hook_ran = true;
    return Status::Ok();
  };
  hooks[2] = [&](uint64_t) { return st->PutProtocolVersion("p", "1", "sha256:aa", "text"); };
  std::vector<Status> refused;
  auto sth = log.Append(&batch, 1000, &hooks, nullptr, &conditions, &refused);
  ASSERT_TRUE(sth.ok()) << sth.status().ToString();
  EXPECT_EQ(checked, 2);
  EXPECT_EQ(sth->tree_size, 2u);
  EXPECT_EQ(batch[0].index, 0u);
  EXPECT_EQ(batch[1].index, audit::Log::kNotAppended);
  EXPECT_EQ(batch[2].index, 1u) << "indices stay dense";
  ASSERT_EQ(refused.size(), 3u);
  EXPECT_TRUE(refused[0].ok() && refused[2].ok());
  EXPECT_EQ(refused[1].code(), Status::Code::kAlreadyExists);
  EXPECT_FALSE(refused_hook_ran) << "a left-out entry's row must not be written";
  EXPECT_EQ(**st->ProtocolVersionHash("p", "1"), "sha256:aa");
  EXPECT_EQ(audit::DecodeEntry(st->Entry(1)->encoded)->actor, "u-2");
  // Any other error from a precondition rolls the whole batch back.
  std::vector<audit::LogEntry> bad{Entry(3), Entry(4)};
  std::vector<audit::Log::Precondition> failing(2);
  failing[1] = [] { return Status::IoError("the store did not answer"); };
  EXPECT_FALSE(log.Append(&bad, 2000, nullptr, nullptr, &failing).ok());
  EXPECT_EQ(*st->Size(), 2u);
  // Through the group committer, the refusal reaches that entry's receipt only.
  audit::GroupCommitter group(&log, 64);
  auto kept = group.Submit(Entry(5), {}, [] { return Status::Ok(); });
  auto left_out =
      group.Submit(Entry(6), {}, [] { return Status::AlreadyExists("request r1 is not open"); });
  auto plain = group.Submit(Entry(7));
  EXPECT_TRUE(kept.get().ok());
  EXPECT_EQ(left_out.get().status().code(), Status::Code::kAlreadyExists);
  EXPECT_TRUE(plain.get().ok());
  EXPECT_EQ(*st->Size(), 4u);
  EXPECT_TRUE(audit::VerifyLog(*st, f.pk).ok);
}

}  // namespace
}  // namespace concordat
