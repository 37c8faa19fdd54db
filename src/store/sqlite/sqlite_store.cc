#include "store/sqlite/sqlite_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <map>

#include "store/list_sql.h"
#include "store/sqlite/wal_write_buffer.h"

namespace concordat::store {

// A prepared statement that finalises itself (or, borrowed from the store's cache, resets).
class SqliteStmt {
 public:
  SqliteStmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  // Borrowed from the store's cache (SqliteStore::Cached): reset, not finalised, when done.
  SqliteStmt(sqlite3_stmt* cached, int rc) : s_(cached), rc_(rc), owned_(false) {}
  ~SqliteStmt() {
    if (owned_) {
      sqlite3_finalize(s_);
    } else if (s_) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() const { return s_; }
  void BindInt(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void BindText(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void BindBlob(int i, const void* p, size_t n) {
    sqlite3_bind_blob(s_, i, p, static_cast<int>(n), SQLITE_TRANSIENT);
  }
  // The caller keeps p..p+n (v) unchanged until Step() and Reset() are done.
  void BindStaticBlob(int i, const void* p, size_t n) {
    sqlite3_bind_blob(s_, i, p, static_cast<int>(n), SQLITE_STATIC);
  }
  void BindStaticText(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  int Step() { return sqlite3_step(s_); }
  void Reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_ERROR;
  bool owned_ = true;
};

namespace {

using Stmt = SqliteStmt;

std::string ColumnText(sqlite3_stmt* s, int col) {
  const unsigned char* t = sqlite3_column_text(s, col);
  return std::string(t ? reinterpret_cast<const char*>(t) : "");
}

std::string ColumnBlob(sqlite3_stmt* s, int col) {
  const void* p = sqlite3_column_blob(s, col);
  return std::string(static_cast<const char*>(p ? p : ""),
                     static_cast<size_t>(sqlite3_column_bytes(s, col)));
}

bool ReadHash(sqlite3_stmt* s, int col, audit::Hash* out) {
  if (sqlite3_column_type(s, col) != SQLITE_BLOB || sqlite3_column_bytes(s, col) != 32)
    return false;
  std::memcpy(out->data(), sqlite3_column_blob(s, col), 32);
  return true;
}

constexpr int kSchemaVersion = 12;  // the latest migration below

// Subtree hashes are kept in tiles: tile (level, tile) holds the hashes of nodes
// (level, tile * kTileWidth) onwards, 32 bytes each, in index order. One row per 64 hashes
// keeps appends and verification from paying SQLite's per-row cost per hash. A full tile is a
// row of log_tiles and never changes. The one partial tile at the end of each level is a row of
// log_open_tiles, a table of a few small rows: a batch rewrites those (one or two pages) and
// moves a tile to log_tiles when it fills, instead of rewriting a page at the end of every
// level's range in log_tiles (migration 6; a decide batch at -c256 wrote about 8 pages of
// tiles before, about 5 after: BENCHMARKS.md).
constexpr uint64_t kTileWidth = 64;
constexpr size_t kTileBytes = kTileWidth * 32;

// The key of (level, tile) in memory, and in log_tiles up to migration 7.
uint64_t TileKey(int level, uint64_t tile) {
  return (static_cast<uint64_t>(level) << 56) | tile;
}

// The row id of a full tile in log_tiles (migration 7): (63 - level) * 2^56 + tile, so that
// level 0, where nearly every new tile is, has the largest ids and each new tile is appended at
// the table's right edge (one leaf page, split by moving only the new row). With level 0 first
// (TileKey), each new level-0 tile went into the middle of the B-tree, and splitting there
// rewrote three sibling pages: a decide batch at -c256 wrote 2.5 pages of tiles, a look-up
// batch 5.4 (BENCHMARKS.md).
uint64_t TileRowId(int level, uint64_t tile) {
  return (static_cast<uint64_t>(63 - level) << 56) | tile;
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

// Version 2: subtree hashes move from one row each (log_nodes) into tiles (log_tiles).
const char* kMigration2 = R"sql(
CREATE TABLE log_tiles (
  id     INTEGER PRIMARY KEY,  -- level * 2^56 + tile: one B-tree search per read
  hashes BLOB NOT NULL,
  level  INTEGER GENERATED ALWAYS AS (id >> 56) VIRTUAL,
  tile   INTEGER GENERATED ALWAYS AS (id & 72057594037927935) VIRTUAL
);
)sql";

// Version 3: the people who use the server.
const char* kMigration3 = R"sql(
CREATE TABLE users (
  id           TEXT PRIMARY KEY,
  organisation TEXT NOT NULL,
  name         TEXT NOT NULL,
  roles        TEXT NOT NULL,  -- comma-separated role ids
  token_hash   TEXT NOT NULL UNIQUE,
  created_at   TEXT NOT NULL
);
)sql";

// Version 4: disclosures, their content encrypted (see store.h).
const char* kMigration4 = R"sql(
CREATE TABLE disclosures (
  id           TEXT PRIMARY KEY,
  at_ms        INTEGER NOT NULL,
  from_org     TEXT NOT NULL,
  to_org       TEXT NOT NULL,
  to_user      TEXT NOT NULL,
  protocol     TEXT NOT NULL,
  version      TEXT NOT NULL,
  subject_tag  TEXT NOT NULL,
  fields       TEXT NOT NULL,  -- comma-separated
  retain_until TEXT NOT NULL,
  nonce        BLOB NOT NULL,
  ciphertext   BLOB NOT NULL,
  wrapped_key  BLOB NOT NULL,
  audit_index  INTEGER NOT NULL
);
CREATE INDEX disclosures_from ON disclosures (from_org, at_ms);
CREATE INDEX disclosures_to ON disclosures (to_org, at_ms);
CREATE INDEX disclosures_subject ON disclosures (subject_tag);
)sql";

// Version 5: requests between partners.
const char* kMigration5 = R"sql(
CREATE TABLE requests (
  id              TEXT PRIMARY KEY,
  at_ms           INTEGER NOT NULL,
  from_org        TEXT NOT NULL,
  from_user       TEXT NOT NULL,
  to_org          TEXT NOT NULL,
  protocol        TEXT NOT NULL,
  version         TEXT NOT NULL,
  purpose         TEXT NOT NULL,
  audit_reference TEXT NOT NULL,
  data            TEXT NOT NULL,
  allowed_fields  TEXT NOT NULL,
  subject_tag     TEXT NOT NULL,
  nonce           BLOB NOT NULL,
  ciphertext      BLOB NOT NULL,
  wrapped_key     BLOB NOT NULL,
  status          TEXT NOT NULL,
  decision_index  INTEGER NOT NULL,
  closed_at_ms    INTEGER NOT NULL,
  closed_by       TEXT NOT NULL,
  decline_reason  TEXT NOT NULL,
  disclosure_id   TEXT NOT NULL
);
CREATE INDEX requests_from ON requests (from_org, at_ms);
CREATE INDEX requests_to ON requests (to_org, at_ms);
)sql";

// Version 6: each level's partial tile moves to a table of its own (see kTileWidth).
const char* kMigration6 = R"sql(
CREATE TABLE log_open_tiles (
  level  INTEGER PRIMARY KEY,
  tile   INTEGER NOT NULL,
  hashes BLOB NOT NULL
);
INSERT INTO log_open_tiles (level, tile, hashes)
  SELECT id >> 56, id & 72057594037927935, hashes FROM log_tiles
  WHERE id IN (SELECT MAX(id) FROM log_tiles GROUP BY id >> 56) AND length(hashes) < 2048;
DELETE FROM log_tiles WHERE id IN (SELECT (level << 56) | tile FROM log_open_tiles);
)sql";

// Version 7: full tiles re-keyed so that new ones append at the right edge (see TileRowId).
const char* kMigration7 = R"sql(
CREATE TABLE log_tiles_v7 (
  id     INTEGER PRIMARY KEY,  -- (63 - level) * 2^56 + tile: level 0 last, where appends go
  hashes BLOB NOT NULL,
  level  INTEGER GENERATED ALWAYS AS (63 - (id >> 56)) VIRTUAL,
  tile   INTEGER GENERATED ALWAYS AS (id & 72057594037927935) VIRTUAL
);
INSERT INTO log_tiles_v7 (id, hashes)
  SELECT ((63 - (id >> 56)) << 56) | (id & 72057594037927935), hashes FROM log_tiles ORDER BY 1;
DROP TABLE log_tiles;
ALTER TABLE log_tiles_v7 RENAME TO log_tiles;
)sql";

// Version 8: a user's token can be revoked.
const char* kMigration8 = R"sql(
ALTER TABLE users ADD COLUMN revoked_at TEXT NOT NULL DEFAULT '';
)sql";

