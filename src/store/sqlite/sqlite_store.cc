#include "store/sqlite/sqlite_store.h"

#include <sys/stat.h>

#include <cstring>
#include <filesystem>

namespace concordat::store {
namespace {

// A prepared statement that finalises itself.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() const { return s_; }
  void BindInt(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void BindText(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void BindBlob(int i, const void* p, size_t n) {
    sqlite3_bind_blob(s_, i, p, static_cast<int>(n), SQLITE_TRANSIENT);
  }
  int Step() { return sqlite3_step(s_); }
  void Reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

bool ReadHash(sqlite3_stmt* s, int col, audit::Hash* out) {
  if (sqlite3_column_type(s, col) != SQLITE_BLOB || sqlite3_column_bytes(s, col) != 32)
    return false;
  std::memcpy(out->data(), sqlite3_column_blob(s, col), 32);
  return true;
}

uint64_t LastLeaf(int level, uint64_t index) {
  return ((index + 1) << level) - 1;
}

const char* kMigration1 = R"sql(
CREATE TABLE log_entries (
  idx   INTEGER PRIMARY KEY,
  entry BLOB NOT NULL,
  leaf  BLOB NOT NULL
);
CREATE TABLE log_nodes (
  last_leaf INTEGER NOT NULL,
  level     INTEGER NOT NULL,
  hash      BLOB NOT NULL,
  PRIMARY KEY (last_leaf, level)
) WITHOUT ROWID;
CREATE TABLE log_sth (
  tree_size INTEGER PRIMARY KEY,
  timestamp INTEGER NOT NULL,
  root      BLOB NOT NULL,
  signature BLOB NOT NULL
);
CREATE TABLE protocol_versions (
  id        TEXT NOT NULL,
  version   TEXT NOT NULL,
  hash      TEXT NOT NULL,
  canonical TEXT NOT NULL,
  PRIMARY KEY (id, version)
);
)sql";

}  // namespace

// --- the writer's transaction ------------------------------------------------------------

class SqliteWriteTransaction : public audit::LogWriteTransaction {
 public:
  explicit SqliteWriteTransaction(SqliteStore* store)
      : store_(store),
        lock_(store->mu_),
        put_entry_(store->db_, "INSERT INTO log_entries (idx, entry, leaf) VALUES (?, ?, ?)"),
        put_node_(store->db_, "INSERT INTO log_nodes (last_leaf, level, hash) VALUES (?, ?, ?)"),
        put_sth_(store->db_,
                 "INSERT OR REPLACE INTO log_sth (tree_size, timestamp, root, signature) VALUES "
                 "(?, ?, ?, ?)") {}

