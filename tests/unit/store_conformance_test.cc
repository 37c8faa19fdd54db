// One conformance suite, run against every store: SQLite (embedded) and PostgreSQL (a real
// server started by the test). Appending, proofs, verification, group commit, several writers,
// protocol versions, reopening, and tampering behind the store's back.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <tuple>

#include "../support/postgres_server.h"
#include "audit/log.h"
#include "audit/verify.h"
#include "store/list_sql.h"
#include "store/store.h"

namespace concordat {
namespace {

namespace fs = std::filesystem;

store::ListQuery Of(const std::string& org, size_t limit) {
  store::ListQuery q;
  q.org = org;
  q.limit = limit;
  return q;
}

class StoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    static int n = 0;
    dir_ = fs::temp_directory_path() /
           ("concordat-conf-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::create_directories(dir_);
    if (GetParam() == "sqlite") {
      url_ = "sqlite:" + (dir_ / "store.db").string();
    } else {
      url_ = testing::PostgresServer::Shared().NewDatabaseUrl();
      db_ = url_.substr(url_.find(":///") + 4, url_.find('?') - url_.find(":///") - 4);
    }
    auto s = store::OpenStore(url_, true);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    ASSERT_TRUE(
        audit::Signer::CreateKeyFiles((dir_ / "k").string(), (dir_ / "k.pub").string()).ok());
    signer_ = std::make_unique<audit::Signer>(*audit::Signer::Load((dir_ / "k").string()));
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  static audit::LogEntry Entry(int i) {
    audit::LogEntry e;
    e.kind = "decision";
    e.at = Instant{1732406400 + i};
    e.actor = "u-" + std::to_string(i);
    e.organisation = "essex-police";
    e.decision = i % 2 ? "permit" : "deny";
    return e;
  }

  // An open request from Essex Police to Essex County Council; its content is bytes with NULs.
  static store::ShareRequest OpenRequest(const std::string& id) {
    store::ShareRequest r;
    r.id = id;
    r.at_ms = 10;
    r.from_org = "essex-police";
    r.from_user = "u-1";
    r.to_org = "essex-cc";
    r.protocol = "demo-safeguarding-requests";
    r.version = "1.0";
    r.purpose = "child-protection";
    r.audit_reference = "AR-1";
    r.data = {"cf-case-status"};
    r.allowed_fields = {"name", "case_status"};
    r.subject_tag = "tag";
    r.nonce = std::string("\0n", 2);
    r.ciphertext = std::string("c\0t", 3);
    r.wrapped_key = std::string(72, '\1');
    r.decision_index = 7;
    return r;
  }

  static store::Disclosure MakeDisclosure(std::string id, int64_t at, std::string from,
                                          std::string to) {
    store::Disclosure d;
    d.id = std::move(id);
    d.at_ms = at;
    d.from_org = std::move(from);
    d.to_org = std::move(to);
    d.to_user = "u-1";
    d.protocol = "essex-police-mosaic";
    d.version = "1.0";
    d.subject_tag = "tag";
    d.fields = {"name", "case_status"};
    d.retain_until = "2032-01-01";
    d.nonce = std::string("\0\1\2", 3);
    d.ciphertext = std::string("secret\0bytes", 12);
    d.wrapped_key = std::string(72, '\0');
    d.audit_index = static_cast<uint64_t>(at);
    return d;
  }

  // Every page of a listing, following each page's last item as the cursor of the next.
  template <typename Item, typename List>
  static std::vector<std::string> AllPages(store::ListQuery q, List list) {
    std::vector<std::string> ids;
    for (int pages = 0; pages < 100; ++pages) {
      Result<std::vector<Item>> page = list(q);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok() || page->empty()) break;
      for (const Item& item : *page) ids.push_back(item.id);
      if (page->size() < q.limit) break;
      q.after_cursor = true;
      q.before_ms = page->back().at_ms;
      q.before_id = page->back().id;
    }
    return ids;
  }

  // Runs SQL behind the store's back with the database's own client (sqlite3 or psql).
  int Sql(const std::string& sql) {
    std::string cmd = GetParam() == "sqlite"
                          ? "sqlite3 '" + (dir_ / "store.db").string() + "' \"" + sql + "\""
                          : testing::PostgresServer::Shared().Psql(db_, sql);
    return std::system((cmd + " >/dev/null 2>&1").c_str());
  }

