#include "store/postgres/postgres_store.h"

#include <cstring>
#include <iterator>

#include "base/one_line.h"
#include "store/list_sql.h"

namespace concordat::store {
namespace {

constexpr int kSchemaVersion = 9;  // the latest migration below

// A ListQuery's parameters (list_sql.h), as text.
std::vector<std::string> ListParams(const ListQuery& q, ListTable table) {
  std::vector<std::string> p = {q.org, std::to_string(ListBeforeMs(q)), q.before_id,
                                std::to_string(q.limit)};
  if (ListUsesStatus(q, table)) p.push_back(q.status);
  if (ListUsesSubject(q)) p.push_back(q.subject_tag);
  return p;
}

// Lists (roles, fields, categories) are kept as comma-separated text.
std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ",") + x;
  return out;
}
std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  for (size_t start = 0; start < s.size();) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

constexpr int64_t kWriterLock = 0x436f6e636f7264;  // "Concord": the log's writer lock

// Version 2: the people who use the server.
const char* kMigration2 = R"sql(
CREATE TABLE users (
  id           TEXT PRIMARY KEY,
  organisation TEXT NOT NULL,
  name         TEXT NOT NULL,
  roles        TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
)sql";

// Version 3: disclosures, their content encrypted (see store.h).
const char* kMigration3 = R"sql(
CREATE TABLE disclosures (
  id           TEXT PRIMARY KEY,
  at_ms        BIGINT NOT NULL,
  from_org     TEXT NOT NULL,
  to_org       TEXT NOT NULL,
  to_user      TEXT NOT NULL,
  protocol     TEXT NOT NULL,
  version      TEXT NOT NULL,
  subject_tag  TEXT NOT NULL,
  fields       TEXT NOT NULL,
  retain_until TEXT NOT NULL,
  nonce        BYTEA NOT NULL,
  ciphertext   BYTEA NOT NULL,
  wrapped_key  BYTEA NOT NULL,
  audit_index  BIGINT NOT NULL
);
CREATE INDEX disclosures_from ON disclosures (from_org, at_ms);
CREATE INDEX disclosures_to ON disclosures (to_org, at_ms);
CREATE INDEX disclosures_subject ON disclosures (subject_tag);
)sql";

// Version 4: requests between partners.
const char* kMigration4 = R"sql(
CREATE TABLE requests (
  id              TEXT PRIMARY KEY,
  at_ms           BIGINT NOT NULL,
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
  nonce           BYTEA NOT NULL,
  ciphertext      BYTEA NOT NULL,
  wrapped_key     BYTEA NOT NULL,
  status          TEXT NOT NULL,
  decision_index  BIGINT NOT NULL,
  closed_at_ms    BIGINT NOT NULL,
  closed_by       TEXT NOT NULL,
  decline_reason  TEXT NOT NULL,
  disclosure_id   TEXT NOT NULL
);
CREATE INDEX requests_from ON requests (from_org, at_ms);
CREATE INDEX requests_to ON requests (to_org, at_ms);
)sql";

// Version 5: a user's token can be revoked.
const char* kMigration5 = R"sql(
ALTER TABLE users ADD COLUMN revoked_at TIMESTAMPTZ;
)sql";

// Version 6: no index on disclosures.subject_tag (see Disclosure in store.h).
const char* kMigration6 = R"sql(
DROP INDEX IF EXISTS disclosures_subject;
)sql";

// Version 7: a provider's open requests are found without reading its closed ones.
const char* kMigration7 = R"sql(
CREATE INDEX IF NOT EXISTS requests_from_status ON requests (from_org, status, at_ms);
CREATE INDEX IF NOT EXISTS requests_to_status ON requests (to_org, status, at_ms);
)sql";

// Version 8: a user may sign in with a client certificate (NULL: none; unique otherwise).
const char* kMigration8 = R"sql(
ALTER TABLE users ADD COLUMN cert_fingerprint TEXT UNIQUE;
)sql";

// Version 9: a user's access may end ('': it does not, as for every user added before).
const char* kMigration9 = R"sql(
ALTER TABLE users ADD COLUMN expires_at TEXT NOT NULL DEFAULT '';
)sql";

const char* kMigration1 = R"sql(
CREATE TABLE log_entries (
  idx   BIGINT PRIMARY KEY,
  entry BYTEA NOT NULL,
  leaf  BYTEA NOT NULL
);
CREATE TABLE log_nodes (
  last_leaf BIGINT NOT NULL,
  level     INTEGER NOT NULL,
  hash      BYTEA NOT NULL,
  PRIMARY KEY (last_leaf, level)
);
CREATE TABLE log_sth (
  tree_size BIGINT PRIMARY KEY,
  timestamp BIGINT NOT NULL,
  root      BYTEA NOT NULL,
  signature BYTEA NOT NULL
);
CREATE TABLE protocol_versions (
  id        TEXT NOT NULL,
  version   TEXT NOT NULL,
  hash      TEXT NOT NULL,
  canonical TEXT NOT NULL,
  PRIMARY KEY (id, version)
);
)sql";

