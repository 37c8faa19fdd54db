// The SQL that lists an organisation's requests or disclosures for a ListQuery (store.h),
// shared by both stores so that they page alike.
//
// Parameters: 1 the organisation, 2 and 3 the cursor (time in ms, id; with no cursor, the
// largest time and ""), 4 the limit, 5 the status when the query names one, and then (6 in
// SQLite; the next number in PostgreSQL, which numbers only what is bound) the subject tag
// when the query names one. Each
// direction reads its own index ((from_org, ...) or (to_org, ...)) newest first and stops at
// the limit, so a page costs the same however many items the organisation has; both
// directions together merge two such reads. An organisation's item to itself is listed once.
#pragma once

#include <cstdint>
#include <string>

#include "store/store.h"

namespace concordat::store {

enum class SqlDialect { kSqlite, kPostgres };

// What is listed. Requests: every column, in the order the stores read a request. Disclosures:
// id, at_ms, from_org, to_org, to_user, protocol, version, subject_tag, fields, retain_until,
// audit_index (no content).
enum class ListTable { kRequests, kDisclosures };

std::string ListSql(const ListQuery& q, ListTable table, SqlDialect dialect);

// The request columns, in the order the stores read them (also for one request by id).
extern const char kRequestColumns[];

// Whether the query names a status to filter on (requests only; then parameter 5 is bound).
inline bool ListUsesStatus(const ListQuery& q, ListTable table) {
  return table == ListTable::kRequests && !q.status.empty();
}

// Whether the query names a subject (its tag) to filter on; then its parameter is bound last.
inline bool ListUsesSubject(const ListQuery& q) {
  return !q.subject_tag.empty();
}

// The cursor's time: the query's, or the largest there is when it has none.
inline int64_t ListBeforeMs(const ListQuery& q) {
  return q.after_cursor ? q.before_ms : INT64_MAX;
}

}  // namespace concordat::store