  Status Begin() {
    if (!put_entry_.ok() || !put_node_.ok() || !put_sth_.ok())
      return store_->Error("preparing statements");
    for (auto& c : recent_leaves_) c.first = UINT64_MAX;  // nothing cached yet
    if (Status s = store_->Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    open_ = true;
    store_->subtree_cache_.set_writing(true);
    auto n = store_->Size();
    if (!n.ok()) return n.status();
    size_ = *n;
    return Status::Ok();
  }

  ~SqliteWriteTransaction() override {
    if (open_) store_->Exec("ROLLBACK");
    store_->subtree_cache_.set_writing(false);
  }

  Result<uint64_t> Size() override { return size_; }

  Status PutEntry(uint64_t index, const std::string& encoded, const audit::Hash& leaf) override {
    if (index != size_) return Status::Internal("entries must be appended in order");
    put_entry_.BindInt(1, static_cast<int64_t>(index));
    put_entry_.BindBlob(2, encoded.data(), encoded.size());
    put_entry_.BindBlob(3, leaf.data(), leaf.size());
    int rc = put_entry_.Step();
    put_entry_.Reset();
    if (rc != SQLITE_DONE) return store_->Error("writing entry " + std::to_string(index));
    ++size_;
    recent_leaves_[index & 63] = {index, leaf};
    // The leaf is also node (0, index): proofs then read one compact, clustered table.
    return PutNode(0, index, leaf);
  }

  Status PutNode(int level, uint64_t index, const audit::Hash& hash) override {
    put_node_.BindInt(1, static_cast<int64_t>(LastLeaf(level, index)));
    put_node_.BindInt(2, level);
    put_node_.BindBlob(3, hash.data(), hash.size());
    int rc = put_node_.Step();
    put_node_.Reset();
    if (rc != SQLITE_DONE) return store_->Error("writing a subtree hash");
    if (level > 0) written_[(static_cast<uint64_t>(level) << 56) | index] = hash;
    return Status::Ok();
  }

  Status PutSth(const audit::SignedTreeHead& sth) override {
    put_sth_.BindInt(1, static_cast<int64_t>(sth.tree_size));
    put_sth_.BindInt(2, sth.timestamp_ms);
    put_sth_.BindBlob(3, sth.root.data(), sth.root.size());
    put_sth_.BindBlob(4, sth.signature.data(), sth.signature.size());
    int rc = put_sth_.Step();
    put_sth_.Reset();
    if (rc != SQLITE_DONE) return store_->Error("writing the signed tree head");
    return Status::Ok();
  }

  Status Commit() override {
    Status s = store_->Exec("COMMIT");
    if (s.ok()) open_ = false;
    return s;
  }

  Result<audit::Hash> Node(int level, uint64_t index) const override {
    if (level == 0) {
      const auto& cached = recent_leaves_[index & 63];
      if (cached.first == index) return cached.second;
    } else if (auto it = written_.find((static_cast<uint64_t>(level) << 56) | index);
               it != written_.end()) {
      return it->second;
    }
    return store_->Node(level, index);  // reads see this transaction's writes
  }

 private:
  SqliteStore* store_;
  std::unique_lock<std::recursive_mutex> lock_;
  Stmt put_entry_, put_node_, put_sth_;
  bool open_ = false;
  uint64_t size_ = 0;
  std::array<std::pair<uint64_t, audit::Hash>, 64> recent_leaves_{};
  std::unordered_map<uint64_t, audit::Hash> written_;  // subtree hashes put in this transaction
};

// --- cursors -----------------------------------------------------------------------------

class SqliteEntryCursor : public audit::EntryCursor {
 public:
  SqliteEntryCursor(sqlite3* db, uint64_t begin)
      : stmt_(db, "SELECT idx, entry, leaf FROM log_entries WHERE idx >= ? ORDER BY idx") {
    stmt_.BindInt(1, static_cast<int64_t>(begin));
  }
  Result<bool> Next(audit::StoredEntry* out) override {
    if (!stmt_.ok()) return Status::IoError("cannot read the log's entries");
    if (done_) return false;  // stepping again would restart the query
    int rc = stmt_.Step();
    if (rc == SQLITE_DONE) {
      done_ = true;
      return false;
    }
    if (rc != SQLITE_ROW) return Status::IoError("reading the log's entries failed");
    out->index = static_cast<uint64_t>(sqlite3_column_int64(stmt_.get(), 0));
    const void* p = sqlite3_column_blob(stmt_.get(), 1);
    out->encoded.assign(static_cast<const char*>(p ? p : ""),
                        static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), 1)));
    if (!ReadHash(stmt_.get(), 2, &out->leaf)) out->leaf.fill(0);
    return true;
  }

 private:
  Stmt stmt_;
  bool done_ = false;
};

class SqliteNodeCursor : public audit::NodeCursor {
 public:
  explicit SqliteNodeCursor(sqlite3* db)
      : stmt_(db, "SELECT last_leaf, level, hash FROM log_nodes ORDER BY last_leaf, level") {}
  Result<bool> Next(audit::StoredNode* out) override {
    if (!stmt_.ok()) return Status::IoError("cannot read the log's subtree hashes");
    if (done_) return false;
    int rc = stmt_.Step();
    if (rc == SQLITE_DONE) {
      done_ = true;
      return false;
    }
    if (rc != SQLITE_ROW) return Status::IoError("reading the log's subtree hashes failed");
    uint64_t last = static_cast<uint64_t>(sqlite3_column_int64(stmt_.get(), 0));
    out->level = sqlite3_column_int(stmt_.get(), 1);
    out->index = out->level >= 0 && out->level < 64 ? ((last + 1) >> out->level) - 1 : 0;
    if (!ReadHash(stmt_.get(), 2, &out->hash)) out->hash.fill(0);
    return true;
  }