uint64_t LastLeaf(int level, uint64_t index) {
  return ((index + 1) << level) - 1;
}

struct Res {
  PGresult* r;
  explicit Res(PGresult* p) : r(p) {}
  ~Res() { PQclear(r); }
};

int64_t GetInt(PGresult* r, int row, int col) {  // binary int8 or int4
  const char* p = PQgetvalue(r, row, col);
  int len = PQgetlength(r, row, col);
  uint64_t v = 0;
  for (int i = 0; i < len; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  if (len == 4) return static_cast<int32_t>(v);
  return static_cast<int64_t>(v);
}

bool GetHash(PGresult* r, int row, int col, audit::Hash* out) {
  if (PQgetlength(r, row, col) != 32) return false;
  std::memcpy(out->data(), PQgetvalue(r, row, col), 32);
  return true;
}

std::string Hex(const void* p, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string s = "\\\\x";
  const auto* b = static_cast<const uint8_t*>(p);
  for (size_t i = 0; i < n; ++i) {
    s.push_back(kHex[b[i] >> 4]);
    s.push_back(kHex[b[i] & 15]);
  }
  return s;
}

// COPY text format: escape backslash, tab, newline, carriage return.
void AppendCopyBytea(std::string* o, const void* p, size_t n) {
  o->append(Hex(p, n));
}

}  // namespace

// --- the writer's transaction --------------------------------------------------------------

class PgWriteTransaction : public audit::LogWriteTransaction {
 public:
  explicit PgWriteTransaction(PostgresStore* s) : store_(s), lock_(s->Lock()) {}
  ~PgWriteTransaction() override {
    if (open_) store_->Exec("ROLLBACK");
    store_->subtree_cache_.set_writing(false);
  }

  Status Begin() {
    if (Status s = store_->Exec("BEGIN"); !s.ok()) return s;
    open_ = true;
    store_->subtree_cache_.set_writing(true);
    if (Status s =
            store_->Exec("SELECT pg_advisory_xact_lock(" + std::to_string(kWriterLock) + ")");
        !s.ok())
      return s;
    auto n = store_->Size();
    if (!n.ok()) return n.status();
    size_ = *n;
    return Status::Ok();
  }

  Result<uint64_t> Size() override { return size_; }

  Status PutEntry(uint64_t index, const std::string& encoded, const audit::Hash& leaf) override {
    if (index != size_) return Status::Internal("entries must be appended in order");
    entries_ += std::to_string(index);
    entries_ += '\t';
    AppendCopyBytea(&entries_, encoded.data(), encoded.size());
    entries_ += '\t';
    AppendCopyBytea(&entries_, leaf.data(), leaf.size());
    entries_ += '\n';
    ++size_;
    return PutNode(0, index, leaf);  // the leaf is also node (0, index)
  }

  Status PutNode(int level, uint64_t index, const audit::Hash& hash) override {
    nodes_ += std::to_string(LastLeaf(level, index));
    nodes_ += '\t';
    nodes_ += std::to_string(level);
    nodes_ += '\t';
    AppendCopyBytea(&nodes_, hash.data(), hash.size());
    nodes_ += '\n';
    pending_[{level, index}] = hash;
    return Status::Ok();
  }

  Status PutSth(const audit::SignedTreeHead& sth) override {
    sth_ = "INSERT INTO log_sth (tree_size, timestamp, root, signature) VALUES (" +
           std::to_string(sth.tree_size) + ", " + std::to_string(sth.timestamp_ms) + ", '" +
           Hex(sth.root.data(), 32).substr(1) + "', '" + Hex(sth.signature.data(), 64).substr(1) +
           "') ON CONFLICT (tree_size) DO UPDATE SET timestamp = "
           "EXCLUDED.timestamp, root = EXCLUDED.root, signature = EXCLUDED.signature";
    return Status::Ok();
  }

  Status Commit() override {
    if (Status s = Copy("COPY log_entries (idx, entry, leaf) FROM STDIN", entries_); !s.ok())
      return s;
    if (Status s = Copy("COPY log_nodes (last_leaf, level, hash) FROM STDIN", nodes_); !s.ok())
      return s;
    if (!sth_.empty())
      if (Status s = store_->Exec(sth_); !s.ok()) return s;
    Status s = store_->Exec("COMMIT");
    if (s.ok()) open_ = false;
    return s;
  }