  fs::path dir_;
  std::string url_, db_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<audit::Signer> signer_;
};

TEST_P(StoreConformance, AppendProveVerify) {
  audit::Log log(store_.get(), signer_.get());
  std::vector<audit::SignedTreeHead> heads;
  int next = 0;
  for (int batch : {1, 3, 8, 13, 40}) {
    std::vector<audit::LogEntry> entries;
    for (int i = 0; i < batch; ++i) entries.push_back(Entry(next++));
    auto sth = log.Append(&entries, 5000 + next);
    ASSERT_TRUE(sth.ok()) << sth.status().ToString();
    heads.push_back(*sth);
  }
  EXPECT_EQ(*store_->Size(), 65u);
  EXPECT_EQ((*store_->Sths()).size(), heads.size());
  EXPECT_EQ((*store_->LatestSth())->tree_size, 65u);
  for (const auto& sth : heads)
    for (uint64_t i = 0; i < sth.tree_size; i += 3) {
      auto proof = audit::InclusionProof(*store_, i, sth.tree_size);
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(
          audit::VerifyInclusion(store_->Entry(i)->leaf, i, sth.tree_size, *proof, sth.root));
    }
  auto c = audit::ConsistencyProof(*store_, heads[1].tree_size, heads[4].tree_size);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(audit::VerifyConsistency(heads[1].tree_size, heads[4].tree_size, heads[1].root,
                                       heads[4].root, *c));
  auto report = audit::VerifyLog(*store_, signer_->public_key());
  EXPECT_TRUE(report.ok) << report.message;
  EXPECT_EQ(report.entries, 65u);
}

TEST_P(StoreConformance, GroupCommitAndSeveralWriters) {
  // Two store connections (as two processes would have) append concurrently through group
  // committers; the store orders the log.
  auto second = store::OpenStore(url_, false);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  audit::Log a(store_.get(), signer_.get()), b(second->get(), signer_.get());
  std::vector<uint64_t> got;
  std::mutex mu;
  {
    audit::GroupCommitter ga(&a, 64), gb(&b, 64);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 150; ++i) {
          auto r = (t % 2 ? gb : ga).Submit(Entry(t * 1000 + i)).get();
          ASSERT_TRUE(r.ok()) << r.status().ToString();
          std::lock_guard<std::mutex> lock(mu);
          got.push_back(*r);
        }
      });
    for (auto& t : threads) t.join();
  }
  std::sort(got.begin(), got.end());
  ASSERT_EQ(got.size(), 600u);
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_EQ(got[i], i) << "indices must be unique and dense";
  auto report = audit::VerifyLog(*store_, signer_->public_key());
  EXPECT_TRUE(report.ok) << report.message;
}

TEST_P(StoreConformance, ProtocolVersionsAndReopen) {
  ASSERT_TRUE(store_->PutProtocolVersion("p", "1.0", "sha256:aa", "text").ok());
  EXPECT_FALSE(store_->PutProtocolVersion("p", "1.0", "sha256:bb", "other").ok());
  EXPECT_EQ(*store_->SchemaVersion(), store_->LatestSchemaVersion());
  store_.reset();
  auto again = store::OpenStore(url_, false);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(**(*again)->ProtocolVersionHash("p", "1.0"), "sha256:aa");
  EXPECT_EQ(*(*again)->SchemaVersion(), (*again)->LatestSchemaVersion());
}

// Nodes starting (or reloading) together each store the registry's versions: storing the same
// text at once succeeds for all; different texts under one version, for exactly one.
TEST_P(StoreConformance, NodesStoringOneProtocolVersionAtOnceAgreeOnOneText) {
  constexpr int kNodes = 6;
  std::vector<std::unique_ptr<store::Store>> nodes;
  for (int i = 0; i < kNodes; ++i) {
    auto node = store::OpenStore(url_, false);
    ASSERT_TRUE(node.ok()) << node.status().message();
    nodes.push_back(std::move(*node));
  }
  for (int round = 0; round < 20; ++round) {
    const std::string version = "1." + std::to_string(round);
    std::vector<Status> same(kNodes), differing(kNodes);
    std::vector<std::thread> threads;
    for (int i = 0; i < kNodes; ++i)
      threads.emplace_back([&, i] {
        same[i] = nodes[i]->PutProtocolVersion("same", version, "sha256:aa", "text");
        differing[i] =
            nodes[i]->PutProtocolVersion("differ", version, "sha256:" + std::to_string(i), "text");
      });
    for (auto& t : threads) t.join();
    int won = 0;
    for (int i = 0; i < kNodes; ++i) {
      EXPECT_TRUE(same[i].ok()) << version << ": " << same[i].message();
      won += differing[i].ok();
      if (!differing[i].ok()) {
        EXPECT_NE(differing[i].message().find("already stored with hash"), std::string::npos)
            << differing[i].message();
      }
    }
    EXPECT_EQ(won, 1) << version;
  }
}