 private:
  Stmt stmt_;
  bool done_ = false;
};

// --- the store ---------------------------------------------------------------------------

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path, bool create,
                                                       const char* vfs) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (!exists && !create)
    return Status::NotFound(path + ": no store here (run concordat init --store sqlite:" + path +
                            ")");
  if (!exists) {
    auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  }
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, vfs) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::IoError(path + ": cannot open the store: " + msg);
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, path));
  sqlite3_busy_timeout(db, 30000);
  if (!exists) ::chmod(path.c_str(), 0600);  // personal data at rest: owner only
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
        "PRAGMA mmap_size=2147418112", "PRAGMA cache_size=-65536"}) {
    if (Status s = store->Exec(pragma); !s.ok()) return s;
  }
  if (Status s = store->Migrate(); !s.ok()) return s;
  return store;
}

SqliteStore::~SqliteStore() {
  sqlite3_finalize(node_query_);
  sqlite3_close(db_);
}

Status SqliteStore::Error(const std::string& what) const {
  return Status::IoError(path_ + ": " + what + ": " + sqlite3_errmsg(db_));
}

Status SqliteStore::Exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::IoError(path_ + ": " + msg);
  }
  return Status::Ok();
}

Status SqliteStore::Migrate() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  auto rollback = [&](Status s) {
    Exec("ROLLBACK");
    return s;
  };
  if (Status s = Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                      "applied_at TEXT NOT NULL)");
      !s.ok())
    return rollback(s);
  int current = 0;
  {
    Stmt q(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!q.ok() || q.Step() != SQLITE_ROW) return rollback(Error("reading the schema version"));
    current = sqlite3_column_int(q.get(), 0);
  }
  if (current > kSchemaVersion)
    return rollback(Status::InvalidArgument(
        path_ + ": the store has schema version " + std::to_string(current) +
        ", newer than this Concordat (" + std::to_string(kSchemaVersion) +
        "); upgrade Concordat, nothing was changed"));
  if (current < 1) {
    if (Status s = Exec(kMigration1); !s.ok()) return rollback(s);
    if (Status s = Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (1, "
                        "strftime('%Y-%m-%dT%H:%M:%SZ','now'))");
        !s.ok())
      return rollback(s);
  }
  return Exec("COMMIT");
}

Result<int> SqliteStore::SchemaVersion() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Stmt q(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!q.ok() || q.Step() != SQLITE_ROW) return Error("reading the schema version");
  return sqlite3_column_int(q.get(), 0);
}

Status SqliteStore::InsertProtocolVersion(const std::string& id, const std::string& version,
                                          const std::string& hash, const std::string& canonical) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Stmt s(db_, "INSERT INTO protocol_versions (id, version, hash, canonical) VALUES (?, ?, ?, ?)");
  if (!s.ok()) return Error("preparing");
  s.BindText(1, id);
  s.BindText(2, version);
  s.BindText(3, hash);
  s.BindText(4, canonical);
  if (s.Step() != SQLITE_DONE) return Error("storing protocol " + id + " version " + version);
  return Status::Ok();
}

Result<std::optional<std::string>> SqliteStore::ProtocolVersionHash(const std::string& id,
                                                                    const std::string& version) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Stmt s(db_, "SELECT hash FROM protocol_versions WHERE id = ? AND version = ?");
  if (!s.ok()) return Error("preparing");
  s.BindText(1, id);
  s.BindText(2, version);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return Error("reading protocol " + id);
  return std::optional<std::string>(reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0)));
}

Result<std::unique_ptr<audit::LogWriteTransaction>> SqliteStore::BeginWrite() {
  auto tx = std::make_unique<SqliteWriteTransaction>(this);
  if (Status s = tx->Begin(); !s.ok()) return s;
  return std::unique_ptr<audit::LogWriteTransaction>(std::move(tx));
}

Result<uint64_t> SqliteStore::Size() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Stmt q(db_, "SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries");
  if (!q.ok() || q.Step() != SQLITE_ROW) return Error("reading the log size");
  return static_cast<uint64_t>(sqlite3_column_int64(q.get(), 0));
}

