// The log on the SQLite store: append, proofs read from the store, verification, group
// commit from many threads, migrations, protocol versions, bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "audit/entry.h"
#include "audit/log.h"
#include "audit/verify.h"
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
  auto sths = f.store->Sths();
  ASSERT_TRUE(sths.ok());
  EXPECT_LT(sths->size(), 2000u) << "entries were committed in groups";
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
  EXPECT_EQ(*f.store->SchemaVersion(), store::Store::kSchemaVersion);
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
