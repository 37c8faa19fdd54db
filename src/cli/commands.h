// The `concordat` subcommands. Each Register* adds one subcommand to the app; the
// subcommand's callback stores its exit code in *exit_code.
//
// Exit codes shared by every command: 0 success, 1 the command ran and found problems
// (lint errors, ...), 2 input could not be read or the command line was wrong.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace concordat::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitBadInput = 2;

// The log's signing key file by default: beside an SQLite store, else under var/ (as
// concordatd's signing_key defaults).
inline std::string DefaultSigningKey(const std::string& store_url) {
  if (store_url.rfind("sqlite:", 0) == 0) return store_url.substr(7) + ".signing-key";
  return "var/concordat.signing-key";
}

void RegisterLint(CLI::App& app, int* exit_code);
void RegisterShow(CLI::App& app, int* exit_code);
void RegisterCanonical(CLI::App& app, int* exit_code);
void RegisterDecide(CLI::App& app, int* exit_code);    // decide and explain
void RegisterGenerate(CLI::App& app, int* exit_code);  // gen-registry and gen-requests
void RegisterAudit(CLI::App& app, int* exit_code);     // init and audit ...
void RegisterUser(CLI::App& app, int* exit_code);      // user add
void RegisterBackup(CLI::App& app, int* exit_code);    // backup

}  // namespace concordat::cli
