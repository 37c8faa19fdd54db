// The embedded store on SQLite: WAL journal, synchronous=FULL (a commit is durable when it
// returns), a busy timeout so concurrent processes wait for the writer lock, one writer at a
// time (BEGIN IMMEDIATE), schema migrations recorded in schema_migrations.
#pragma once

#include <sqlite3.h>

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/sqlite/wal_checkpointer.h"
#include "store/store.h"

namespace concordat::store {

struct SqliteWriterStatements;
class SqliteStmt;

class SqliteStore : public Store {
 public:
  // `vfs` names an SQLite VFS to use instead of the default (tests inject faults this way).
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path, bool create,
                                                   const char* vfs = nullptr);
  // An existing store, only to read (OpenStoreReadOnly in store.h).
  static Result<std::unique_ptr<SqliteStore>> OpenReadOnly(const std::string& path);
  ~SqliteStore() override;

  Status PutRequest(const ShareRequest& r) override;
  Result<std::vector<ShareRequest>> RequestsOf(const ListQuery& q) override;
  Result<std::optional<ShareRequest>> RequestById(const std::string& id) override;
  Status CloseRequest(const std::string& id, const std::string& status, int64_t closed_at_ms,
                      const std::string& closed_by, const std::string& decline_reason,
                      const std::string& disclosure_id) override;
  Status PutDisclosure(const Disclosure& d) override;
  Result<std::vector<Disclosure>> DisclosuresOf(const ListQuery& q) override;
  Result<std::optional<Disclosure>> DisclosureById(const std::string& id) override;
  Status AddUser(const User& user) override;
  Result<std::optional<User>> UserByTokenHash(const std::string& token_hash) override;
  Result<std::optional<User>> UserByCertificate(const std::string& fingerprint) override;
  Result<std::vector<User>> Users() override;
  Status RevokeUser(const std::string& id) override;
  Status ReplaceToken(const std::string& id, const std::string& token_hash,
                      const std::string& expires_at) override;
  Result<int> SchemaVersion() override;
  int LatestSchemaVersion() const override;
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
  std::unique_ptr<ReadScope> OpenReadScope() const override;

  sqlite3* db() const { return db_; }
  // Checkpoints the background thread has completed, and the frames it copied
  // (wal_checkpointer.h).
  int checkpoints_run_in_background() const { return checkpointer_->completed(); }
  long long frames_checkpointed_in_background() const { return checkpointer_->frames_copied(); }

 protected:
  Status InsertProtocolVersion(const std::string& id, const std::string& version,
                               const std::string& hash, const std::string& canonical) override;

 private:
  friend class SqliteWriteTransaction;
  friend class SqliteReadScope;
  SqliteStore(sqlite3* db, std::string path);
  Status Migrate();
  Status MoveNodesIntoTiles();
  SqliteWriterStatements& WriterStatements();
  Status Exec(const char* sql) const;
  // A statement prepared once per store, under mu_, borrowed until the Stmt goes (then reset).
  // For statements that are not in use twice at once.
  SqliteStmt Cached(const char* sql) const;
  // The user whose `column` (token_hash or cert_fingerprint) holds `value`, if any.
  Result<std::optional<User>> UserWhere(const std::string& column, const std::string& value);
  Status Error(const std::string& what) const;
  // When user `id` was revoked ("" while active), or nullopt for no such user; for saying why
  // a change to their access did nothing.
  Result<std::optional<std::string>> RevokedAt(const std::string& id);

  sqlite3* db_;
  std::string path_;
  mutable std::recursive_mutex mu_;  // one connection, used by one thread at a time
  mutable std::unordered_map<std::string, sqlite3_stmt*> statements_;  // Cached()
  // Node()'s: a full tile, a partial one. Prepared on first use, finalised on close.
  mutable sqlite3_stmt* node_query_ = nullptr;
  mutable sqlite3_stmt* open_node_query_ = nullptr;
  // Committed, full tiles of subtree hashes at the upper levels, kept after their first read:
  // at most kMaxCachedTiles of 2 KiB (about 128 MiB, enough for every level >= 3 of a
  // 16-million-entry log).
  static constexpr int kCachedFromLevel = 3;
  static constexpr size_t kMaxCachedTiles = 65536;
  mutable std::unordered_map<uint64_t, std::array<uint8_t, 2048>> full_tiles_;
  bool writing_ = false;  // a write transaction is open
  std::unique_ptr<SqliteWriterStatements> writer_statements_;
  // WAL frames after which a commit asks for a checkpoint (16 KiB pages: 4 MiB).
  static constexpr int kCheckpointFrames = 256;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // closed before db_
};

}  // namespace concordat::store
