// concordat backup: a copy of the store taken while the server runs, checked before it is
// called a backup.
#include <unistd.h>

#include <iostream>

#include "audit/verify.h"
#include "cli/commands.h"
#include "store/sqlite/sqlite_backup.h"
#include "store/store.h"

namespace concordat::cli {
namespace {

struct BackupArgs {
  std::string store = "sqlite:var/concordat.db";
  std::string to;
  std::string public_key;  // default: the store's signing key + .pub
};

int Fail(const std::string& message, int code = kExitBadInput) {
  std::cerr << "concordat backup: " << message << "\n";
  return code;
}

int RunBackup(const BackupArgs& a) {
  if (a.store.rfind("sqlite:", 0) != 0)
    return Fail(
        "a PostgreSQL store is backed up with PostgreSQL's own tools (pg_dump, or a base backup "
        "with WAL archiving), which copy it consistently while the servers run");
  const std::string from = a.store.substr(7);
  const bool tty = isatty(STDERR_FILENO);
  Status copied = store::BackupSqliteFile(from, a.to, [tty](int done, int total) {
    if (tty && total > 0)
      std::cerr << "\rcopied " << done << " of " << total << " pages" << std::flush;
  });
  if (tty) std::cerr << "\n";
  if (!copied.ok()) return Fail(copied.message());
  // A backup is only as good as what can be read back from it: its log, verified whole
  // against the log's public key.
  auto copy = store::OpenStoreReadOnly("sqlite:" + a.to);
  if (!copy.ok()) return Fail(a.to + ": the copy does not open: " + copy.status().message(), 1);
  const std::string key = a.public_key.empty() ? DefaultSigningKey(a.store) + ".pub" : a.public_key;
  auto pk = audit::LoadPublicKey(key);
  if (!pk.ok()) return Fail(pk.status().message() + " (the copy was made but not verified)");
  auto report = audit::VerifyLog(**copy, *pk, [tty](uint64_t done, uint64_t total) {
    if (tty) std::cerr << "\rverified " << done << " of " << total << " entries" << std::flush;
  });
  if (tty) std::cerr << "\n";
  if (!report.ok) {
    std::cout << "FAILED: the copy " << a.to << " does not verify: " << report.message << "\n";
    return kExitFindings;
  }
  std::cout << "backup: " << a.to << "; " << report.message << "\n"
            << "Not in it, and needed to use it: the log's signing key and the disclosures' "
               "master key (beside the store: "
            << from << ".signing-key, " << from
            << ".master-key). Keep copies of them apart from the backup.\n";
  return kExitOk;
}

}  // namespace

void RegisterBackup(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<BackupArgs>();
  CLI::App* cmd = app.add_subcommand(
      "backup",
      "Copy the store to a new file while the server runs, then verify the copy's audit log.\n"
      "Exit status: 0 copied and verified; 1 the copy does not verify; 2 it could not be made "
      "(nothing is left at --to).");
  cmd->add_option("--store", a->store, "Store URL: sqlite:PATH (default sqlite:var/concordat.db)");
  cmd->add_option("--to", a->to, "The backup file to create (it must not exist)")->required();
  cmd->add_option("--public-key", a->public_key,
                  "The log's public key (default: the store's path + .signing-key.pub)");
  cmd->callback([a, exit_code] { *exit_code = RunBackup(*a); });
}

}  // namespace concordat::cli