TEST_P(StoreConformance, TamperingBehindTheStoresBackIsNamed) {
  audit::Log log(store_.get(), signer_.get());
  for (int b = 0; b < 4; ++b) {
    std::vector<audit::LogEntry> entries;
    for (int i = 0; i < 10; ++i) entries.push_back(Entry(b * 10 + i));
    ASSERT_TRUE(log.Append(&entries, 1).ok());
  }
  ASSERT_TRUE(audit::VerifyLog(*store_, signer_->public_key()).ok);
  // Delete entry 12 with the database's own client.
  ASSERT_EQ(Sql("DELETE FROM log_entries WHERE idx = 12"), 0);
  auto report = audit::VerifyLog(*store_, signer_->public_key());
  EXPECT_FALSE(report.ok);
  ASSERT_TRUE(report.first_bad.has_value());
  EXPECT_EQ(*report.first_bad, 12u) << report.message;
}

TEST_P(StoreConformance, NewerSchemaIsRefusedAndNothingChanges) {
  ASSERT_EQ(
      Sql("INSERT INTO schema_migrations (version) VALUES (99)") == 0 ||
          Sql("INSERT INTO schema_migrations (version, applied_at) VALUES (99, 'later')") == 0,
      true);
  store_.reset();
  auto again = store::OpenStore(url_, false);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("newer than this Concordat"), std::string::npos)
      << again.status().ToString();
}

// Opened only to read (concordatd --check): what is stored reads as it is, a write is refused,
// an older or newer schema is left as it is, and an SQLite store that no one has open gains not
// even a -wal or -shm file. Beside a writer that has it open, it still reads.
TEST_P(StoreConformance, AStoreOpenedToReadIsReadAndNeverWritten) {
  ASSERT_TRUE(store_->PutProtocolVersion("p", "1.0", "sha256:aa", "text").ok());
  {
    auto beside = store::OpenStoreReadOnly(url_);  // the writer still has it open
    ASSERT_TRUE(beside.ok()) << beside.status().ToString();
    EXPECT_EQ(**(*beside)->ProtocolVersionHash("p", "1.0"), "sha256:aa");
  }
  // As if made by the previous Concordat (only the version row: a start would fail to migrate it).
  ASSERT_EQ(Sql("DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM "
                "schema_migrations)"),
            0);
  store_.reset();
  const fs::path file = dir_ / "store.db";
  std::string before;
  if (GetParam() == "sqlite") {
    ASSERT_FALSE(fs::exists(file.string() + "-wal")) << "a closed store keeps no WAL";
    std::ifstream in(file, std::ios::binary);
    before.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  {
    auto ro = store::OpenStoreReadOnly(url_);
    ASSERT_TRUE(ro.ok()) << ro.status().ToString();
    EXPECT_EQ(*(*ro)->SchemaVersion(), (*ro)->LatestSchemaVersion() - 1) << "migrated";
    EXPECT_EQ(**(*ro)->ProtocolVersionHash("p", "1.0"), "sha256:aa");
    EXPECT_FALSE((*ro)->PutProtocolVersion("p", "2.0", "sha256:cc", "new").ok());
    EXPECT_FALSE(*(*ro)->ProtocolVersionHash("p", "2.0"));
  }
  if (GetParam() == "sqlite") {
    std::ifstream in(file, std::ios::binary);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()),
              before);
    EXPECT_FALSE(fs::exists(file.string() + "-wal"));
    EXPECT_FALSE(fs::exists(file.string() + "-shm"));
    auto none = store::OpenStoreReadOnly("sqlite:" + (dir_ / "none.db").string());
    EXPECT_EQ(none.status().code(), Status::Code::kNotFound);
    EXPECT_FALSE(fs::exists(dir_ / "none.db")) << "opened to read, and made";
  }
}

TEST_P(StoreConformance, UsersAreFoundByTokenHashOnlyAndNeverDuplicated) {
  store::User u;
  u.id = "u-4411";
  u.organisation = "essex-police";
  u.name = "A. Officer";
  u.roles = {"intelligence-support-officer", "analyst"};
  u.token_hash = "sha256:aa11";
  ASSERT_TRUE(store_->AddUser(u).ok());
  auto found = store_->UserByTokenHash("sha256:aa11");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "u-4411");
  EXPECT_EQ((*found)->organisation, "essex-police");
  EXPECT_EQ((*found)->name, "A. Officer");
  EXPECT_EQ((*found)->roles, u.roles);
  EXPECT_FALSE(store_->UserByTokenHash("sha256:bb22")->has_value());
  store::User same_id = u;
  same_id.token_hash = "sha256:cc33";
  Status dup = store_->AddUser(same_id);
  EXPECT_EQ(dup.code(), Status::Code::kAlreadyExists) << dup.ToString();
  store::User same_token = u;
  same_token.id = "u-9";
  same_token.organisation = "essex-cc";
  EXPECT_EQ(store_->AddUser(same_token).code(), Status::Code::kAlreadyExists);
  EXPECT_FALSE(store_->UserByTokenHash("sha256:cc33")->has_value());
  EXPECT_EQ((*store_->UserByTokenHash("sha256:aa11"))->id, "u-4411");
}

