// A provider's system of record, read-only, for self-service look-ups: a SQLite file or a
// PostgreSQL database and, per data category, one parameterised query whose single parameter
// ($1 / ?1) is the subject reference. Its columns become fields, renamed where the mapping
// says. The connection is opened read-only (SQLite: SQLITE_OPEN_READONLY and query_only;
// PostgreSQL: default_transaction_read_only), so a query cannot change the source.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace concordat::exchange {

struct CategoryQuery {
  std::string query;                          // one parameter: the subject reference
  std::map<std::string, std::string> fields;  // column -> field; a column not named keeps its name
};

struct SourceConfig {
  std::string url;  // sqlite:PATH | postgresql://...
  std::map<std::string, CategoryQuery> categories;
};

using Record = std::vector<std::pair<std::string, std::string>>;  // field -> value, in column order

class SqlSource {
 public:
  virtual ~SqlSource() = default;
  // Opens the source and checks every query (prepares it); errors name the category.
  static Result<std::unique_ptr<SqlSource>> Open(const std::string& provider,
                                                 const SourceConfig& config);
  bool Serves(const std::string& category) const { return config_.categories.count(category); }
  // The subject's record (NULL columns left out); nullopt when the source has none. More than
  // one row is an error: a look-up is about one person.
  virtual Result<std::optional<Record>> Fetch(const std::string& category,
                                              const std::string& subject) = 0;
  // Several look-ups in one read of the source. Every Fetch through the reader sees one
  // snapshot, taken at its first Fetch (not when Read() is called), and the read ends when the
  // reader is destroyed. A SQLite source then takes its locks once for all of them instead of
  // once a look-up. A look-up sees everything the source committed before the snapshot, so
  // callers must only read through one reader the look-ups that had all arrived before its
  // first Fetch. Sources without shared reads (PostgreSQL) fetch each on its own.
  class Reader {
   public:
    virtual ~Reader() = default;
    virtual Result<std::optional<Record>> Fetch(const std::string& category,
                                                const std::string& subject) = 0;
  };
  virtual std::unique_ptr<Reader> Read();
  // Whether Fetch() may wait: on the network (PostgreSQL), or on the source's own writers (a
  // SQLite file not in WAL mode, whose readers wait while a writer holds it). The server
  // runs such look-ups on its worker threads, never on a network thread.
  virtual bool MayBlock() const = 0;

 protected:
  std::string provider_;
  SourceConfig config_;
  std::mutex mu_;
  std::string FieldOf(const std::string& category, const std::string& column) const;
};

}  // namespace concordat::exchange