// Version 9: no index on disclosures.subject_tag (see Disclosure in store.h).
const char* kMigration9 = R"sql(
DROP INDEX IF EXISTS disclosures_subject;
)sql";

// Version 10: a provider's open requests are found without reading its closed ones.
const char* kMigration10 = R"sql(
CREATE INDEX IF NOT EXISTS requests_from_status ON requests (from_org, status, at_ms);
CREATE INDEX IF NOT EXISTS requests_to_status ON requests (to_org, status, at_ms);
)sql";

// Version 11: a user may sign in with a client certificate (NULL: none; unique otherwise).
const char* kMigration11 = R"sql(
ALTER TABLE users ADD COLUMN cert_fingerprint TEXT;
CREATE UNIQUE INDEX users_cert_fingerprint ON users (cert_fingerprint);
)sql";

// Version 12: a user's access may end ('': it does not, as for every user added before).
const char* kMigration12 = R"sql(
ALTER TABLE users ADD COLUMN expires_at TEXT NOT NULL DEFAULT '';
)sql";

std::string JoinList(const std::vector<std::string>& roles) {
  std::string out;
  for (const auto& r : roles) out += (out.empty() ? "" : ",") + r;
  return out;
}

std::vector<std::string> SplitList(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    size_t comma = s.find(',');
    out.emplace_back(s.substr(0, comma));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

// Binds a ListQuery's parameters (list_sql.h) to a listing statement.
void BindList(SqliteStmt* q, const ListQuery& query, ListTable table) {
  q->BindText(1, query.org);
  q->BindInt(2, ListBeforeMs(query));
  q->BindText(3, query.before_id);
  q->BindInt(4, static_cast<int64_t>(query.limit));
  if (ListUsesStatus(query, table)) q->BindText(5, query.status);
  if (ListUsesSubject(query)) q->BindText(6, query.subject_tag);
}

}  // namespace

// --- the writer's transaction ------------------------------------------------------------

// The writer's statements, prepared once per store rather than once per batch.
struct SqliteWriterStatements {
  explicit SqliteWriterStatements(sqlite3* db)
      : put_entry(db, "INSERT INTO log_entries (idx, entry, leaf) VALUES (?, ?, ?)"),
        get_tile(db, "SELECT hashes FROM log_tiles WHERE id = ?"),
        put_tile(db, "INSERT OR REPLACE INTO log_tiles (id, hashes) VALUES (?, ?)"),
        get_open_tile(db, "SELECT hashes FROM log_open_tiles WHERE level = ? AND tile = ?"),
        put_open_tile(
            db, "INSERT OR REPLACE INTO log_open_tiles (level, tile, hashes) VALUES (?, ?, ?)"),
        drop_open_tile(db, "DELETE FROM log_open_tiles WHERE level = ?"),
        put_sth(db,
                "INSERT OR REPLACE INTO log_sth (tree_size, timestamp, root, signature) VALUES "
                "(?, ?, ?, ?)"),
        begin(db, "BEGIN IMMEDIATE"),
        commit(db, "COMMIT") {}
  Stmt put_entry, get_tile, put_tile, get_open_tile, put_open_tile, drop_open_tile, put_sth, begin,
      commit;
};