// A lost or leaked token is replaced: the user stays who they were, only the token changes.
TEST_P(StoreConformance, AUsersTokenIsReplacedAndTheOldOneFindsNoOne) {
  store::User u;
  u.id = "u-4411";
  u.organisation = "essex-police";
  u.roles = {"analyst"};
  u.certificate = "sha256:" + std::string(64, 'b');
  u.token_hash = "sha256:old";
  u.expires_at = "2026-01-31T12:00:00Z";
  ASSERT_TRUE(store_->AddUser(u).ok());
  EXPECT_EQ((*store_->UserByTokenHash("sha256:old"))->expires_at, "2026-01-31T12:00:00Z");
  ASSERT_TRUE(store_->ReplaceToken("u-4411", "sha256:new", "2027-02-01T08:30:00Z").ok());
  EXPECT_FALSE(store_->UserByTokenHash("sha256:old")->has_value()) << "the old token still works";
  auto now = store_->UserByTokenHash("sha256:new");
  ASSERT_TRUE(now.ok() && now->has_value());
  EXPECT_EQ((*now)->id, "u-4411");
  EXPECT_EQ((*now)->roles, u.roles);
  EXPECT_EQ((*now)->expires_at, "2027-02-01T08:30:00Z") << "the new token's access has its end";
  EXPECT_EQ((*store_->UserByCertificate(u.certificate))->id, "u-4411") << "certificate kept";
  EXPECT_EQ(store_->ReplaceToken("u-404", "sha256:x", "").code(), Status::Code::kNotFound);
  // Another user's token hash is not taken over.
  store::User other = u;
  other.id = "u-2";
  other.certificate.clear();
  other.expires_at.clear();
  other.token_hash = "sha256:other";
  ASSERT_TRUE(store_->AddUser(other).ok());
  EXPECT_FALSE(store_->ReplaceToken("u-4411", "sha256:other", "").ok());
  EXPECT_EQ((*store_->UserByTokenHash("sha256:other"))->id, "u-2");
  EXPECT_EQ((*store_->UserByTokenHash("sha256:new"))->id, "u-4411");
  // A revoked user gets no new token, and nothing changes.
  ASSERT_TRUE(store_->RevokeUser("u-4411").ok());
  Status revoked = store_->ReplaceToken("u-4411", "sha256:newer", "");
  EXPECT_EQ(revoked.code(), Status::Code::kInvalidArgument) << revoked.ToString();
  EXPECT_NE(revoked.message().find("revoked"), std::string::npos) << revoked.message();
  EXPECT_FALSE(store_->UserByTokenHash("sha256:newer")->has_value());
  EXPECT_EQ((*store_->UserByTokenHash("sha256:new"))->id, "u-4411");
  EXPECT_EQ((*store_->UserByTokenHash("sha256:new"))->expires_at, "2027-02-01T08:30:00Z");
  // A user added without an end keeps none.
  EXPECT_EQ((*store_->UserByTokenHash("sha256:other"))->expires_at, "");
}

TEST_P(StoreConformance, AUserMayHaveAClientCertificateThatNoOtherUserHas) {
  const std::string fp = "sha256:" + std::string(64, 'a');
  store::User system;
  system.id = "sys-ecc";
  system.organisation = "essex-cc";
  system.roles = {"safeguarding-manager"};
  system.token_hash = "sha256:51";
  system.certificate = fp;
  store::User plain = system;
  plain.id = "u-1";
  plain.token_hash = "sha256:52";
  plain.certificate = "";
  store::User other = plain;
  other.id = "u-2";
  other.token_hash = "sha256:53";
  ASSERT_TRUE(store_->AddUser(system).ok());
  ASSERT_TRUE(store_->AddUser(plain).ok());
  ASSERT_TRUE(store_->AddUser(other).ok()) << "many users without a certificate";
  auto found = store_->UserByCertificate(fp);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "sys-ecc");
  EXPECT_EQ((*found)->certificate, fp);
  EXPECT_EQ((*store_->UserByTokenHash("sha256:51"))->certificate, fp);
  EXPECT_EQ((*store_->UserByTokenHash("sha256:52"))->certificate, "");
  EXPECT_FALSE(store_->UserByCertificate("sha256:" + std::string(64, 'b'))->has_value());
  EXPECT_FALSE(store_->UserByCertificate("")->has_value()) << "no certificate matches no one";
  store::User copycat = plain;
  copycat.id = "u-3";
  copycat.token_hash = "sha256:54";
  copycat.certificate = fp;
  Status dup = store_->AddUser(copycat);
  EXPECT_EQ(dup.code(), Status::Code::kAlreadyExists) << dup.ToString();
  EXPECT_NE(dup.message().find("another user has that certificate"), std::string::npos);
  EXPECT_FALSE(store_->UserByTokenHash("sha256:54")->has_value()) << "nothing was added";
  auto all = store_->Users();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
}