  Result<audit::Hash> Node(int level, uint64_t index) const override {
    if (auto it = pending_.find({level, index}); it != pending_.end()) return it->second;
    return store_->Node(level, index);
  }

 private:
  Status Copy(const char* sql, const std::string& data) {
    if (data.empty()) return Status::Ok();
    Res start(PQexec(store_->conn_, sql));
    if (PQresultStatus(start.r) != PGRES_COPY_IN) return store_->Error("starting COPY");
    if (PQputCopyData(store_->conn_, data.data(), static_cast<int>(data.size())) != 1 ||
        PQputCopyEnd(store_->conn_, nullptr) != 1)
      return store_->Error("sending COPY data");
    Res end(PQgetResult(store_->conn_));
    if (PQresultStatus(end.r) != PGRES_COMMAND_OK) return store_->Error("COPY");
    while (PGresult* extra = PQgetResult(store_->conn_)) PQclear(extra);
    return Status::Ok();
  }

  PostgresStore* store_;
  std::unique_lock<std::recursive_mutex> lock_;
  bool open_ = false;
  uint64_t size_ = 0;
  std::string entries_, nodes_, sth_;
  std::map<std::pair<int, uint64_t>, audit::Hash> pending_;
};

// --- cursors: keyset pagination, 10,000 rows a page ---------------------------------------

class PgEntryCursor : public audit::EntryCursor {
 public:
  PgEntryCursor(const PostgresStore* s, uint64_t begin) : store_(s), next_(begin) {}
  ~PgEntryCursor() override { PQclear(page_); }
  Result<bool> Next(audit::StoredEntry* out) override {
    if (!page_ || row_ >= PQntuples(page_)) {
      if (done_) return false;
      PQclear(page_);
      page_ = nullptr;
      auto r = store_->Query(
          "SELECT idx, entry, leaf FROM log_entries WHERE idx >= $1 ORDER BY idx LIMIT 10000",
          {std::to_string(next_)});
      if (!r.ok()) return r.status();
      page_ = *r;
      row_ = 0;
      if (PQntuples(page_) < 10000) done_ = true;
      if (PQntuples(page_) == 0) return false;
    }
    out->index = static_cast<uint64_t>(GetInt(page_, row_, 0));
    out->encoded.assign(PQgetvalue(page_, row_, 1),
                        static_cast<size_t>(PQgetlength(page_, row_, 1)));
    if (!GetHash(page_, row_, 2, &out->leaf)) out->leaf.fill(0);
    next_ = out->index + 1;
    ++row_;
    return true;
  }

 private:
  const PostgresStore* store_;
  uint64_t next_;
  PGresult* page_ = nullptr;
  int row_ = 0;
  bool done_ = false;
};

class PgNodeCursor : public audit::NodeCursor {
 public:
  explicit PgNodeCursor(const PostgresStore* s) : store_(s) {}
  ~PgNodeCursor() override { PQclear(page_); }
  Result<bool> Next(audit::StoredNode* out) override {
    if (!page_ || row_ >= PQntuples(page_)) {
      if (done_) return false;
      PQclear(page_);
      page_ = nullptr;
      auto r = store_->Query(
          "SELECT last_leaf, level, hash FROM log_nodes WHERE (last_leaf, level) > ($1::bigint, "
          "$2::int) "
          "ORDER BY last_leaf, level LIMIT 10000",
          {std::to_string(last_leaf_), std::to_string(level_)});
      if (!r.ok()) return r.status();
      page_ = *r;
      row_ = 0;
      if (PQntuples(page_) < 10000) done_ = true;
      if (PQntuples(page_) == 0) return false;
    }
    last_leaf_ = GetInt(page_, row_, 0);
    level_ = static_cast<int>(GetInt(page_, row_, 1));
    out->level = level_;
    out->index =
        level_ >= 0 && level_ < 64 ? ((static_cast<uint64_t>(last_leaf_) + 1) >> level_) - 1 : 0;
    if (!GetHash(page_, row_, 2, &out->hash)) out->hash.fill(0);
    ++row_;
    return true;
  }

 private:
  const PostgresStore* store_;
  int64_t last_leaf_ = -1;
  int level_ = -1;
  PGresult* page_ = nullptr;
  int row_ = 0;
  bool done_ = false;
};

// --- the store -----------------------------------------------------------------------------