class SqliteWriteTransaction : public audit::LogWriteTransaction {
 public:
  explicit SqliteWriteTransaction(SqliteStore* store)
      : store_(store),
        lock_(store->mu_),
        statements_(store->WriterStatements()),
        put_entry_(statements_.put_entry),
        get_tile_(statements_.get_tile),
        put_tile_(statements_.put_tile),
        put_sth_(statements_.put_sth) {}
  SqliteWriteTransaction(const SqliteWriteTransaction&) = delete;
  SqliteWriteTransaction& operator=(const SqliteWriteTransaction&) = delete;

  Status Begin() {
    if (!put_entry_.ok() || !get_tile_.ok() || !put_tile_.ok() || !put_sth_.ok() ||
        !statements_.get_open_tile.ok() || !statements_.put_open_tile.ok() ||
        !statements_.drop_open_tile.ok() || !statements_.begin.ok() || !statements_.commit.ok())
      return store_->Error("preparing statements");
    const int rc = statements_.begin.Step();
    statements_.begin.Reset();
    if (rc != SQLITE_DONE) return store_->Error("beginning a write");
    open_ = true;
    store_->writing_ = true;
    auto n = store_->Size();
    if (!n.ok()) return n.status();
    size_ = *n;
    return Status::Ok();
  }

  ~SqliteWriteTransaction() override {
    if (open_) store_->Exec("ROLLBACK");
    store_->writing_ = false;
  }

  Result<uint64_t> Size() override { return size_; }

  Status PutEntry(uint64_t index, const std::string& encoded, const audit::Hash& leaf) override {
    if (index != size_) return Status::Internal("entries must be appended in order");
    put_entry_.BindInt(1, static_cast<int64_t>(index));
    put_entry_.BindStaticBlob(2, encoded.data(), encoded.size());  // both outlive the step
    put_entry_.BindStaticBlob(3, leaf.data(), leaf.size());
    int rc = put_entry_.Step();
    put_entry_.Reset();
    if (rc != SQLITE_DONE) return store_->Error("writing entry " + std::to_string(index));
    ++size_;
    // The leaf is also node (0, index): proofs then read the compact tiles only.
    return PutNode(0, index, leaf);
  }

  Status PutNode(int level, uint64_t index, const audit::Hash& hash) override {
    auto tile = Tile(level, index / kTileWidth);
    if (!tile.ok()) return tile.status();
    std::string& bytes = **tile;
    if (bytes.size() != (index % kTileWidth) * 32)
      return Status::Internal("subtree hashes must be put in order (level " +
                              std::to_string(level) + ", index " + std::to_string(index) + ")");
    bytes.append(reinterpret_cast<const char*>(hash.data()), hash.size());
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
    // Full tiles go to log_tiles; each level's last tile, when partial, to log_open_tiles.
    std::map<int, uint64_t> last;  // level -> the last tile written at it
    for (const auto& [key, bytes] : tiles_) {
      const int level = static_cast<int>(key >> 56);
      const uint64_t tile = key & ((uint64_t{1} << 56) - 1);
      auto [it, added] = last.try_emplace(level, tile);
      if (!added && tile > it->second) it->second = tile;
    }
    for (const auto& [key, bytes] : tiles_) {
      const int level = static_cast<int>(key >> 56);
      const uint64_t tile = key & ((uint64_t{1} << 56) - 1);
      if (bytes.size() != kTileBytes) {
        if (tile != last[level])
          return Status::Internal("subtree hashes: a partial tile before the last (level " +
                                  std::to_string(level) + ", tile " + std::to_string(tile) + ")");
        Stmt& put = statements_.put_open_tile;
        put.BindInt(1, level);
        put.BindInt(2, static_cast<int64_t>(tile));
        put.BindBlob(3, bytes.data(), bytes.size());
        int rc = put.Step();
        put.Reset();
        if (rc != SQLITE_DONE) return store_->Error("writing subtree hashes");
        continue;
      }
      put_tile_.BindInt(1, static_cast<int64_t>(TileRowId(level, tile)));
      put_tile_.BindBlob(2, bytes.data(), bytes.size());
      int rc = put_tile_.Step();
      put_tile_.Reset();
      if (rc != SQLITE_DONE) return store_->Error("writing subtree hashes");
      if (tile == last[level]) {  // the level's last tile is full: it has no partial one now
        Stmt& drop = statements_.drop_open_tile;
        drop.BindInt(1, level);
        rc = drop.Step();
        drop.Reset();
        if (rc != SQLITE_DONE) return store_->Error("writing subtree hashes");
      }
    }
    const int rc = statements_.commit.Step();
    statements_.commit.Reset();
    if (rc != SQLITE_DONE) return store_->Error("committing");
    open_ = false;
    return Status::Ok();
  }

  Result<audit::Hash> Node(int level, uint64_t index) const override {
    if (auto it = tiles_.find(TileKey(level, index / kTileWidth)); it != tiles_.end()) {
      const size_t at = (index % kTileWidth) * 32;
      if (it->second.size() >= at + 32) {
        audit::Hash h;
        std::memcpy(h.data(), it->second.data() + at, 32);
        return h;
      }
    }
    return store_->Node(level, index);  // committed before this transaction
  }

 private:
  // The tile being written at (level, tile): loaded once, kept until Commit() writes it.
  Result<std::string*> Tile(int level, uint64_t tile) {
    auto [it, added] = tiles_.try_emplace(TileKey(level, tile));
    if (added) {
      it->second.reserve(kTileBytes);
      // A tile being added to is the level's partial one (log_open_tiles), or new; a full
      // one found in log_tiles is kept so that PutNode() reports the misuse.
      get_tile_.BindInt(1, static_cast<int64_t>(TileRowId(level, tile)));
      int rc = get_tile_.Step();
      if (rc == SQLITE_ROW) {
        const void* p = sqlite3_column_blob(get_tile_.get(), 0);
        it->second.assign(static_cast<const char*>(p ? p : ""),
                          static_cast<size_t>(sqlite3_column_bytes(get_tile_.get(), 0)));
      }
      get_tile_.Reset();
      if (rc == SQLITE_DONE) {
        Stmt& open = statements_.get_open_tile;
        open.BindInt(1, level);
        open.BindInt(2, static_cast<int64_t>(tile));
        rc = open.Step();
        if (rc == SQLITE_ROW) {
          const void* p = sqlite3_column_blob(open.get(), 0);
          it->second.assign(static_cast<const char*>(p ? p : ""),
                            static_cast<size_t>(sqlite3_column_bytes(open.get(), 0)));
        }
        open.Reset();
      }
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        tiles_.erase(it);
        return store_->Error("reading subtree hashes");
      }
    }
    return &it->second;
  }

  SqliteStore* store_;
  std::unique_lock<std::recursive_mutex> lock_;
  SqliteWriterStatements& statements_;
  Stmt &put_entry_, &get_tile_, &put_tile_, &put_sth_;
  bool open_ = false;
  uint64_t size_ = 0;
  std::unordered_map<uint64_t, std::string> tiles_;  // tiles written in this transaction
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