TEST_P(StoreConformance, AUserRevokedStaysNamedButIsMarkedRevokedOnce) {
  store::User a;
  a.id = "u-1";
  a.organisation = "essex-police";
  a.roles = {"analyst"};
  a.token_hash = "sha256:01";
  store::User b = a;
  b.id = "u-2";
  b.organisation = "essex-cc";
  b.token_hash = "sha256:02";
  ASSERT_TRUE(store_->AddUser(a).ok());
  ASSERT_TRUE(store_->AddUser(b).ok());
  auto found = store_->UserByTokenHash("sha256:01");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_TRUE((*found)->revoked_at.empty());
  EXPECT_EQ((*found)->created_at.size(), 20u) << (*found)->created_at;  // 2026-11-24T16:00:00Z
  ASSERT_TRUE(store_->RevokeUser("u-1").ok());
  found = store_->UserByTokenHash("sha256:01");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->revoked_at.size(), 20u) << (*found)->revoked_at;
  EXPECT_EQ((*found)->revoked_at.back(), 'Z');
  const std::string when = (*found)->revoked_at;
  Status again = store_->RevokeUser("u-1");
  EXPECT_EQ(again.code(), Status::Code::kAlreadyExists) << again.ToString();
  EXPECT_NE(again.message().find(when), std::string::npos) << again.message();
  EXPECT_EQ(store_->RevokeUser("u-404").code(), Status::Code::kNotFound);
  EXPECT_TRUE((*store_->UserByTokenHash("sha256:02"))->revoked_at.empty())
      << "revoking one user touched another";
  auto all = store_->Users();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "u-2");  // essex-cc before essex-police
  EXPECT_EQ((*all)[1].id, "u-1");
  EXPECT_EQ((*all)[1].revoked_at, when);
  EXPECT_EQ((*all)[0].roles, std::vector<std::string>{"analyst"});
}

TEST_P(StoreConformance, DisclosuresAreListedForTheirTwoOrganisationsOnly) {
  ASSERT_TRUE(store_->PutDisclosure(MakeDisclosure("d1", 1, "essex-cc", "essex-police")).ok());
  ASSERT_TRUE(store_->PutDisclosure(MakeDisclosure("d2", 2, "essex-police", "essex-cc")).ok());
  ASSERT_TRUE(
      store_->PutDisclosure(MakeDisclosure("d3", 3, "southend-ccc", "thurrock-council")).ok());
  EXPECT_EQ(store_->PutDisclosure(MakeDisclosure("d1", 9, "x", "y")).code(),
            Status::Code::kAlreadyExists);
  auto police = store_->DisclosuresOf(Of("essex-police", 10));
  ASSERT_TRUE(police.ok()) << police.status().ToString();
  ASSERT_EQ(police->size(), 2u);
  EXPECT_EQ((*police)[0].id, "d2");  // newest first
  EXPECT_EQ((*police)[1].id, "d1");
  EXPECT_TRUE((*police)[0].ciphertext.empty()) << "a listing carries no content";
  EXPECT_EQ((*police)[1].fields, (std::vector<std::string>{"name", "case_status"}));
  EXPECT_EQ(store_->DisclosuresOf(Of("essex-police", 1))->size(), 1u);
  EXPECT_TRUE(store_->DisclosuresOf(Of("basildon-bc", 10))->empty());
  auto one = store_->DisclosureById("d1");
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->ciphertext, std::string("secret\0bytes", 12));
  EXPECT_EQ((*one)->nonce, std::string("\0\1\2", 3));
  EXPECT_EQ((*one)->wrapped_key.size(), 72u);
  EXPECT_EQ((*one)->retain_until, "2032-01-01");
  EXPECT_FALSE(store_->DisclosureById("nope")->has_value());
}