Result<audit::StoredEntry> SqliteStore::Entry(uint64_t index) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Stmt q(db_, "SELECT entry, leaf FROM log_entries WHERE idx = ?");
  q.BindInt(1, static_cast<int64_t>(index));
  int rc = q.Step();
  if (rc == SQLITE_DONE)
    return Status::NotFound("entry " + std::to_string(index) + " is not in the log");
  if (rc != SQLITE_ROW) return Error("reading entry " + std::to_string(index));
  audit::StoredEntry e;
  e.index = index;
  const void* p = sqlite3_column_blob(q.get(), 0);
  e.encoded.assign(static_cast<const char*>(p ? p : ""),
                   static_cast<size_t>(sqlite3_column_bytes(q.get(), 0)));
  if (!ReadHash(q.get(), 1, &e.leaf))
    return Status::Corruption("entry " + std::to_string(index) + " has a malformed leaf hash");
  return e;
}

Result<std::unique_ptr<audit::EntryCursor>> SqliteStore::Entries(uint64_t begin) {
  return std::unique_ptr<audit::EntryCursor>(new SqliteEntryCursor(db_, begin));
}

Result<std::unique_ptr<audit::NodeCursor>> SqliteStore::Nodes() {
  return std::unique_ptr<audit::NodeCursor>(new SqliteNodeCursor(db_));
}

Result<audit::Hash> SqliteStore::Node(int level, uint64_t index) const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (auto cached = subtree_cache_.Find(level, index)) return *cached;
  if (!node_query_)
    sqlite3_prepare_v2(db_, "SELECT hash FROM log_nodes WHERE last_leaf = ? AND level = ?", -1,
                       &node_query_, nullptr);
  sqlite3_stmt* q = node_query_;
  if (!q) return Error("preparing a subtree hash query");
  sqlite3_bind_int64(q, 1, static_cast<int64_t>(LastLeaf(level, index)));
  sqlite3_bind_int(q, 2, level);
  int rc = sqlite3_step(q);
  audit::Hash h;
  bool found = rc == SQLITE_ROW && ReadHash(q, 0, &h);
  sqlite3_reset(q);
  if (!found)
    return Status::Corruption("the subtree hash at level " + std::to_string(level) + " index " +
                              std::to_string(index) + " is missing from " + path_);
  subtree_cache_.Remember(level, index, h);
  return h;
}

Result<std::optional<audit::SignedTreeHead>> SqliteStore::LatestSth() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Stmt q(
      db_,
      "SELECT tree_size, timestamp, root, signature FROM log_sth ORDER BY tree_size DESC LIMIT 1");
  int rc = q.Step();
  if (rc == SQLITE_DONE) return std::optional<audit::SignedTreeHead>();
  if (rc != SQLITE_ROW) return Error("reading the signed tree head");
  audit::SignedTreeHead s;
  s.tree_size = static_cast<uint64_t>(sqlite3_column_int64(q.get(), 0));
  s.timestamp_ms = sqlite3_column_int64(q.get(), 1);
  if (!ReadHash(q.get(), 2, &s.root) || sqlite3_column_bytes(q.get(), 3) != 64)
    return Status::Corruption("the latest signed tree head is malformed");
  std::memcpy(s.signature.data(), sqlite3_column_blob(q.get(), 3), 64);
  return std::optional<audit::SignedTreeHead>(s);
}

Result<std::vector<audit::SignedTreeHead>> SqliteStore::Sths() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Stmt q(db_, "SELECT tree_size, timestamp, root, signature FROM log_sth ORDER BY tree_size");
  std::vector<audit::SignedTreeHead> out;
  for (int rc; (rc = q.Step()) == SQLITE_ROW;) {
    audit::SignedTreeHead s;
    s.tree_size = static_cast<uint64_t>(sqlite3_column_int64(q.get(), 0));
    s.timestamp_ms = sqlite3_column_int64(q.get(), 1);
    if (!ReadHash(q.get(), 2, &s.root) || sqlite3_column_bytes(q.get(), 3) != 64)
      return Status::Corruption("the signed tree head for " + std::to_string(s.tree_size) +
                                " entries is malformed");
    std::memcpy(s.signature.data(), sqlite3_column_blob(q.get(), 3), 64);
    out.push_back(s);
  }
  return out;
}

}  // namespace concordat::store
