// Connection URLs as they may be shown: in log lines, in --check's report, in errors. A
// PostgreSQL URL may carry a password (postgresql://user:secret@host/db, or ?password=secret);
// secrets are never logged, so anything that prints a URL prints it through this.
#pragma once

#include <string>

namespace concordat {

// `url` with the password of its user-info and of any password= parameter replaced by "***".
// Everything else is kept, so the URL still says which store or source it is.
std::string RedactPassword(const std::string& url);

}  // namespace concordat