TEST_P(StoreConformance, ListingsPageNewestFirstByDirectionAndStatusMissingAndRepeatingNothing) {
  // 30 disclosures about essex-police (sent, received, and one to itself), several at the same
  // millisecond, among others' that it must not see.
  std::vector<store::Disclosure> mine;
  for (int i = 0; i < 30; ++i) {
    const std::string from = i % 3 == 0 ? "essex-police" : "essex-cc";
    const std::string to = i == 7 ? "essex-police" : (i % 3 == 0 ? "essex-cc" : "essex-police");
    char id[8];
    std::snprintf(id, sizeof id, "d%02d", (i * 7) % 30);  // ids not in time order
    mine.push_back(MakeDisclosure(id, 100 + i / 4, i == 7 ? "essex-police" : from, to));
    ASSERT_TRUE(store_->PutDisclosure(mine.back()).ok()) << id;
    ASSERT_TRUE(
        store_->PutDisclosure(MakeDisclosure("x" + std::string(id), 100 + i / 4, "a", "b")).ok());
  }
  auto expected = [&](auto keep) {
    std::vector<store::Disclosure> v;
    for (const auto& d : mine)
      if (keep(d)) v.push_back(d);
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      return std::tie(a.at_ms, a.id) > std::tie(b.at_ms, b.id);
    });
    std::vector<std::string> ids;
    for (const auto& d : v) ids.push_back(d.id);
    return ids;
  };
  auto disclosures = [&](const store::ListQuery& q) { return store_->DisclosuresOf(q); };
  const auto all = expected([](const auto&) { return true; });
  ASSERT_EQ(all.size(), 30u);
  for (size_t limit : {1u, 4u, 7u, 30u, 100u}) {
    store::ListQuery q = Of("essex-police", limit);
    EXPECT_EQ(AllPages<store::Disclosure>(q, disclosures), all) << "limit " << limit;
    q.direction = store::ListQuery::Direction::kSent;
    EXPECT_EQ(AllPages<store::Disclosure>(q, disclosures),
              expected([](const auto& d) { return d.from_org == "essex-police"; }))
        << "sent, limit " << limit;
    q.direction = store::ListQuery::Direction::kReceived;
    EXPECT_EQ(AllPages<store::Disclosure>(q, disclosures),
              expected([](const auto& d) { return d.to_org == "essex-police"; }))
        << "received, limit " << limit;
  }
  // A cursor past the oldest gives an empty page.
  store::ListQuery past = Of("essex-police", 10);
  past.after_cursor = true;
  past.before_ms = 100;
  past.before_id = "";
  EXPECT_TRUE(store_->DisclosuresOf(past)->empty());

  // Requests: by status too, paged the same way.
  std::vector<std::string> all_requests;
  for (int i = 0; i < 12; ++i) {
    store::ShareRequest r = OpenRequest("r" + std::to_string(10 + i));
    r.at_ms = 50 + i / 2;
    if (i % 4 == 3) std::swap(r.from_org, r.to_org);  // essex-police receives these
    ASSERT_TRUE(store_->PutRequest(r).ok());
    if (i % 2 == 1) {
      ASSERT_TRUE(store_->CloseRequest(r.id, "declined", 90, "u", "no", "").ok());
    }
    all_requests.insert(all_requests.begin(), r.id);
  }
  auto requests = [&](const store::ListQuery& q) { return store_->RequestsOf(q); };
  store::ListQuery q = Of("essex-cc", 5);
  EXPECT_EQ(AllPages<store::ShareRequest>(q, requests), all_requests);
  q.direction = store::ListQuery::Direction::kReceived;
  q.status = "open";
  std::vector<std::string> expect_open;
  for (int i = 11; i >= 0; --i)
    if (i % 4 != 3 && i % 2 == 0) expect_open.push_back("r" + std::to_string(10 + i));
  EXPECT_EQ(AllPages<store::ShareRequest>(q, requests), expect_open)
      << "essex-cc's open requests, addressed to it";
  q.status = "declined";
  q.direction = store::ListQuery::Direction::kBoth;
  auto declined = AllPages<store::ShareRequest>(q, requests);
  EXPECT_EQ(declined.size(), 6u);
  for (const auto& id : declined) EXPECT_EQ((*store_->RequestById(id))->status, "declined") << id;
}