// Nodes in the order verification wants them (by the last leaf they cover, then level),
// merged from one ordered read of the tiles per level.
class SqliteNodeCursor : public audit::NodeCursor {
 public:
  explicit SqliteNodeCursor(sqlite3* db) {
    Stmt levels(db,
                "SELECT MAX((SELECT COALESCE(63 - (MIN(id) >> 56), -1) FROM log_tiles), "
                "(SELECT COALESCE(MAX(level), -1) FROM log_open_tiles))");
    if (!levels.ok() || levels.Step() != SQLITE_ROW) {
      error_ = true;
      return;
    }
    const int top = std::min(sqlite3_column_int(levels.get(), 0), 62);
    for (int level = 0; level <= top; ++level) {
      auto stream = std::make_unique<Level>(db, level);
      if (!stream->stmt.ok() || !stream->open.ok()) {
        error_ = true;
        return;
      }
      stream->stmt.BindInt(1, static_cast<int64_t>(TileRowId(level, 0)));
      stream->stmt.BindInt(2, static_cast<int64_t>(TileRowId(level, 0) + (uint64_t{1} << 56)));
      stream->open.BindInt(1, level);
      streams_.push_back(std::move(stream));
    }
    heads_.assign(streams_.size(), UINT64_MAX);
  }

  Result<bool> Next(audit::StoredNode* out) override {
    if (error_) return Status::IoError("cannot read the log's subtree hashes");
    if (!started_) {
      for (size_t i = 0; i < streams_.size(); ++i)
        if (Status s = Advance(i); !s.ok()) return s;
      started_ = true;
    } else if (last_ < streams_.size()) {
      if (Status s = Advance(last_); !s.ok()) return s;
    }
    // The smallest last leaf; on a tie the lower level (scanned first) wins. Exhausted
    // streams hold UINT64_MAX, which no node has.
    size_t best = streams_.size();
    uint64_t best_leaf = UINT64_MAX;
    for (size_t i = 0; i < heads_.size(); ++i) {
      if (heads_[i] < best_leaf) {
        best = i;
        best_leaf = heads_[i];
      }
    }
    last_ = best;
    if (best == streams_.size()) return false;
    Level& l = *streams_[best];
    out->level = l.level;
    out->index = l.index;
    std::memcpy(out->hash.data(), l.bytes.data() + l.pos, 32);
    return true;
  }

 private:
  struct Level {
    Level(sqlite3* db, int l)
        : stmt(db, "SELECT id, hashes FROM log_tiles WHERE id >= ? AND id < ? ORDER BY id"),
          open(db, "SELECT (level << 56) | tile, hashes FROM log_open_tiles WHERE level = ?"),
          level(l) {}
    Stmt stmt;  // the level's full tiles, in order
    Stmt open;  // then its partial one
    bool in_open = false;
    int level;
    std::string bytes;  // the current tile
    size_t pos = 0;     // the next hash in it
    uint64_t index = 0;
    bool started = false, exhausted = false;
  };

  // Moves stream i to its next node (reading its next tile when the current one is used up)
  // and records that node's last leaf in heads_[i].
  Status Advance(size_t i) {
    Level& l = *streams_[i];
    if (l.exhausted) return Status::Ok();
    if (l.started) {
      l.pos += 32;
      ++l.index;
    }
    l.started = true;
    while (l.pos >= l.bytes.size()) {
      Stmt* q = l.in_open ? &l.open : &l.stmt;
      int rc = q->Step();
      if (rc == SQLITE_DONE && !l.in_open) {
        l.in_open = true;
        q = &l.open;
        rc = q->Step();
      }
      if (rc == SQLITE_DONE) {
        l.exhausted = true;
        heads_[i] = UINT64_MAX;
        return Status::Ok();
      }
      if (rc != SQLITE_ROW) return Status::IoError("reading the log's subtree hashes failed");
      const int64_t tile = sqlite3_column_int64(q->get(), 0) & ((int64_t{1} << 56) - 1);
      const void* p = sqlite3_column_blob(q->get(), 1);
      const size_t n = static_cast<size_t>(sqlite3_column_bytes(q->get(), 1));
      if (n % 32 != 0 || n > kTileBytes)
        return Status::Corruption("the subtree hashes at level " + std::to_string(l.level) +
                                  ", tile " + std::to_string(tile) + " are malformed (altered)");
      l.bytes.assign(static_cast<const char*>(p ? p : ""), n);
      l.pos = 0;
      l.index = static_cast<uint64_t>(tile) * kTileWidth;
    }
    heads_[i] = l.level < 63 && l.index < (uint64_t{1} << (63 - l.level))
                    ? ((l.index + 1) << l.level) - 1
                    : UINT64_MAX - 1;
    return Status::Ok();
  }

