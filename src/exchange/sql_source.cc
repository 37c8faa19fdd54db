#include "exchange/sql_source.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>

#include "base/one_line.h"
#include "base/read_file.h"
#include "base/redact.h"

namespace concordat::exchange {

std::string SqlSource::FieldOf(const std::string& category, const std::string& column) const {
  const auto& f = config_.categories.at(category).fields;
  auto it = f.find(column);
  return it == f.end() ? column : it->second;
}

namespace {

// A reader with no shared snapshot: each look-up on its own.
class EachOnItsOwn : public SqlSource::Reader {
 public:
  explicit EachOnItsOwn(SqlSource* source) : source_(source) {}
  Result<std::optional<Record>> Fetch(const std::string& category,
                                      const std::string& subject) override {
    return source_->Fetch(category, subject);
  }

 private:
  SqlSource* source_;
};

}  // namespace

std::unique_ptr<SqlSource::Reader> SqlSource::Read() {
  return std::make_unique<EachOnItsOwn>(this);
}

namespace {

// Each look-up borrows a connection of its own from a small pool, so that look-ups on
// different threads never wait for each other (SQLite connections are not shared between
// threads at once). Connections are opened as concurrency needs them and kept.
class SqliteSource : public SqlSource {
 public:
  ~SqliteSource() override {
    for (auto& c : idle_) Close(c.get());
  }

  Status Init(const std::string& provider, const SourceConfig& config) {
    provider_ = provider;
    config_ = config;
    path_ = config.url.substr(7);
    auto first = Connect(/*check=*/true);
    if (!first.ok()) return first.status();
    file_seen_ = (*first)->file;
    looked_at_ = std::chrono::steady_clock::now();
    idle_.push_back(std::move(*first));
    return Status::Ok();
  }

  Result<std::optional<Record>> Fetch(const std::string& category,
                                      const std::string& subject) override {
    if (!Serves(category)) return Status::NotFound(provider_ + " has no look-up for " + category);
    auto borrowed = Borrow();
    if (!borrowed.ok()) return borrowed.status();
    std::unique_ptr<Connection> c = std::move(*borrowed);
    auto r = FetchWith(c.get(), category, subject);
    Return(std::move(c));
    return r;
  }

  bool MayBlock() const override { return !wal_.load(std::memory_order_relaxed); }

  std::unique_ptr<Reader> Read() override { return std::make_unique<SharedRead>(this); }

 private:
  struct Connection;

  // One connection and one read transaction for all its look-ups: BEGIN (which takes no lock)
  // when made, the snapshot at the first query, COMMIT (which lets the locks go) when
  // destroyed. If BEGIN fails, each look-up reads on its own, as Fetch() does.
  class SharedRead : public Reader {
   public:
    explicit SharedRead(SqliteSource* source) : source_(source) {}
    ~SharedRead() override {
      if (!c_) return;
      if (in_transaction_) sqlite3_exec(c_->db, "COMMIT", nullptr, nullptr, nullptr);
      if (!sqlite3_get_autocommit(c_->db))
        sqlite3_exec(c_->db, "ROLLBACK", nullptr, nullptr, nullptr);
      if (sqlite3_get_autocommit(c_->db)) {
        source_->Return(std::move(c_));
      } else {
        Close(c_.get());  // a read that would not end: not given to another look-up
      }
    }
    Result<std::optional<Record>> Fetch(const std::string& category,
                                        const std::string& subject) override {
      if (!source_->Serves(category))
        return Status::NotFound(source_->provider_ + " has no look-up for " + category);
      if (!c_) {
        auto borrowed = source_->Borrow();
        if (!borrowed.ok()) return borrowed.status();
        c_ = std::move(*borrowed);
        in_transaction_ = sqlite3_exec(c_->db, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK;
      }
      return source_->FetchWith(c_.get(), category, subject);
    }

   private:
    SqliteSource* source_;
    std::unique_ptr<Connection> c_;
    bool in_transaction_ = false;
  };