// Connects; with `existing`, also requires a Concordat store to be there already.
Result<std::unique_ptr<PostgresStore>> PostgresStore::Connect(const std::string& url,
                                                              bool existing) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = OneLine(PQerrorMessage(conn));
    PQfinish(conn);
    return Status::IoError("cannot connect to the PostgreSQL store: " + msg);
  }
  std::unique_ptr<PostgresStore> s(new PostgresStore(conn, url));
  if (Status st = s->SetUpSession(); !st.ok()) return st;
  if (existing) {
    auto r = s->Query("SELECT to_regclass('schema_migrations') IS NOT NULL", {});
    if (!r.ok()) return r.status();
    Res res(*r);
    if (PQntuples(res.r) != 1 || PQgetvalue(res.r, 0, 0)[0] == 0)
      return Status::NotFound(
          "the PostgreSQL database has no Concordat store (run concordat init --store URL)");
  }
  return s;
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& url, bool create) {
  auto s = Connect(url, !create);
  if (!s.ok()) return s.status();
  if (Status st = (*s)->Migrate(); !st.ok()) return st;
  return s;
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::OpenReadOnly(const std::string& url) {
  auto s = Connect(url, true);
  if (!s.ok()) return s.status();
  (*s)->read_only_ = true;
  if (Status st = (*s)->SetUpSession(); !st.ok()) return st;
  return s;
}

PostgresStore::~PostgresStore() {
  PQfinish(conn_);
}

Status PostgresStore::SetUpSession() const {
  if (Status s = Exec("SET client_min_messages = warning"); !s.ok()) return s;
  if (read_only_) return Exec("SET default_transaction_read_only = on");
  return Status::Ok();
}

std::unique_lock<std::recursive_mutex> PostgresStore::Lock() const {
  std::unique_lock<std::recursive_mutex> lock(mu_);
  // A reset that fails leaves the connection bad: this operation fails with libpq's reason,
  // and the next one tries again.
  if (PQstatus(conn_) == CONNECTION_BAD || !session_set_up_) {
    if (PQstatus(conn_) == CONNECTION_BAD) PQreset(conn_);
    session_set_up_ = PQstatus(conn_) == CONNECTION_OK && SetUpSession().ok();
  }
  return lock;
}

Status PostgresStore::Error(const std::string& what) const {
  std::string msg = OneLine(PQerrorMessage(conn_));
  return Status::IoError("PostgreSQL store: " + what + ": " + msg);
}

Status PostgresStore::Exec(const std::string& sql) const {
  Res r(PQexec(conn_, sql.c_str()));
  ExecStatusType st = PQresultStatus(r.r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Error(sql.substr(0, 60));
  return Status::Ok();
}

Result<PGresult*> PostgresStore::Query(const char* sql,
                                       const std::vector<std::string>& params) const {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  PGresult* r = PQexecParams(conn_, sql, static_cast<int>(values.size()), nullptr, values.data(),
                             nullptr, nullptr,
                             /*resultFormat=*/1);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    PQclear(r);
    return Error("query");
  }
  return r;
}

Status PostgresStore::Migrate() {
  const auto lock = Lock();
  if (Status s = Exec("BEGIN"); !s.ok()) return s;
  auto rollback = [&](Status s) {
    Exec("ROLLBACK");
    return s;
  };
  // Serialise migrations between processes starting together.
  if (Status s = Exec("SELECT pg_advisory_xact_lock(" + std::to_string(kWriterLock + 1) + ")");
      !s.ok())
    return rollback(s);
  if (Status s = Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                      "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
      !s.ok())
    return rollback(s);
  auto r = Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {});
  if (!r.ok()) return rollback(r.status());
  int current = 0;
  {
    Res res(*r);
    current = static_cast<int>(GetInt(res.r, 0, 0));
  }
  if (current > kSchemaVersion)
    return rollback(Status::InvalidArgument(
        "the store has schema version " + std::to_string(current) +
        ", newer than this Concordat; upgrade Concordat, nothing was changed"));
  const char* const migrations[] = {kMigration1, kMigration2, kMigration3, kMigration4, kMigration5,
                                    kMigration6, kMigration7, kMigration8, kMigration9};
  static_assert(std::size(migrations) == kSchemaVersion);
  for (int version = current + 1; version <= kSchemaVersion; ++version) {
    if (Status s = Exec(migrations[version - 1]); !s.ok()) return rollback(s);
    const std::string record =
        "INSERT INTO schema_migrations (version) VALUES (" + std::to_string(version) + ")";
    if (Status s = Exec(record); !s.ok()) return rollback(s);
  }
  return Exec("COMMIT");
}