// A listing about one person (their subject tag), with the direction, status and paging as
// usual; in PostgreSQL the tag's parameter number moves with the status's.
TEST_P(StoreConformance, ListingsAboutOneSubjectShowOnlyTheirItems) {
  std::vector<std::string> about_a, about_a_open;
  for (int i = 0; i < 10; ++i) {
    store::ShareRequest r = OpenRequest("s" + std::to_string(10 + i));
    r.at_ms = 200 + i;
    r.subject_tag = i % 3 == 0 ? "tag-a" : "tag-b";
    ASSERT_TRUE(store_->PutRequest(r).ok());
    if (i % 2 == 1) {
      ASSERT_TRUE(store_->CloseRequest(r.id, "declined", 300, "u", "no", "").ok());
    }
    if (i % 3 == 0) about_a.insert(about_a.begin(), r.id);
    if (i % 3 == 0 && i % 2 == 0) about_a_open.insert(about_a_open.begin(), r.id);
    store::Disclosure d = MakeDisclosure("t" + std::to_string(10 + i), 200 + i, "essex-cc",
                                         i % 2 ? "essex-police" : "essex-cc");
    d.subject_tag = r.subject_tag;
    ASSERT_TRUE(store_->PutDisclosure(d).ok());
  }
  auto requests = [&](const store::ListQuery& q) { return store_->RequestsOf(q); };
  store::ListQuery q = Of("essex-cc", 2);
  q.subject_tag = "tag-a";
  EXPECT_EQ(AllPages<store::ShareRequest>(q, requests), about_a);
  q.status = "open";
  EXPECT_EQ(AllPages<store::ShareRequest>(q, requests), about_a_open);
  q.direction = store::ListQuery::Direction::kReceived;
  EXPECT_EQ(AllPages<store::ShareRequest>(q, requests), about_a_open);
  q.subject_tag = "tag-nobody";
  EXPECT_TRUE(store_->RequestsOf(q)->empty());

  auto disclosures = [&](const store::ListQuery& q) { return store_->DisclosuresOf(q); };
  store::ListQuery dq = Of("essex-cc", 3);
  dq.subject_tag = "tag-a";
  std::vector<std::string> expect = {"t19", "t16", "t13", "t10"};
  EXPECT_EQ(AllPages<store::Disclosure>(dq, disclosures), expect);
  dq.direction = store::ListQuery::Direction::kSent;
  EXPECT_EQ(AllPages<store::Disclosure>(dq, disclosures), expect);
  dq.direction = store::ListQuery::Direction::kReceived;
  EXPECT_EQ(AllPages<store::Disclosure>(dq, disclosures), (std::vector<std::string>{"t16", "t10"}));
}

TEST_P(StoreConformance, RequestsCloseOnceAndAreListedForTheirTwoOrganisations) {
  const store::ShareRequest r = OpenRequest("r1");
  ASSERT_TRUE(store_->PutRequest(r).ok());
  EXPECT_EQ(store_->PutRequest(r).code(), Status::Code::kAlreadyExists);
  auto got = store_->RequestById("r1");
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status().ToString();
  EXPECT_EQ((*got)->status, "open");
  EXPECT_EQ((*got)->allowed_fields, r.allowed_fields);
  EXPECT_EQ((*got)->ciphertext, r.ciphertext);
  EXPECT_EQ((*got)->decision_index, 7u);
  EXPECT_EQ(store_->RequestsOf(Of("essex-cc", 10))->size(), 1u);
  EXPECT_EQ(store_->RequestsOf(Of("essex-police", 10))->size(), 1u);
  EXPECT_TRUE(store_->RequestsOf(Of("southend-ccc", 10))->empty());
  ASSERT_TRUE(store_->CloseRequest("r1", "declined", 20, "u-9", "not held", "").ok());
  Status again = store_->CloseRequest("r1", "answered", 30, "u-9", "", "d1");
  EXPECT_EQ(again.code(), Status::Code::kAlreadyExists) << again.ToString();
  got = store_->RequestById("r1");
  EXPECT_EQ((*got)->status, "declined");
  EXPECT_EQ((*got)->decline_reason, "not held");
  EXPECT_EQ((*got)->closed_at_ms, 20);
  EXPECT_EQ(store_->CloseRequest("nope", "declined", 1, "u", "x", "").code(),
            Status::Code::kAlreadyExists);
}