  std::vector<std::unique_ptr<Level>> streams_;
  std::vector<uint64_t> heads_;  // the last leaf of each stream's current node
  size_t last_ = 0;              // the stream whose node was handed out last
  bool started_ = false, error_ = false;
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
  vfs = WalBufferingVfs(vfs);  // one write call per commit for the WAL (wal_write_buffer.h)
  if (sqlite3_open_v2(path.c_str(), &db, flags, vfs) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::IoError(path + ": cannot open the store: " + msg);
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, path));
  sqlite3_busy_timeout(db, 30000);
  if (!exists) ::chmod(path.c_str(), 0600);  // personal data at rest: owner only
  // page_size applies to a new store only: 16 KiB pages put a batch of audit entries and its
  // subtree tiles in a few WAL frames instead of twenty. The 64 MiB page cache keeps the
  // B-tree's inner pages of a large log (beyond the 2 GiB that mmap covers) in memory for
  // proofs: with 2 MiB, a proof on a 10-million-entry log took 310 us instead of 60 (SQLite
  // walks the cache once per commit, which costs the writer about 1 to 3 us an entry).
  for (const char* pragma :
       {"PRAGMA page_size=16384", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
        "PRAGMA foreign_keys=ON", "PRAGMA mmap_size=2147418112", "PRAGMA cache_size=-65536"}) {
    if (Status s = store->Exec(pragma); !s.ok()) return s;
  }
  // Checkpoints run on a thread of their own rather than inside the committing writer's COMMIT
  // (this replaces SQLite's automatic checkpoint; wal_checkpointer.h).
  store->checkpointer_ = std::make_unique<WalCheckpointer>(path, vfs);
  sqlite3_wal_hook(
      db,
      [](void* self, sqlite3* db, const char*, int frames) {
        if (frames < kCheckpointFrames) return SQLITE_OK;
        WalCheckpointer& background = *static_cast<SqliteStore*>(self)->checkpointer_;
        // The background pass copies the bulk. A writer that never pauses keeps adding frames,
        // and the WAL restarts only once every frame is copied: so after each completed pass
        // the writer copies what was committed during it (little), and its next transaction
        // starts the WAL afresh. Past sixteen times the threshold it copies regardless.
        if (background.TakeCaughtUp() || frames >= 16 * kCheckpointFrames) {
          sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
          return SQLITE_OK;
        }
        background.Request();
        return SQLITE_OK;
      },
      store.get());
  if (Status s = store->Migrate(); !s.ok()) return s;
  return store;
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::OpenReadOnly(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return Status::NotFound(path + ": no store here (" +
                            (std::filesystem::exists(path, ec) ? "not a file" : "no such file") +
                            ")");
  // Without a -wal file no writer has the store open, and immutable reads it with no locks and
  // no -shm; otherwise the writer's -shm is shared, read-only.
  const bool idle = !std::filesystem::exists(path + "-wal", ec);
  std::string uri = "file:";
  for (char c : path) {
    if (c == '?' || c == '#' || c == '%') {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
      uri += hex;
    } else {
      uri += c;
    }
  }
  uri += idle ? "?mode=ro&immutable=1" : "?mode=ro";
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(uri.c_str(), &db,
                      SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::IoError(path + ": cannot open the store to read: " + msg);
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, path));
  sqlite3_busy_timeout(db, 5000);
  if (Status s = store->Exec("PRAGMA query_only=1"); !s.ok()) return s;
  auto version = store->SchemaVersion();  // also: is it a database, and a store
  if (!version.ok()) return version.status();
  return store;
}

SqliteStore::SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

SqliteWriterStatements& SqliteStore::WriterStatements() {
  if (!writer_statements_) writer_statements_ = std::make_unique<SqliteWriterStatements>(db_);
  return *writer_statements_;
}

SqliteStmt SqliteStore::Cached(const char* sql) const {
  auto [it, added] = statements_.try_emplace(sql, nullptr);
  int rc = SQLITE_OK;
  if (added) {
    rc = sqlite3_prepare_v2(db_, sql, -1, &it->second, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(it->second);
      statements_.erase(it);
      return Stmt(nullptr, rc);
    }
  }
  return Stmt(it->second, rc);
}

SqliteStore::~SqliteStore() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  // The checkpointer's connection closes first, so that closing db_ checkpoints and ends the WAL.
  checkpointer_.reset();
  writer_statements_.reset();  // finalised before the connection closes
  sqlite3_finalize(node_query_);
  sqlite3_finalize(open_node_query_);
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
  auto record = [&](int version) {
    return Exec(("INSERT INTO schema_migrations (version, applied_at) VALUES (" +
                 std::to_string(version) + ", strftime('%Y-%m-%dT%H:%M:%SZ','now'))")
                    .c_str());
  };
  const char* const migrations[] = {kMigration1, kMigration2,  kMigration3,  kMigration4,
                                    kMigration5, kMigration6,  kMigration7,  kMigration8,
                                    kMigration9, kMigration10, kMigration11, kMigration12};
  static_assert(std::size(migrations) == kSchemaVersion);
  for (int version = current + 1; version <= kSchemaVersion; ++version) {
    if (Status s = Exec(migrations[version - 1]); !s.ok()) return rollback(s);
    if (version == 2)
      if (Status s = MoveNodesIntoTiles(); !s.ok()) return rollback(s);
    if (Status s = record(version); !s.ok()) return rollback(s);
  }
  return Exec("COMMIT");
}

// Migration 2's data step: every row of log_nodes (version 1) into its tile, in order.
Status SqliteStore::MoveNodesIntoTiles() {
  {
    Stmt read(db_, "SELECT last_leaf, level, hash FROM log_nodes ORDER BY level, last_leaf");
    Stmt put(db_, "INSERT INTO log_tiles (id, hashes) VALUES (?, ?)");
    if (!read.ok() || !put.ok()) return Error("preparing the move to tiles");
    int level = -1;
    uint64_t tile = 0;
    std::string bytes;
    auto flush = [&]() -> Status {
      if (bytes.empty()) return Status::Ok();
      put.BindInt(1, static_cast<int64_t>(TileKey(level, tile)));
      put.BindBlob(2, bytes.data(), bytes.size());
      int rc = put.Step();
      put.Reset();
      bytes.clear();
      return rc == SQLITE_DONE ? Status::Ok() : Error("writing subtree hash tiles");
    };
    for (int rc; (rc = read.Step()) == SQLITE_ROW;) {
      const int l = sqlite3_column_int(read.get(), 1);
      const uint64_t last = static_cast<uint64_t>(sqlite3_column_int64(read.get(), 0));
      const uint64_t index = l >= 0 && l < 63 ? ((last + 1) >> l) - 1 : 0;
      audit::Hash h;
      if (l < 0 || l >= 63 || !ReadHash(read.get(), 2, &h))
        return Status::Corruption(path_ + ": a malformed subtree hash row in log_nodes (level " +
                                  std::to_string(l) + "); nothing was changed");
      if (l != level || index / kTileWidth != tile) {
        if (Status s = flush(); !s.ok()) return s;
        level = l;
        tile = index / kTileWidth;
      }
      if (bytes.size() != (index % kTileWidth) * 32)
        return Status::Corruption(path_ + ": log_nodes is missing the subtree hash before level " +
                                  std::to_string(l) + " index " + std::to_string(index) +
                                  "; nothing was changed (run audit verify with the old version)");
      bytes.append(reinterpret_cast<const char*>(h.data()), 32);
    }
    if (Status s = flush(); !s.ok()) return s;
  }
  return Exec("DROP TABLE log_nodes");
}

