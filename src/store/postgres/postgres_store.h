// The multi-node store on PostgreSQL (libpq). Several concordatd processes may share one
// database: a writer takes a transaction-scoped advisory lock, so the database decides the
// order of the log. A commit is durable when it returns (synchronous_commit on). Rows put in a
// transaction are sent with COPY when it commits.
#pragma once

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/store.h"
#include "store/subtree_cache.h"

namespace concordat::store {

class PostgresStore : public Store {
 public:
  static Result<std::unique_ptr<PostgresStore>> Open(const std::string& url, bool create);
  // An existing store, only to read (OpenStoreReadOnly in store.h).
  static Result<std::unique_ptr<PostgresStore>> OpenReadOnly(const std::string& url);
  ~PostgresStore() override;

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
  std::string Url() const override { return url_; }

  Result<std::unique_ptr<audit::LogWriteTransaction>> BeginWrite() override;
  Result<uint64_t> Size() override;
  Result<audit::StoredEntry> Entry(uint64_t index) override;
  Result<std::unique_ptr<audit::EntryCursor>> Entries(uint64_t begin) override;
  Result<std::unique_ptr<audit::NodeCursor>> Nodes() override;
  Result<std::optional<audit::SignedTreeHead>> LatestSth() override;
  Result<std::vector<audit::SignedTreeHead>> Sths() override;
  Result<audit::Hash> Node(int level, uint64_t index) const override;

 protected:
  Status InsertProtocolVersion(const std::string& id, const std::string& version,
                               const std::string& hash, const std::string& canonical) override;

 private:
  friend class PgWriteTransaction;
  friend class PgEntryCursor;
  friend class PgNodeCursor;
  PostgresStore(PGconn* conn, std::string url) : conn_(conn), url_(std::move(url)) {}
  static Result<std::unique_ptr<PostgresStore>> Connect(const std::string& url, bool existing);
  Status Exec(const std::string& sql) const;
  // The store's lock, with the connection made again first if the server dropped it (a
  // restart, a failover, a network cut). libpq marks a connection bad when a call on it fails
  // that way; that call's operation has failed and said so, and the next one reconnects here,
  // with the session's settings again. Nothing is retried: a write whose connection went may
  // or may not have committed, so it is reported failed, never done twice.
  std::unique_lock<std::recursive_mutex> Lock() const;
  // The settings every session of this store runs with (after connecting, and reconnecting).
  Status SetUpSession() const;
  Status Error(const std::string& what) const;
  // When user `id` was revoked ("" while active), or nullopt for no such user; for saying why
  // a change to their access did nothing.
  Result<std::optional<std::string>> RevokedAt(const std::string& id);
  Status Migrate();
  // Runs a query with text parameters, binary results.
  Result<PGresult*> Query(const char* sql, const std::vector<std::string>& params) const;

  PGconn* conn_;
  std::string url_;
  bool read_only_ = false;              // OpenReadOnly: every transaction read-only
  mutable bool session_set_up_ = true;  // false after a reconnect whose SetUpSession failed
  mutable std::recursive_mutex mu_;
  mutable SubtreeCache subtree_cache_;  // committed upper-level hashes (subtree_cache.h)
};

}  // namespace concordat::store
