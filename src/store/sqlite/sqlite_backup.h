// A copy of an SQLite store taken while it is in use (concordat backup).
#pragma once

#include <functional>
#include <string>

#include "base/status.h"

namespace concordat::store {

// Copies the SQLite database at `from` to a new file `to`, as it stood at one moment: the copy
// reads one snapshot of the database, so a server appending meanwhile neither waits for it nor
// gets into it half way. The copy is written as `to`.partial, synced, and renamed to `to`
// only when whole; on any failure nothing is left at `to`. Refuses a `to` that exists.
// `progress(copied, total)` is told the pages copied so far, as the copy goes.
Status BackupSqliteFile(const std::string& from, const std::string& to,
                        const std::function<void(int copied, int total)>& progress = {});

}  // namespace concordat::store
