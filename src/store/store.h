// The store: everything Concordat persists, behind one interface, with versioned migrations.
//
// This build persists the audit log (entries, subtree hashes, signed tree heads) and the
// protocol versions that decisions refer to. Implementations: sqlite/ (the embedded default)
// and postgres/ (several processes sharing one database). Store URLs: "sqlite:PATH" and
// "postgresql://user@host:port/db" (libpq's URI form, including ?host=/socket/dir).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "audit/log_backend.h"
#include "base/status.h"

namespace concordat::store {

// A person who uses Concordat: their organisation and roles come from here, never from a
// request. Only the SHA-256 of their bearer token is kept.
struct User {
  std::string id;            // unique, e.g. "u-4411"
  std::string organisation;  // a partner id
  std::string name;          // display name; may be empty
  std::vector<std::string> roles;
  std::string token_hash;  // "sha256:<hex>" of the bearer token
  // "sha256:<hex>" fingerprint of a client certificate the user may also sign in with (a
  // partner's system calling the server, say); empty for none. Unique among users.
  std::string certificate;
  std::string created_at;  // ISO 8601, UTC; set by the store
  std::string revoked_at;  // ISO 8601, UTC; empty while the token is valid
  // When the user's access ends (token and certificate alike), "YYYY-MM-DDTHH:MM:SSZ"; empty:
  // it does not. Set when the user is added and again with each new token.
  std::string expires_at;
};

// Personal data that left a provider: who sent what to whom, when, under which protocol
// version. The content is encrypted with a key of its own (wrapped_key holds it, encrypted
// with the master key); subject_tag is a keyed hash of the subject reference, so rights
// requests can find a subject's disclosures without the store holding the reference in clear.
// subject_tag is not indexed: an index keyed by it takes each new disclosure at a random place,
// which cost a third of the look-up rate over many people (BENCHMARKS.md); finding a subject's
// disclosures is a scan, or an index built to grow at one edge, when rights requests need it.
struct Disclosure {
  std::string id;  // 32 hex digits
  int64_t at_ms = 0;
  std::string from_org, to_org, to_user;
  std::string protocol, version;
  std::string subject_tag;
  std::vector<std::string> fields;
  std::string retain_until;                    // YYYY-MM-DD, or "" when the protocol sets none
  std::string nonce, ciphertext, wrapped_key;  // empty in listings
  uint64_t audit_index = 0;                    // the log entry that records it
};

// A request for information from one partner to another (section 7's request and response).
// The subject and justification are sealed (like a disclosure's content) so the provider can
// read them and the store holds neither in clear.
struct ShareRequest {
  std::string id;  // 32 hex digits
  int64_t at_ms = 0;
  std::string from_org, from_user, to_org;
  std::string protocol, version, purpose, audit_reference;
  std::vector<std::string> data, allowed_fields;
  std::string subject_tag;
  std::string nonce, ciphertext, wrapped_key;  // sealed {subject, justification}
  std::string status = "open";                 // open | answered | declined
  uint64_t decision_index = 0;
  int64_t closed_at_ms = 0;
  std::string closed_by, decline_reason, disclosure_id;
};

// Which of an organisation's requests or disclosures to list: newest first (by time, then id,
// both descending), those it sent, received or both, optionally only requests in one status,
// and only those strictly older than a cursor (the last item of the page before).
struct ListQuery {
  enum class Direction { kBoth, kSent, kReceived };
  std::string org;
  Direction direction = Direction::kBoth;
  std::string status;  // requests only: "open", "answered", "declined" or "cancelled"; "" for any
  bool after_cursor = false;
  int64_t before_ms = 0;  // with after_cursor: only items older than (before_ms, before_id)
  std::string before_id;
  size_t limit = 100;
  // Only items about this subject: their keyed hash (DisclosureVault::SubjectTag), as the items
  // hold it; "" for any.
  std::string subject_tag;
};

class Store : public audit::LogBackend {
 public:
  // Requests. CloseRequest changes an open request to answered, declined or cancelled and fails
  // (kAlreadyExists, nothing changed) when it is not open any more.
  virtual Status PutRequest(const ShareRequest& r) = 0;
  virtual Result<std::vector<ShareRequest>> RequestsOf(const ListQuery& q) = 0;
  virtual Result<std::optional<ShareRequest>> RequestById(const std::string& id) = 0;
  virtual Status CloseRequest(const std::string& id, const std::string& status,
                              int64_t closed_at_ms, const std::string& closed_by,
                              const std::string& decline_reason,
                              const std::string& disclosure_id) = 0;