  // A category's prepared query and the field each of its columns becomes (worked out once,
  // when it is prepared, not per look-up).
  struct Prepared {
    sqlite3_stmt* stmt = nullptr;
    std::vector<std::string> columns, fields;  // by column: its name, and the field it becomes
  };
  // Which file a path names: a file moved into the source's place is another file.
  struct FileId {
    dev_t dev = 0;
    ino_t ino = 0;
    bool operator==(const FileId&) const = default;
  };
  static std::optional<FileId> IdOf(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return FileId{st.st_dev, st.st_ino};
  }
  struct Connection {
    sqlite3* db = nullptr;
    std::map<std::string, Prepared> statements;  // by category
    FileId file;                                 // the file it has open
  };

  static void Close(Connection* c) {
    for (auto& [_, p] : c->statements) sqlite3_finalize(p.stmt);
    sqlite3_close(c->db);
  }

  // Opens the source read-only and prepares every category's query; with check, also tells
  // whether it is in WAL mode and that each query takes one parameter and only reads.
  Result<std::unique_ptr<Connection>> Connect(bool check) {
    auto c = std::make_unique<Connection>();
    auto fail = [&](Status s) -> Result<std::unique_ptr<Connection>> {
      Close(c.get());
      return s;
    };
    if (std::string why = WhyUnreadable(path_); !why.empty())
      return fail(Status::IoError("connectors." + provider_ + ".source: " + why));
    // The file it opens is the one the path named both before and after (one moved into
    // place meanwhile is opened again).
    for (int attempt = 0;; ++attempt) {
      const std::optional<FileId> before = IdOf(path_);
      if (sqlite3_open_v2(path_.c_str(), &c->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                          nullptr) != SQLITE_OK)
        return fail(
            Status::IoError("connectors." + provider_ + ".source: cannot open " + path_ +
                            " read-only: " + (c->db ? sqlite3_errmsg(c->db) : "out of memory")));
      const std::optional<FileId> after = IdOf(path_);
      if ((before && after && *before == *after) || attempt == 3) {
        c->file = after.value_or(FileId{});
        break;
      }
      sqlite3_close(c->db);
      c->db = nullptr;
    }
    sqlite3_exec(c->db, "PRAGMA query_only=1", nullptr, nullptr, nullptr);
    sqlite3_busy_timeout(c->db, 5000);
    // Whether readers never wait for the source's writers (WAL mode): asked of the first
    // connection, and again of each file moved into the source's place.
    bool replaced;
    {
      std::lock_guard<std::mutex> lock(mu_);
      replaced = !(c->file == file_seen_);
    }
    if (check || replaced) {
      sqlite3_stmt* mode = nullptr;
      if (sqlite3_prepare_v2(c->db, "PRAGMA journal_mode", -1, &mode, nullptr) == SQLITE_OK &&
          sqlite3_step(mode) == SQLITE_ROW) {
        const unsigned char* m = sqlite3_column_text(mode, 0);
        wal_ = m && std::string(reinterpret_cast<const char*>(m)) == "wal";
      }
      sqlite3_finalize(mode);
    }
    for (const auto& [category, q] : config_.categories) {
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v2(c->db, q.query.c_str(), -1, &s, nullptr) != SQLITE_OK)
        return fail(Status::InvalidArgument("connectors." + provider_ + ".categories." + category +
                                            ".query: " + sqlite3_errmsg(c->db)));
      Prepared& p = c->statements[category];
      p.stmt = s;
      for (int i = 0; i < sqlite3_column_count(s); ++i) {
        p.columns.push_back(sqlite3_column_name(s, i));
        p.fields.push_back(FieldOf(category, p.columns.back()));
      }
      if (check && sqlite3_bind_parameter_count(s) != 1)
        return fail(
            Status::InvalidArgument("connectors." + provider_ + ".categories." + category +
                                    ".query: expected exactly one parameter (?1), the subject"));
      if (check && !sqlite3_stmt_readonly(s))
        return fail(Status::InvalidArgument("connectors." + provider_ + ".categories." + category +
                                            ".query: must only read"));
    }
    return c;
  }