TEST_P(StoreConformance, AnswersRacingOnTwoNodesCloseARequestOnceAndOnlyTheWinnerIsLogged) {
  // Two store connections stand for two nodes; eight answers to one request race through
  // their group committers, each closing the request in its own entry's transaction.
  const store::ShareRequest r = OpenRequest("r1");
  ASSERT_TRUE(store_->PutRequest(r).ok());
  auto second = store::OpenStore(url_, false);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  std::vector<store::Store*> nodes{store_.get(), second->get()};
  audit::Log a(nodes[0], signer_.get()), b(nodes[1], signer_.get());
  std::vector<Result<uint64_t>> outcomes(8, Status::Internal("not run"));
  {
    audit::GroupCommitter ga(&a, 64), gb(&b, 64);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&, t] {
        store::Store* st = nodes[t % 2];
        store::Disclosure d;
        d.id = "d" + std::to_string(t);
        d.at_ms = 20 + t;
        d.from_org = "essex-cc";
        d.to_org = "essex-police";
        d.to_user = "u-1";
        d.protocol = r.protocol;
        d.version = r.version;
        d.subject_tag = "tag";
        d.fields = {"name"};
        d.nonce = "n";
        d.ciphertext = "c";
        d.wrapped_key = std::string(72, '\2');
        audit::LogEntry e = Entry(t);
        e.kind = "disclosure";
        outcomes[t] = (t % 2 ? gb : ga)
                          .Submit(
                              std::move(e),
                              [&d, st](uint64_t index) {
                                d.audit_index = index;
                                return st->PutDisclosure(d);
                              },
                              [&d, st] {
                                return st->CloseRequest("r1", "answered", d.at_ms, "u-9", "", d.id);
                              })
                          .get();
        // Unrelated entries in the same batches are not held back by a refusal.
        auto plain = (t % 2 ? gb : ga).Submit(Entry(100 + t)).get();
        EXPECT_TRUE(plain.ok()) << plain.status().ToString();
      });
    for (auto& t : threads) t.join();
  }
  int won = -1, refused = 0;
  for (int t = 0; t < 8; ++t) {
    if (outcomes[t].ok()) {
      EXPECT_EQ(won, -1) << "two answers both closed the request";
      won = t;
    } else {
      EXPECT_EQ(outcomes[t].status().code(), Status::Code::kAlreadyExists)
          << outcomes[t].status().ToString();
      ++refused;
    }
  }
  ASSERT_NE(won, -1);
  EXPECT_EQ(refused, 7);
  EXPECT_EQ(*store_->Size(), 9u) << "the winner's entry and the eight unrelated ones";
  auto closed = store_->RequestById("r1");
  ASSERT_TRUE(closed.ok() && closed->has_value());
  EXPECT_EQ((*closed)->status, "answered");
  EXPECT_EQ((*closed)->disclosure_id, "d" + std::to_string(won));
  for (int t = 0; t < 8; ++t)
    EXPECT_EQ(store_->DisclosureById("d" + std::to_string(t))->has_value(), t == won) << t;
  auto stored = store_->DisclosureById("d" + std::to_string(won));
  EXPECT_EQ((*stored)->audit_index, *outcomes[won]);
  auto entry = store_->Entry(*outcomes[won]);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(audit::DecodeEntry(entry->encoded)->kind, "disclosure");
  auto report = audit::VerifyLog(*store_, signer_->public_key());
  EXPECT_TRUE(report.ok) << report.message;
}

// A page reads the organisation's indexes newest first and stops at the limit: no listing
// reads a whole table or sorts all of an organisation's items (SQLite's query plan).
TEST(ListSql, EveryListingReadsAnIndexAndNeverTheWholeTable) {
  const fs::path db =
      fs::temp_directory_path() / ("concordat-listplan-" + std::to_string(::getpid()));
  fs::remove(db);
  {
    auto opened = store::OpenStore("sqlite:" + db.string(), true);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  }
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  using Direction = store::ListQuery::Direction;
  for (const bool requests : {false, true})
    for (const Direction d : {Direction::kBoth, Direction::kSent, Direction::kReceived})
      for (const std::string status : {"", "open"}) {
        store::ListQuery q = Of("essex-cc", 10);
        q.direction = d;
        q.status = status;
        const std::string sql =
            "EXPLAIN QUERY PLAN " +
            store::ListSql(q,
                           requests ? store::ListTable::kRequests : store::ListTable::kDisclosures,
                           store::SqlDialect::kSqlite);
        sqlite3_stmt* plan = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(h, sql.c_str(), -1, &plan, nullptr), SQLITE_OK)
            << sqlite3_errmsg(h) << "\n"
            << sql;
        std::string steps;
        while (sqlite3_step(plan) == SQLITE_ROW)
          steps += std::string(reinterpret_cast<const char*>(sqlite3_column_text(plan, 3))) + "\n";
        sqlite3_finalize(plan);
        EXPECT_EQ(steps.find("SCAN requests"), std::string::npos) << sql << "\n" << steps;
        EXPECT_EQ(steps.find("SCAN disclosures"), std::string::npos) << sql << "\n" << steps;
        EXPECT_EQ(steps.find("MULTI-INDEX OR"), std::string::npos) << sql << "\n" << steps;
        EXPECT_NE(steps.find("USING INDEX"), std::string::npos) << sql << "\n" << steps;
        if (requests && !status.empty()) {
          EXPECT_NE(steps.find("_status"), std::string::npos) << "the status index\n" << steps;
        }
      }
  sqlite3_close(h);
  fs::remove(db);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreConformance, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace concordat