  // Disclosures. Listing returns metadata only (no nonce, ciphertext or key); the query's
  // status is ignored.
  virtual Status PutDisclosure(const Disclosure& d) = 0;
  virtual Result<std::vector<Disclosure>> DisclosuresOf(const ListQuery& q) = 0;
  virtual Result<std::optional<Disclosure>> DisclosureById(const std::string& id) = 0;

  // Users. AddUser refuses an id or token hash already present and changes nothing then.
  virtual Status AddUser(const User& user) = 0;
  // A revoked user is still found (revoked_at says when), so that the server can say so.
  virtual Result<std::optional<User>> UserByTokenHash(const std::string& token_hash) = 0;
  // The user registered with this client certificate fingerprint, if any.
  virtual Result<std::optional<User>> UserByCertificate(const std::string& fingerprint) = 0;
  // Every user, by organisation then id.
  virtual Result<std::vector<User>> Users() = 0;
  // Revokes the user's token from now on: kNotFound for an unknown id, kAlreadyExists when it
  // is revoked already (and nothing changes then). The row stays: the log names its id.
  virtual Status RevokeUser(const std::string& id) = 0;
  // Gives an active user a new token (its hash) and access until `expires_at` (as User has it;
  // empty: no end): the old token stops working, the user stays who they were (same id, roles
  // and certificate, so the log's entries still name them). kNotFound for an unknown id;
  // kInvalidArgument for a revoked user (nothing changes then).
  virtual Status ReplaceToken(const std::string& id, const std::string& token_hash,
                              const std::string& expires_at) = 0;

  // The schema version the store holds, and the latest this build migrates to (each kind of
  // store numbers its own migrations).
  virtual Result<int> SchemaVersion() = 0;
  virtual int LatestSchemaVersion() const = 0;

  // Protocol versions by id and version: their canonical text and content hash. Putting an
  // existing (id, version) again with the same hash does nothing; with a different hash it is
  // refused: a version never changes.
  Status PutProtocolVersion(const std::string& id, const std::string& version,
                            const std::string& hash, const std::string& canonical);
  virtual Result<std::optional<std::string>> ProtocolVersionHash(const std::string& id,
                                                                 const std::string& version) = 0;

  virtual std::string Url() const = 0;

 protected:
  // Why revoking user `id` (revoke) or replacing its token (!revoke) changed no row, from when
  // the user was revoked as the store read it (nullopt: there is no such user): the statuses
  // RevokeUser and ReplaceToken document, or the read's own error.
  static Status UserUnchanged(const std::string& id,
                              const Result<std::optional<std::string>>& revoked_at, bool revoke);
  // Stores a protocol version unless one with its id and version is stored already (then it
  // does nothing: the caller reads back which text won).
  virtual Status InsertProtocolVersion(const std::string& id, const std::string& version,
                                       const std::string& hash, const std::string& canonical) = 0;
};

// Call once at the start of a program, before anything opens a store or a SQLite source: turns
// off SQLite's memory statistics, which nothing here reads and which put one process-wide mutex
// around every SQLite allocation and free (the log's writer and each look-up's source query,
// on different threads, took it in turn). Returns false, changing nothing, when SQLite is in use
// already; everything works either way.
bool PrepareSqlite();

// Opens (creating and migrating when `create`) the store at `url`.
Result<std::unique_ptr<Store>> OpenStore(const std::string& url, bool create);

// Opens an existing store at `url` only to read it: nothing is created, migrated or written
// (SQLite: opened read-only, and immutable when no writer has it open, so that not even its
// -wal and -shm files appear; PostgreSQL: every transaction read-only). A store at an older
// schema version opens as it is (SchemaVersion() tells); writes through it fail.
Result<std::unique_ptr<Store>> OpenStoreReadOnly(const std::string& url);

}  // namespace concordat::store
