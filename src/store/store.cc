#include "store/store.h"

#include <sqlite3.h>

#include "base/redact.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace concordat::store {

Status Store::PutProtocolVersion(const std::string& id, const std::string& version,
                                 const std::string& hash, const std::string& canonical) {
  auto existing = ProtocolVersionHash(id, version);
  if (!existing.ok()) return existing.status();
  if (!*existing) {
    // Another process (a second node, starting or reloading too) may store it between the
    // read and this insert: the insert then does nothing, and the stored hash is what counts.
    if (Status s = InsertProtocolVersion(id, version, hash, canonical); !s.ok()) return s;
    existing = ProtocolVersionHash(id, version);
    if (!existing.ok()) return existing.status();
    if (!*existing)
      return Status::Internal("protocol " + id + " version " + version +
                              " was stored but cannot be read back");
  }
  if (**existing == hash) return Status::Ok();
  return Status::InvalidArgument("protocol " + id + " version " + version +
                                 " is already stored with hash " + **existing +
                                 "; a version never changes, give the new text a new version");
}

Status Store::UserUnchanged(const std::string& id,
                            const Result<std::optional<std::string>>& revoked_at, bool revoke) {
  if (!revoked_at.ok()) return revoked_at.status();
  if (!*revoked_at) return Status::NotFound("no user " + id + "; nothing was changed");
  if (revoke)
    return Status::AlreadyExists("user " + id + " was revoked already, at " + **revoked_at +
                                 "; nothing was changed");
  return Status::InvalidArgument("user " + id + " was revoked at " + **revoked_at +
                                 "; a revoked user gets no new token (add a new user); nothing "
                                 "was changed");
}

bool PrepareSqlite() {
  return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
}

Result<std::unique_ptr<Store>> OpenStore(const std::string& url, bool create) {
  if (url.rfind("sqlite:", 0) == 0) {
    std::string path = url.substr(7);
    if (path.empty())
      return Status::InvalidArgument("store URL '" + url + "': expected sqlite:PATH");
    auto s = SqliteStore::Open(path, create);
    if (!s.ok()) return s.status();
    return std::unique_ptr<Store>(std::move(*s));
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    auto s = PostgresStore::Open(url, create);
    if (!s.ok()) return s.status();
    return std::unique_ptr<Store>(std::move(*s));
  }
  return Status::InvalidArgument("store URL '" + RedactPassword(url) +
                                 "': expected sqlite:PATH or postgresql://...");
}

Result<std::unique_ptr<Store>> OpenStoreReadOnly(const std::string& url) {
  if (url.rfind("sqlite:", 0) == 0) {
    std::string path = url.substr(7);
    if (path.empty())
      return Status::InvalidArgument("store URL '" + url + "': expected sqlite:PATH");
    auto s = SqliteStore::OpenReadOnly(path);
    if (!s.ok()) return s.status();
    return std::unique_ptr<Store>(std::move(*s));
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    auto s = PostgresStore::OpenReadOnly(url);
    if (!s.ok()) return s.status();
    return std::unique_ptr<Store>(std::move(*s));
  }
  return Status::InvalidArgument("store URL '" + RedactPassword(url) +
                                 "': expected sqlite:PATH or postgresql://...");
}

}  // namespace concordat::store