namespace {
ShareRequest ReadRequest(PGresult* r, int row) {
  auto col = [&](int i) {
    return std::string(PQgetvalue(r, row, i), static_cast<size_t>(PQgetlength(r, row, i)));
  };
  ShareRequest q;
  q.id = col(0);
  q.at_ms = GetInt(r, row, 1);
  q.from_org = col(2);
  q.from_user = col(3);
  q.to_org = col(4);
  q.protocol = col(5);
  q.version = col(6);
  q.purpose = col(7);
  q.audit_reference = col(8);
  q.data = Split(col(9));
  q.allowed_fields = Split(col(10));
  q.subject_tag = col(11);
  q.status = col(12);
  q.decision_index = static_cast<uint64_t>(GetInt(r, row, 13));
  q.closed_at_ms = GetInt(r, row, 14);
  q.closed_by = col(15);
  q.decline_reason = col(16);
  q.disclosure_id = col(17);
  q.nonce = col(18);
  q.ciphertext = col(19);
  q.wrapped_key = col(20);
  return q;
}
}  // namespace

Status PostgresStore::PutRequest(const ShareRequest& r) {
  const auto lock = Lock();
  const std::string at = std::to_string(r.at_ms), data = Join(r.data),
                    allowed = Join(r.allowed_fields), index = std::to_string(r.decision_index),
                    closed = std::to_string(r.closed_at_ms);
  const std::string* text[] = {&r.id,
                               &at,
                               &r.from_org,
                               &r.from_user,
                               &r.to_org,
                               &r.protocol,
                               &r.version,
                               &r.purpose,
                               &r.audit_reference,
                               &data,
                               &allowed,
                               &r.subject_tag,
                               &r.status,
                               &index,
                               &closed,
                               &r.closed_by,
                               &r.decline_reason,
                               &r.disclosure_id,
                               &r.nonce,
                               &r.ciphertext,
                               &r.wrapped_key};
  const char* values[21];
  int lengths[21], formats[21];
  for (int i = 0; i < 21; ++i) {
    values[i] = text[i]->data();
    lengths[i] = static_cast<int>(text[i]->size());
    formats[i] = i >= 18 ? 1 : 0;
  }
  Res res(
      PQexecParams(conn_,
                   "INSERT INTO requests (id, at_ms, from_org, from_user, to_org, protocol, "
                   "version, purpose, audit_reference, data, allowed_fields, subject_tag, status, "
                   "decision_index, closed_at_ms, closed_by, decline_reason, disclosure_id, nonce, "
                   "ciphertext, wrapped_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                   "$10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
                   21, nullptr, values, lengths, formats, 0));
  if (PQresultStatus(res.r) != PGRES_COMMAND_OK) {
    const char* state = PQresultErrorField(res.r, PG_DIAG_SQLSTATE);
    if (state && std::string(state) == "23505")
      return Status::AlreadyExists("request " + r.id + " already exists; nothing was changed");
    return Error("storing request " + r.id);
  }
  return Status::Ok();
}

Result<std::vector<ShareRequest>> PostgresStore::RequestsOf(const ListQuery& query) {
  const auto lock = Lock();
  const std::string sql = ListSql(query, ListTable::kRequests, SqlDialect::kPostgres);
  auto r = Query(sql.c_str(), ListParams(query, ListTable::kRequests));
  if (!r.ok()) return r.status();
  Res res(*r);
  std::vector<ShareRequest> out;
  for (int i = 0; i < PQntuples(res.r); ++i) out.push_back(ReadRequest(res.r, i));
  return out;
}

Result<std::optional<ShareRequest>> PostgresStore::RequestById(const std::string& id) {
  const auto lock = Lock();
  static const std::string sql =
      "SELECT " + std::string(kRequestColumns) + " FROM requests WHERE id = $1";
  auto r = Query(sql.c_str(), {id});
  if (!r.ok()) return r.status();
  Res res(*r);
  if (PQntuples(res.r) == 0) return std::optional<ShareRequest>();
  return std::optional<ShareRequest>(ReadRequest(res.r, 0));
}

Status PostgresStore::CloseRequest(const std::string& id, const std::string& status,
                                   int64_t closed_at_ms, const std::string& closed_by,
                                   const std::string& decline_reason,
                                   const std::string& disclosure_id) {
  const auto lock = Lock();
  const std::string at = std::to_string(closed_at_ms);
  const char* values[6] = {status.c_str(),        at.c_str(),
                           closed_by.c_str(),     decline_reason.c_str(),
                           disclosure_id.c_str(), id.c_str()};
  Res res(PQexecParams(conn_,
                       "UPDATE requests SET status = $1, closed_at_ms = $2, closed_by = $3, "
                       "decline_reason = $4, disclosure_id = $5 WHERE id = $6 AND status = 'open'",
                       6, nullptr, values, nullptr, nullptr, 0));
  if (PQresultStatus(res.r) != PGRES_COMMAND_OK) return Error("closing request " + id);
  if (std::string(PQcmdTuples(res.r)) != "1")
    return Status::AlreadyExists("request " + id + " is not open; nothing was changed");
  return Status::Ok();
}