Status SqliteStore::PutRequest(const ShareRequest& r) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Stmt s = Cached(
      "INSERT INTO requests (id, at_ms, from_org, from_user, to_org, protocol, version, "
      "purpose, audit_reference, data, allowed_fields, subject_tag, status, decision_index, "
      "closed_at_ms, closed_by, decline_reason, disclosure_id, nonce, ciphertext, wrapped_key) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "?, ?, ?, ?, ?, ?)");
  if (!s.ok()) return Error("preparing");
  s.BindText(1, r.id);
  s.BindInt(2, r.at_ms);
  s.BindText(3, r.from_org);
  s.BindText(4, r.from_user);
  s.BindText(5, r.to_org);
  s.BindText(6, r.protocol);
  s.BindText(7, r.version);
  s.BindText(8, r.purpose);
  s.BindText(9, r.audit_reference);
  s.BindText(10, JoinList(r.data));
  s.BindText(11, JoinList(r.allowed_fields));
  s.BindText(12, r.subject_tag);
  s.BindText(13, r.status);
  s.BindInt(14, static_cast<int64_t>(r.decision_index));
  s.BindInt(15, r.closed_at_ms);
  s.BindText(16, r.closed_by);
  s.BindText(17, r.decline_reason);
  s.BindText(18, r.disclosure_id);
  s.BindBlob(19, r.nonce.data(), r.nonce.size());
  s.BindBlob(20, r.ciphertext.data(), r.ciphertext.size());
  s.BindBlob(21, r.wrapped_key.data(), r.wrapped_key.size());
  int rc = s.Step();
  if (rc == SQLITE_CONSTRAINT)
    return Status::AlreadyExists("request " + r.id + " already exists; nothing was changed");
  if (rc != SQLITE_DONE) return Error("storing request " + r.id);
  return Status::Ok();
}

namespace {
ShareRequest ReadRequest(sqlite3_stmt* q) {
  auto text = [q](int i) { return ColumnText(q, i); };
  auto blob = [q](int i) { return ColumnBlob(q, i); };
  ShareRequest r;
  r.id = text(0);
  r.at_ms = sqlite3_column_int64(q, 1);
  r.from_org = text(2);
  r.from_user = text(3);
  r.to_org = text(4);
  r.protocol = text(5);
  r.version = text(6);
  r.purpose = text(7);
  r.audit_reference = text(8);
  r.data = SplitList(text(9));
  r.allowed_fields = SplitList(text(10));
  r.subject_tag = text(11);
  r.status = text(12);
  r.decision_index = static_cast<uint64_t>(sqlite3_column_int64(q, 13));
  r.closed_at_ms = sqlite3_column_int64(q, 14);
  r.closed_by = text(15);
  r.decline_reason = text(16);
  r.disclosure_id = text(17);
  r.nonce = blob(18);
  r.ciphertext = blob(19);
  r.wrapped_key = blob(20);
  return r;
}
}  // namespace

Result<std::vector<ShareRequest>> SqliteStore::RequestsOf(const ListQuery& query) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  const std::string sql = ListSql(query, ListTable::kRequests, SqlDialect::kSqlite);
  Stmt q = Cached(sql.c_str());
  if (!q.ok()) return Error("preparing");
  BindList(&q, query, ListTable::kRequests);
  std::vector<ShareRequest> out;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) out.push_back(ReadRequest(q.get()));
  if (rc != SQLITE_DONE) return Error("reading requests");
  return out;
}

Result<std::optional<ShareRequest>> SqliteStore::RequestById(const std::string& id) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  static const std::string sql =
      "SELECT " + std::string(kRequestColumns) + " FROM requests WHERE id = ?";
  Stmt q = Cached(sql.c_str());
  if (!q.ok()) return Error("preparing");
  q.BindText(1, id);
  int rc = q.Step();
  if (rc == SQLITE_DONE) return std::optional<ShareRequest>();
  if (rc != SQLITE_ROW) return Error("reading request " + id);
  return std::optional<ShareRequest>(ReadRequest(q.get()));
}

Status SqliteStore::CloseRequest(const std::string& id, const std::string& status,
                                 int64_t closed_at_ms, const std::string& closed_by,
                                 const std::string& decline_reason,
                                 const std::string& disclosure_id) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Stmt s = Cached(
      "UPDATE requests SET status = ?, closed_at_ms = ?, closed_by = ?, decline_reason = "
      "?, disclosure_id = ? WHERE id = ? AND status = 'open'");
  if (!s.ok()) return Error("preparing");
  s.BindText(1, status);
  s.BindInt(2, closed_at_ms);
  s.BindText(3, closed_by);
  s.BindText(4, decline_reason);
  s.BindText(5, disclosure_id);
  s.BindText(6, id);
  if (s.Step() != SQLITE_DONE) return Error("closing request " + id);
  if (sqlite3_changes(db_) != 1)
    return Status::AlreadyExists("request " + id + " is not open; nothing was changed");
  return Status::Ok();
}