  // A pooled connection on the file the path names now. At most every quarter of a second,
  // the path is looked at again: when another file has been moved into its place (a fresh
  // extract), or the file is gone, connections on the old one are closed as they come back,
  // and new ones open whatever is there now.
  Result<std::unique_ptr<Connection>> Borrow() {
    std::vector<std::unique_ptr<Connection>> stale;
    std::unique_ptr<Connection> found;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const auto now = std::chrono::steady_clock::now();
      if (now - looked_at_ >= std::chrono::milliseconds(250)) {
        looked_at_ = now;
        // Gone (the provider withdrew the extract): no file, so no pooled connection serves
        // the one it had open, and look-ups fail naming the source until one is back.
        file_seen_ = IdOf(path_).value_or(FileId{});
      }
      while (!idle_.empty() && !found) {
        std::unique_ptr<Connection> c = std::move(idle_.back());
        idle_.pop_back();
        if (c->file == file_seen_)
          found = std::move(c);
        else
          stale.push_back(std::move(c));
      }
    }
    for (auto& c : stale) Close(c.get());
    if (found) return found;
    return Connect(/*check=*/false);  // every pooled connection is busy: one more
  }

  void Return(std::unique_ptr<Connection> c) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (c->file == file_seen_) {
        idle_.push_back(std::move(c));
        return;
      }
    }
    Close(c.get());  // on a file since replaced
  }

  Result<std::optional<Record>> FetchWith(Connection* c, const std::string& category,
                                          const std::string& subject) {
    const Prepared& p = c->statements.find(category)->second;  // Fetch checked Serves()
    sqlite3_stmt* s = p.stmt;
    sqlite3_reset(s);
    // Not copied: the subject outlives the steps below, and every look-up binds its own.
    sqlite3_bind_text(s, 1, subject.data(), static_cast<int>(subject.size()), SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
      sqlite3_reset(s);
      return std::optional<Record>();
    }
    if (rc != SQLITE_ROW) {
      const std::string why = sqlite3_errmsg(c->db);
      sqlite3_reset(s);
      return Status::IoError(provider_ + "'s system did not answer: " + why);
    }
    Record r;
    const int columns = sqlite3_column_count(s);
    // The names worked out when it was prepared, unless SQLite prepared it again since (the
    // source's schema changed) and its columns changed with it.
    bool same = columns == static_cast<int>(p.columns.size());
    for (int i = 0; same && i < columns; ++i)
      same = p.columns[static_cast<size_t>(i)] == sqlite3_column_name(s, i);
    r.reserve(static_cast<size_t>(columns));
    for (int i = 0; i < columns; ++i) {
      if (sqlite3_column_type(s, i) == SQLITE_NULL) continue;
      const unsigned char* t = sqlite3_column_text(s, i);
      r.emplace_back(
          same ? p.fields[static_cast<size_t>(i)] : FieldOf(category, sqlite3_column_name(s, i)),
          std::string(reinterpret_cast<const char*>(t),
                      static_cast<size_t>(sqlite3_column_bytes(s, i))));
    }
    rc = sqlite3_step(s);
    sqlite3_reset(s);  // ends the read: the source's own writers and checkpoints go on
    if (rc == SQLITE_ROW)
      return Status::InvalidArgument(provider_ +
                                     " holds more than one record for that subject in " + category +
                                     "; a look-up must name one person");
    return std::optional<Record>(std::move(r));
  }

  std::string path_;
  std::atomic<bool> wal_{false};                   // in WAL mode, readers never wait for writers
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  FileId file_seen_;  // the file path_ named when last looked at; guarded by mu_
  std::chrono::steady_clock::time_point looked_at_{};  // guarded by mu_
};

class PostgresSource : public SqlSource {
 public:
  ~PostgresSource() override { PQfinish(conn_); }

  Status Init(const std::string& provider, const SourceConfig& config) {
    provider_ = provider;
    config_ = config;
    conn_ = PQconnectdb(config.url.c_str());
    if (PQstatus(conn_) != CONNECTION_OK)
      return Status::IoError("connectors." + provider +
                             ".source: " + OneLine(PQerrorMessage(conn_)));
    return SetUpSession();
  }

