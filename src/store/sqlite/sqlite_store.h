// The embedded store on SQLite: WAL journal, synchronous=FULL (a commit is durable when it
// returns), a busy timeout so concurrent processes wait for the writer lock, one writer at a
// time (BEGIN IMMEDIATE), schema migrations recorded in schema_migrations.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/store.h"
#include "store/subtree_cache.h"

namespace concordat::store {

class SqliteStore : public Store {
 public:
  // `vfs` names an SQLite VFS to use instead of the default (tests inject faults this way).
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path, bool create,
                                                   const char* vfs = nullptr);
  ~SqliteStore() override;

  Result<int> SchemaVersion() override;
  Result<std::optional<std::string>> ProtocolVersionHash(const std::string& id,
                                                         const std::string& version) override;
  std::string Url() const override { return "sqlite:" + path_; }

  Result<std::unique_ptr<audit::LogWriteTransaction>> BeginWrite() override;
  Result<uint64_t> Size() override;
  Result<audit::StoredEntry> Entry(uint64_t index) override;
  // Cursors must not outlive the store.
  Result<std::unique_ptr<audit::EntryCursor>> Entries(uint64_t begin) override;
  Result<std::unique_ptr<audit::NodeCursor>> Nodes() override;
  Result<std::optional<audit::SignedTreeHead>> LatestSth() override;
  Result<std::vector<audit::SignedTreeHead>> Sths() override;
  Result<audit::Hash> Node(int level, uint64_t index) const override;

  sqlite3* db() const { return db_; }

 protected:
  Status InsertProtocolVersion(const std::string& id, const std::string& version,
                               const std::string& hash, const std::string& canonical) override;

 private:
  friend class SqliteWriteTransaction;
  SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status Migrate();
  Status Exec(const char* sql) const;
  Status Error(const std::string& what) const;

  sqlite3* db_;
  std::string path_;
  mutable std::recursive_mutex mu_;             // one connection, used by one thread at a time
  mutable sqlite3_stmt* node_query_ = nullptr;  // prepared on first use, finalised on close
  mutable SubtreeCache subtree_cache_;          // committed upper-level hashes
};

}  // namespace concordat::store