Status SqliteStore::PutDisclosure(const Disclosure& d) {
  const std::string fields = JoinList(d.fields);
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Stmt s = Cached(
      "INSERT INTO disclosures (id, at_ms, from_org, to_org, to_user, protocol, version, "
      "subject_tag, fields, retain_until, nonce, ciphertext, wrapped_key, audit_index) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!s.ok()) return Error("preparing");
  // Bound without copies: `d` and `fields` outlive the statement's step and its reset (when `s`
  // goes, first). The log's writer stores one of these per look-up.
  s.BindStaticText(1, d.id);
  s.BindInt(2, d.at_ms);
  s.BindStaticText(3, d.from_org);
  s.BindStaticText(4, d.to_org);
  s.BindStaticText(5, d.to_user);
  s.BindStaticText(6, d.protocol);
  s.BindStaticText(7, d.version);
  s.BindStaticText(8, d.subject_tag);
  s.BindStaticText(9, fields);
  s.BindStaticText(10, d.retain_until);
  s.BindStaticBlob(11, d.nonce.data(), d.nonce.size());
  s.BindStaticBlob(12, d.ciphertext.data(), d.ciphertext.size());
  s.BindStaticBlob(13, d.wrapped_key.data(), d.wrapped_key.size());
  s.BindInt(14, static_cast<int64_t>(d.audit_index));
  int rc = s.Step();
  if (rc == SQLITE_CONSTRAINT)
    return Status::AlreadyExists("disclosure " + d.id + " already exists; nothing was changed");
  if (rc != SQLITE_DONE) return Error("storing disclosure " + d.id);
  return Status::Ok();
}

namespace {
Disclosure ReadDisclosure(sqlite3_stmt* q, bool content) {
  auto text = [q](int i) { return ColumnText(q, i); };
  auto blob = [q](int i) { return ColumnBlob(q, i); };
  Disclosure d;
  d.id = text(0);
  d.at_ms = sqlite3_column_int64(q, 1);
  d.from_org = text(2);
  d.to_org = text(3);
  d.to_user = text(4);
  d.protocol = text(5);
  d.version = text(6);
  d.subject_tag = text(7);
  d.fields = SplitList(text(8));
  d.retain_until = text(9);
  d.audit_index = static_cast<uint64_t>(sqlite3_column_int64(q, 10));
  if (content) {
    d.nonce = blob(11);
    d.ciphertext = blob(12);
    d.wrapped_key = blob(13);
  }
  return d;
}
}  // namespace

Result<std::vector<Disclosure>> SqliteStore::DisclosuresOf(const ListQuery& query) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  const std::string sql = ListSql(query, ListTable::kDisclosures, SqlDialect::kSqlite);
  Stmt q = Cached(sql.c_str());
  if (!q.ok()) return Error("preparing");
  BindList(&q, query, ListTable::kDisclosures);
  std::vector<Disclosure> out;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) out.push_back(ReadDisclosure(q.get(), false));
  if (rc != SQLITE_DONE) return Error("reading disclosures");
  return out;
}

Result<std::optional<Disclosure>> SqliteStore::DisclosureById(const std::string& id) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Stmt q = Cached(
      "SELECT id, at_ms, from_org, to_org, to_user, protocol, version, subject_tag, fields, "
      "retain_until, audit_index, nonce, ciphertext, wrapped_key FROM disclosures WHERE id = ?");
  if (!q.ok()) return Error("preparing");
  q.BindText(1, id);
  int rc = q.Step();
  if (rc == SQLITE_DONE) return std::optional<Disclosure>();
  if (rc != SQLITE_ROW) return Error("reading disclosure " + id);
  return std::optional<Disclosure>(ReadDisclosure(q.get(), true));
}

Status SqliteStore::AddUser(const User& user) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Stmt s = Cached(
      "INSERT INTO users (id, organisation, name, roles, token_hash, cert_fingerprint, created_at, "
      "expires_at) VALUES (?, ?, ?, ?, ?, NULLIF(?, ''), strftime('%Y-%m-%dT%H:%M:%SZ','now'), ?)");
  if (!s.ok()) return Error("preparing");
  s.BindText(1, user.id);
  s.BindText(2, user.organisation);
  s.BindText(3, user.name);
  s.BindText(4, JoinList(user.roles));
  s.BindText(5, user.token_hash);
  s.BindText(6, user.certificate);
  s.BindText(7, user.expires_at);
  int rc = s.Step();
  if (rc == SQLITE_CONSTRAINT)
    return Status::AlreadyExists(
        "user " + user.id + " already exists" +
        (user.certificate.empty() ? std::string() : ", or another user has that certificate") +
        "; nothing was changed");
  if (rc != SQLITE_DONE) return Error("adding user " + user.id);
  return Status::Ok();
}

namespace {
// The columns ReadUser reads, in its order.
constexpr const char* kUserSelect =
    "SELECT id, organisation, name, roles, token_hash, created_at, revoked_at, "
    "COALESCE(cert_fingerprint, ''), expires_at FROM users ";

User ReadUser(sqlite3_stmt* s) {
  User u;
  u.id = ColumnText(s, 0);
  u.organisation = ColumnText(s, 1);
  u.name = ColumnText(s, 2);
  u.roles = SplitList(ColumnText(s, 3));
  u.token_hash = ColumnText(s, 4);
  u.created_at = ColumnText(s, 5);
  u.revoked_at = ColumnText(s, 6);
  u.certificate = ColumnText(s, 7);
  u.expires_at = ColumnText(s, 8);
  return u;
}
}  // namespace

Result<std::optional<User>> SqliteStore::UserWhere(const std::string& column,
                                                   const std::string& value) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Stmt s = Cached((std::string(kUserSelect) + "WHERE " + column + " = ?").c_str());
  if (!s.ok()) return Error("preparing");
  s.BindText(1, value);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<User>();
  if (rc != SQLITE_ROW) return Error("reading users");
  return std::optional<User>(ReadUser(s.get()));
}

Result<std::optional<User>> SqliteStore::UserByTokenHash(const std::string& token_hash) {
  return UserWhere("token_hash", token_hash);
}

Result<std::optional<User>> SqliteStore::UserByCertificate(const std::string& fingerprint) {
  return UserWhere("cert_fingerprint", fingerprint);
}