Status PostgresStore::PutDisclosure(const Disclosure& d) {
  const auto lock = Lock();
  const std::string fields = Join(d.fields);
  const std::string at = std::to_string(d.at_ms), index = std::to_string(d.audit_index);
  const std::string* text[] = {
      &d.id,       &at,           &d.from_org,    &d.to_org, &d.to_user,
      &d.protocol, &d.version,    &d.subject_tag, &fields,   &d.retain_until,
      &d.nonce,    &d.ciphertext, &d.wrapped_key, &index};
  const char* values[14];
  int lengths[14], formats[14];
  for (int i = 0; i < 14; ++i) {
    values[i] = text[i]->data();
    lengths[i] = static_cast<int>(text[i]->size());
    formats[i] = i >= 10 && i <= 12 ? 1 : 0;  // the bytea columns go as binary
  }
  Res r(PQexecParams(conn_,
                     "INSERT INTO disclosures (id, at_ms, from_org, to_org, to_user, protocol, "
                     "version, subject_tag, fields, retain_until, nonce, ciphertext, wrapped_key, "
                     "audit_index) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
                     "$13, $14)",
                     14, nullptr, values, lengths, formats, 0));
  if (PQresultStatus(r.r) != PGRES_COMMAND_OK) {
    const char* state = PQresultErrorField(r.r, PG_DIAG_SQLSTATE);
    if (state && std::string(state) == "23505")
      return Status::AlreadyExists("disclosure " + d.id + " already exists; nothing was changed");
    return Error("storing disclosure " + d.id);
  }
  return Status::Ok();
}

namespace {
Disclosure ReadDisclosure(PGresult* r, int row, bool content) {
  auto col = [&](int i) {
    return std::string(PQgetvalue(r, row, i), static_cast<size_t>(PQgetlength(r, row, i)));
  };
  Disclosure d;
  d.id = col(0);
  d.at_ms = GetInt(r, row, 1);
  d.from_org = col(2);
  d.to_org = col(3);
  d.to_user = col(4);
  d.protocol = col(5);
  d.version = col(6);
  d.subject_tag = col(7);
  d.fields = Split(col(8));
  d.retain_until = col(9);
  d.audit_index = static_cast<uint64_t>(GetInt(r, row, 10));
  if (content) {
    d.nonce = col(11);
    d.ciphertext = col(12);
    d.wrapped_key = col(13);
  }
  return d;
}
}  // namespace

Result<std::vector<Disclosure>> PostgresStore::DisclosuresOf(const ListQuery& query) {
  const auto lock = Lock();
  const std::string sql = ListSql(query, ListTable::kDisclosures, SqlDialect::kPostgres);
  auto r = Query(sql.c_str(), ListParams(query, ListTable::kDisclosures));
  if (!r.ok()) return r.status();
  Res res(*r);
  std::vector<Disclosure> out;
  for (int i = 0; i < PQntuples(res.r); ++i) out.push_back(ReadDisclosure(res.r, i, false));
  return out;
}

Result<std::optional<Disclosure>> PostgresStore::DisclosureById(const std::string& id) {
  const auto lock = Lock();
  auto r = Query(
      "SELECT id, at_ms, from_org, to_org, to_user, protocol, version, subject_tag, fields, "
      "retain_until, audit_index, nonce, ciphertext, wrapped_key FROM disclosures WHERE id = $1",
      {id});
  if (!r.ok()) return r.status();
  Res res(*r);
  if (PQntuples(res.r) == 0) return std::optional<Disclosure>();
  return std::optional<Disclosure>(ReadDisclosure(res.r, 0, true));
}

Status PostgresStore::AddUser(const User& user) {
  const auto lock = Lock();
  const std::string roles = Join(user.roles);
  const char* values[7] = {
      user.id.c_str(),         user.organisation.c_str(), user.name.c_str(),      roles.c_str(),
      user.token_hash.c_str(), user.certificate.c_str(),  user.expires_at.c_str()};
  Res r(
      PQexecParams(conn_,
                   "INSERT INTO users (id, organisation, name, roles, token_hash, "
                   "cert_fingerprint, expires_at) VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''), $7)",
                   7, nullptr, values, nullptr, nullptr, 0));
  if (PQresultStatus(r.r) != PGRES_COMMAND_OK) {
    const char* state = PQresultErrorField(r.r, PG_DIAG_SQLSTATE);
    if (state && std::string(state) == "23505")
      return Status::AlreadyExists(
          "user " + user.id + " already exists" +
          (user.certificate.empty() ? std::string() : ", or another user has that certificate") +
          "; nothing was changed");
    return Error("adding user " + user.id);
  }
  return Status::Ok();
}

