// concordat: the command-line tool for Information Sharing Protocols.
#include <iostream>

#include "cli/commands.h"
#include "store/store.h"

int main(int argc, char** argv) {
  concordat::store::PrepareSqlite();  // first, before anything opens SQLite (store.h)
  CLI::App app{
      "Concordat: Information Sharing Protocols held as structured documents, checked and "
      "enforced.\nRun 'concordat COMMAND --help' for the options of a command."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("concordat ") + CONCORDAT_VERSION);
  int exit_code = concordat::cli::kExitOk;
  concordat::cli::RegisterLint(app, &exit_code);
  concordat::cli::RegisterShow(app, &exit_code);
  concordat::cli::RegisterCanonical(app, &exit_code);
  concordat::cli::RegisterDecide(app, &exit_code);
  concordat::cli::RegisterGenerate(app, &exit_code);
  concordat::cli::RegisterAudit(app, &exit_code);
  concordat::cli::RegisterUser(app, &exit_code);
  concordat::cli::RegisterBackup(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : concordat::cli::kExitBadInput;
  }
  return exit_code;
}
