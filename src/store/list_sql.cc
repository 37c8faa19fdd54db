#include "store/list_sql.h"

namespace concordat::store {

const char kRequestColumns[] =
    "id, at_ms, from_org, from_user, to_org, protocol, version, purpose, audit_reference, data, "
    "allowed_fields, subject_tag, status, decision_index, closed_at_ms, closed_by, "
    "decline_reason, disclosure_id, nonce, ciphertext, wrapped_key";

std::string ListSql(const ListQuery& q, ListTable table, SqlDialect dialect) {
  const bool requests = table == ListTable::kRequests;
  const std::string name = requests ? "requests" : "disclosures";
  const std::string columns = requests ? kRequestColumns
                                       : "id, at_ms, from_org, to_org, to_user, protocol, "
                                         "version, subject_tag, fields, retain_until, audit_index";
  const bool pg = dialect == SqlDialect::kPostgres;
  const std::string org = pg ? "$1" : "?1", ms = pg ? "$2::bigint" : "?2", id = pg ? "$3" : "?3",
                    limit = pg ? "$4::bigint" : "?4", status = pg ? "$5" : "?5",
                    subject = pg ? (ListUsesStatus(q, table) ? "$6" : "$5") : "?6";
  auto one = [&](const char* column, bool not_to_self) {
    std::string sql = "SELECT " + columns + " FROM " + name + " WHERE " + column + " = " + org;
    if (not_to_self) sql += " AND from_org <> " + org;
    if (ListUsesStatus(q, table)) sql += " AND status = " + status;
    if (ListUsesSubject(q)) sql += " AND subject_tag = " + subject;
    sql += " AND at_ms <= " + ms + " AND (at_ms < " + ms + " OR id < " + id +
           ") ORDER BY at_ms DESC, id DESC LIMIT " + limit;
    return sql;
  };
  switch (q.direction) {
    case ListQuery::Direction::kSent:
      return one("from_org", false);
    case ListQuery::Direction::kReceived:
      return one("to_org", false);
    case ListQuery::Direction::kBoth:
      break;
  }
  return "SELECT * FROM (" + one("from_org", false) + ") AS sent UNION ALL SELECT * FROM (" +
         one("to_org", true) + ") AS received ORDER BY at_ms DESC, id DESC LIMIT " + limit;
}

}  // namespace concordat::store