Result<std::vector<User>> SqliteStore::Users() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Stmt s = Cached((std::string(kUserSelect) + "ORDER BY organisation, id").c_str());
  if (!s.ok()) return Error("preparing");
  std::vector<User> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadUser(s.get()));
  if (rc != SQLITE_DONE) return Error("reading users");
  return out;
}

Status SqliteStore::RevokeUser(const std::string& id) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Stmt s = Cached(
      "UPDATE users SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ? AND "
      "revoked_at = ''");
  if (!s.ok()) return Error("preparing");
  s.BindText(1, id);
  if (s.Step() != SQLITE_DONE) return Error("revoking user " + id);
  if (sqlite3_changes(db_) == 1) return Status::Ok();
  return UserUnchanged(id, RevokedAt(id), /*revoke=*/true);
}

Status SqliteStore::ReplaceToken(const std::string& id, const std::string& token_hash,
                                 const std::string& expires_at) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Stmt s =
      Cached("UPDATE users SET token_hash = ?, expires_at = ? WHERE id = ? AND revoked_at = ''");
  if (!s.ok()) return Error("preparing");
  s.BindText(1, token_hash);
  s.BindText(2, expires_at);
  s.BindText(3, id);
  if (s.Step() != SQLITE_DONE) return Error("replacing the token of user " + id);
  if (sqlite3_changes(db_) == 1) return Status::Ok();
  return UserUnchanged(id, RevokedAt(id), /*revoke=*/false);
}

Result<std::optional<std::string>> SqliteStore::RevokedAt(const std::string& id) {
  Stmt known = Cached("SELECT revoked_at FROM users WHERE id = ?");
  if (!known.ok()) return Error("preparing");
  known.BindText(1, id);
  const int rc = known.Step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return Error("reading users");
  return std::optional<std::string>(ColumnText(known.get(), 0));
}

int SqliteStore::LatestSchemaVersion() const {
  return kSchemaVersion;
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
  Stmt s(db_,
         "INSERT INTO protocol_versions (id, version, hash, canonical) VALUES (?, ?, ?, ?) "
         "ON CONFLICT (id, version) DO NOTHING");
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
  Stmt s = Cached("SELECT hash FROM protocol_versions WHERE id = ? AND version = ?");
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
  Stmt q = Cached("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries");
  if (!q.ok() || q.Step() != SQLITE_ROW) return Error("reading the log size");
  return static_cast<uint64_t>(sqlite3_column_int64(q.get(), 0));
}

Result<audit::StoredEntry> SqliteStore::Entry(uint64_t index) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  Stmt q = Cached("SELECT entry, leaf FROM log_entries WHERE idx = ?");
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

// One read transaction for the scope's life (the connection is held meanwhile). Inside a
// write transaction it adds nothing: the reads already share that one.
class SqliteReadScope : public audit::NodeSource::ReadScope {
 public:
  explicit SqliteReadScope(const SqliteStore* store) : store_(store), lock_(store->mu_) {
    if (sqlite3_get_autocommit(store_->db_) && store_->Exec("BEGIN").ok()) open_ = true;
  }
  ~SqliteReadScope() override {
    if (open_) store_->Exec("COMMIT");
  }

 private:
  const SqliteStore* store_;
  std::unique_lock<std::recursive_mutex> lock_;
  bool open_ = false;
};

std::unique_ptr<audit::NodeSource::ReadScope> SqliteStore::OpenReadScope() const {
  return std::make_unique<SqliteReadScope>(this);
}

Result<audit::Hash> SqliteStore::Node(int level, uint64_t index) const {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  const uint64_t key = TileKey(level, index / kTileWidth);
  const size_t at = (index % kTileWidth) * 32;
  audit::Hash h;
  if (auto it = full_tiles_.find(key); it != full_tiles_.end()) {
    std::memcpy(h.data(), it->second.data() + at, 32);
    return h;
  }
  // A full tile (log_tiles), else the level's partial one (log_open_tiles). The statements
  // are prepared once and kept (a proof reads a node per level).
  if (!node_query_)
    sqlite3_prepare_v2(db_, "SELECT hashes FROM log_tiles WHERE id = ?", -1, &node_query_, nullptr);
  if (!open_node_query_)
    sqlite3_prepare_v2(db_, "SELECT hashes FROM log_open_tiles WHERE level = ? AND tile = ?", -1,
                       &open_node_query_, nullptr);
  if (!node_query_ || !open_node_query_) return Error("preparing a subtree hash query");
  struct Resetting {
    sqlite3_stmt* s;
    ~Resetting() { sqlite3_reset(s); }
  } full{node_query_}, open{open_node_query_};
  sqlite3_stmt* q = node_query_;
  sqlite3_bind_int64(q, 1, static_cast<int64_t>(TileRowId(level, index / kTileWidth)));
  int rc = sqlite3_step(q);
  if (rc == SQLITE_DONE) {
    q = open_node_query_;
    sqlite3_bind_int(q, 1, level);
    sqlite3_bind_int64(q, 2, static_cast<int64_t>(index / kTileWidth));
    rc = sqlite3_step(q);
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Error("reading a subtree hash");
  const size_t n = rc == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_BLOB
                       ? static_cast<size_t>(sqlite3_column_bytes(q, 0))
                       : 0;
  const char* bytes = n ? static_cast<const char*>(sqlite3_column_blob(q, 0)) : nullptr;
  if (n < at + 32)
    return Status::Corruption("the subtree hash at level " + std::to_string(level) + " index " +
                              std::to_string(index) + " is missing from " + path_);
  std::memcpy(h.data(), bytes + at, 32);
  // A full tile never changes once committed; keep the upper levels' (few, and on every
  // proof's path). Nothing is kept while a write is open: it may still roll back.
  if (q == node_query_ && n == kTileBytes && level >= kCachedFromLevel && !writing_ &&
      full_tiles_.size() < kMaxCachedTiles) {
    std::array<uint8_t, kTileBytes> tile;
    std::memcpy(tile.data(), bytes, kTileBytes);
    full_tiles_.emplace(key, tile);
  }
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
  Stmt q = Cached("SELECT tree_size, timestamp, root, signature FROM log_sth ORDER BY tree_size");
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