namespace {
constexpr const char* kUserColumns =
    "SELECT id, organisation, name, roles, token_hash, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "COALESCE(to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), "
    "COALESCE(cert_fingerprint, ''), expires_at FROM users ";

User ReadUser(PGresult* r, int row) {
  auto col = [&](int i) {
    return std::string(PQgetvalue(r, row, i), static_cast<size_t>(PQgetlength(r, row, i)));
  };
  User u;
  u.id = col(0);
  u.organisation = col(1);
  u.name = col(2);
  u.roles = Split(col(3));
  u.token_hash = col(4);
  u.created_at = col(5);
  u.revoked_at = col(6);
  u.certificate = col(7);
  u.expires_at = col(8);
  return u;
}
}  // namespace

Result<std::optional<User>> PostgresStore::UserByTokenHash(const std::string& token_hash) {
  const auto lock = Lock();
  auto r = Query((std::string(kUserColumns) + "WHERE token_hash = $1").c_str(), {token_hash});
  if (!r.ok()) return r.status();
  Res res(*r);
  if (PQntuples(res.r) == 0) return std::optional<User>();
  return std::optional<User>(ReadUser(res.r, 0));
}

Result<std::optional<User>> PostgresStore::UserByCertificate(const std::string& fingerprint) {
  const auto lock = Lock();
  auto r =
      Query((std::string(kUserColumns) + "WHERE cert_fingerprint = $1").c_str(), {fingerprint});
  if (!r.ok()) return r.status();
  Res res(*r);
  if (PQntuples(res.r) == 0) return std::optional<User>();
  return std::optional<User>(ReadUser(res.r, 0));
}

Result<std::vector<User>> PostgresStore::Users() {
  const auto lock = Lock();
  auto r = Query((std::string(kUserColumns) + "ORDER BY organisation, id").c_str(), {});
  if (!r.ok()) return r.status();
  Res res(*r);
  std::vector<User> out;
  for (int i = 0; i < PQntuples(res.r); ++i) out.push_back(ReadUser(res.r, i));
  return out;
}

Status PostgresStore::RevokeUser(const std::string& id) {
  const auto lock = Lock();
  const char* values[1] = {id.c_str()};
  {
    Res res(PQexecParams(conn_,
                         "UPDATE users SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
                         1, nullptr, values, nullptr, nullptr, 0));
    if (PQresultStatus(res.r) != PGRES_COMMAND_OK) return Error("revoking user " + id);
    if (std::string(PQcmdTuples(res.r)) == "1") return Status::Ok();
  }
  return UserUnchanged(id, RevokedAt(id), /*revoke=*/true);
}

Status PostgresStore::ReplaceToken(const std::string& id, const std::string& token_hash,
                                   const std::string& expires_at) {
  const auto lock = Lock();
  const char* values[3] = {token_hash.c_str(), expires_at.c_str(), id.c_str()};
  {
    Res res(PQexecParams(conn_,
                         "UPDATE users SET token_hash = $1, expires_at = $2 WHERE id = $3 AND "
                         "revoked_at IS NULL",
                         3, nullptr, values, nullptr, nullptr, 0));
    if (PQresultStatus(res.r) != PGRES_COMMAND_OK)
      return Error("replacing the token of user " + id);
    if (std::string(PQcmdTuples(res.r)) == "1") return Status::Ok();
  }
  return UserUnchanged(id, RevokedAt(id), /*revoke=*/false);
}

Result<std::optional<std::string>> PostgresStore::RevokedAt(const std::string& id) {
  auto known = Query((std::string(kUserColumns) + "WHERE id = $1").c_str(), {id});
  if (!known.ok()) return known.status();
  Res res(*known);
  if (PQntuples(res.r) == 0) return std::optional<std::string>();
  return std::optional<std::string>(ReadUser(res.r, 0).revoked_at);
}

int PostgresStore::LatestSchemaVersion() const {
  return kSchemaVersion;
}

Result<int> PostgresStore::SchemaVersion() {
  const auto lock = Lock();
  auto r = Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {});
  if (!r.ok()) return r.status();
  Res res(*r);
  return static_cast<int>(GetInt(res.r, 0, 0));
}

Status PostgresStore::InsertProtocolVersion(const std::string& id, const std::string& version,
                                            const std::string& hash, const std::string& canonical) {
  const auto lock = Lock();
  const char* values[4] = {id.c_str(), version.c_str(), hash.c_str(), canonical.c_str()};
  Res r(PQexecParams(
      conn_,
      "INSERT INTO protocol_versions (id, version, hash, canonical) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (id, version) DO NOTHING",
      4, nullptr, values, nullptr, nullptr, 0));
  if (PQresultStatus(r.r) != PGRES_COMMAND_OK)
    return Error("storing protocol " + id + " version " + version);
  return Status::Ok();
}