  Result<std::optional<Record>> Fetch(const std::string& category,
                                      const std::string& subject) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!Serves(category)) return Status::NotFound(provider_ + " has no look-up for " + category);
    // The provider's server dropped the connection (a restart, a failover): the look-up that
    // found it dropped failed, naming the provider; this one connects again, read-only, with
    // its queries prepared again.
    if (PQstatus(conn_) == CONNECTION_BAD || !session_set_up_) {
      if (PQstatus(conn_) == CONNECTION_BAD) PQreset(conn_);
      Status set_up = PQstatus(conn_) == CONNECTION_OK
                          ? SetUpSession()
                          : Status::IoError(OneLine(PQerrorMessage(conn_)));
      session_set_up_ = set_up.ok();
      if (!set_up.ok())
        return Status::IoError(provider_ + "'s system did not answer: " + set_up.message());
    }
    const char* values[1] = {subject.c_str()};
    PGresult* r = PQexecPrepared(conn_, category.c_str(), 1, values, nullptr, nullptr, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      std::string msg = OneLine(PQerrorMessage(conn_));
      PQclear(r);
      return Status::IoError(provider_ + "'s system did not answer: " + msg);
    }
    const int rows = PQntuples(r);
    if (rows == 0) {
      PQclear(r);
      return std::optional<Record>();
    }
    if (rows > 1) {
      PQclear(r);
      return Status::InvalidArgument(provider_ +
                                     " holds more than one record for that subject in " + category +
                                     "; a look-up must name one person");
    }
    Record rec;
    for (int i = 0; i < PQnfields(r); ++i)
      if (!PQgetisnull(r, 0, i))
        rec.emplace_back(
            FieldOf(category, PQfname(r, i)),
            std::string(PQgetvalue(r, 0, i), static_cast<size_t>(PQgetlength(r, 0, i))));
    PQclear(r);
    return std::optional<Record>(std::move(rec));
  }

  bool MayBlock() const override { return true; }

 private:
  // Every session: read-only, and each category's query prepared (named by the category).
  Status SetUpSession() {
    PGresult* ro = PQexec(conn_, "SET default_transaction_read_only = on");
    const bool read_only = PQresultStatus(ro) == PGRES_COMMAND_OK;
    PQclear(ro);
    if (!read_only)
      return Status::IoError(
          "connectors." + provider_ +
          ".source: cannot make the session read-only: " + OneLine(PQerrorMessage(conn_)));
    for (const auto& [category, q] : config_.categories) {
      PGresult* r = PQprepare(conn_, category.c_str(), q.query.c_str(), 1, nullptr);
      const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
      if (!ok)
        return Status::InvalidArgument("connectors." + provider_ + ".categories." + category +
                                       ".query: " + OneLine(PQerrorMessage(conn_)));
    }
    return Status::Ok();
  }

  PGconn* conn_ = nullptr;
  bool session_set_up_ = true;  // false after a reconnect whose SetUpSession failed
};

}  // namespace

Result<std::unique_ptr<SqlSource>> SqlSource::Open(const std::string& provider,
                                                   const SourceConfig& config) {
  if (config.url.rfind("sqlite:", 0) == 0) {
    auto s = std::make_unique<SqliteSource>();
    if (Status st = s->Init(provider, config); !st.ok()) return st;
    return std::unique_ptr<SqlSource>(std::move(s));
  }
  if (config.url.rfind("postgresql://", 0) == 0 || config.url.rfind("postgres://", 0) == 0) {
    auto s = std::make_unique<PostgresSource>();
    if (Status st = s->Init(provider, config); !st.ok()) return st;
    return std::unique_ptr<SqlSource>(std::move(s));
  }
  return Status::InvalidArgument("connectors." + provider + ".source: '" +
                                 RedactPassword(config.url) +
                                 "' is not sqlite:PATH or postgresql://...");
}

}  // namespace concordat::exchange