Result<std::optional<std::string>> PostgresStore::ProtocolVersionHash(const std::string& id,
                                                                      const std::string& version) {
  const auto lock = Lock();
  auto r =
      Query("SELECT hash FROM protocol_versions WHERE id = $1 AND version = $2", {id, version});
  if (!r.ok()) return r.status();
  Res res(*r);
  if (PQntuples(res.r) == 0) return std::optional<std::string>();
  return std::optional<std::string>(
      std::string(PQgetvalue(res.r, 0, 0), static_cast<size_t>(PQgetlength(res.r, 0, 0))));
}

Result<std::unique_ptr<audit::LogWriteTransaction>> PostgresStore::BeginWrite() {
  auto tx = std::make_unique<PgWriteTransaction>(this);
  if (Status s = tx->Begin(); !s.ok()) return s;
  return std::unique_ptr<audit::LogWriteTransaction>(std::move(tx));
}

Result<uint64_t> PostgresStore::Size() {
  const auto lock = Lock();
  auto r = Query("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries", {});
  if (!r.ok()) return r.status();
  Res res(*r);
  return static_cast<uint64_t>(GetInt(res.r, 0, 0));
}

Result<audit::StoredEntry> PostgresStore::Entry(uint64_t index) {
  const auto lock = Lock();
  auto r = Query("SELECT entry, leaf FROM log_entries WHERE idx = $1", {std::to_string(index)});
  if (!r.ok()) return r.status();
  Res res(*r);
  if (PQntuples(res.r) == 0)
    return Status::NotFound("entry " + std::to_string(index) + " is not in the log");
  audit::StoredEntry e;
  e.index = index;
  e.encoded.assign(PQgetvalue(res.r, 0, 0), static_cast<size_t>(PQgetlength(res.r, 0, 0)));
  if (!GetHash(res.r, 0, 1, &e.leaf))
    return Status::Corruption("entry " + std::to_string(index) + " has a malformed leaf hash");
  return e;
}

Result<std::unique_ptr<audit::EntryCursor>> PostgresStore::Entries(uint64_t begin) {
  return std::unique_ptr<audit::EntryCursor>(new PgEntryCursor(this, begin));
}

Result<std::unique_ptr<audit::NodeCursor>> PostgresStore::Nodes() {
  return std::unique_ptr<audit::NodeCursor>(new PgNodeCursor(this));
}

Result<audit::Hash> PostgresStore::Node(int level, uint64_t index) const {
  const auto lock = Lock();
  if (auto cached = subtree_cache_.Find(level, index)) return *cached;
  auto r = Query("SELECT hash FROM log_nodes WHERE last_leaf = $1 AND level = $2",
                 {std::to_string(LastLeaf(level, index)), std::to_string(level)});
  if (!r.ok()) return r.status();
  Res res(*r);
  audit::Hash h;
  if (PQntuples(res.r) != 1 || !GetHash(res.r, 0, 0, &h))
    return Status::Corruption("the subtree hash at level " + std::to_string(level) + " index " +
                              std::to_string(index) + " is missing from the PostgreSQL store");
  subtree_cache_.Remember(level, index, h);
  return h;
}

Result<std::optional<audit::SignedTreeHead>> PostgresStore::LatestSth() {
  auto all = Sths();
  if (!all.ok()) return all.status();
  if (all->empty()) return std::optional<audit::SignedTreeHead>();
  return std::optional<audit::SignedTreeHead>(all->back());
}

Result<std::vector<audit::SignedTreeHead>> PostgresStore::Sths() {
  const auto lock = Lock();
  auto r =
      Query("SELECT tree_size, timestamp, root, signature FROM log_sth ORDER BY tree_size", {});
  if (!r.ok()) return r.status();
  Res res(*r);
  std::vector<audit::SignedTreeHead> out;
  for (int i = 0; i < PQntuples(res.r); ++i) {
    audit::SignedTreeHead s;
    s.tree_size = static_cast<uint64_t>(GetInt(res.r, i, 0));
    s.timestamp_ms = GetInt(res.r, i, 1);
    if (!GetHash(res.r, i, 2, &s.root) || PQgetlength(res.r, i, 3) != 64)
      return Status::Corruption("the signed tree head for " + std::to_string(s.tree_size) +
                                " entries is malformed");
    std::memcpy(s.signature.data(), PQgetvalue(res.r, i, 3), 64);
    out.push_back(s);
  }
  return out;
}

}  // namespace concordat::store
