// concordatd: the HTTPS service where partners share. See docs/configuration.md.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "base/redact.h"
#include "server/config.h"
#include "server/config_check.h"
#include "server/https_server.h"
#include "server/log_lines.h"
#include "server/open_files.h"
#include "server/service.h"
#include "server/tls_identity.h"
#include "store/store.h"

using namespace concordat;
using namespace concordat::server;

int main(int argc, char** argv) {
  store::PrepareSqlite();  // first, before anything opens SQLite (store.h)
  // A file grown past the process's size limit (ulimit -f) is a failed write, answered and
  // logged like a full disk, not a signal that ends the server (PostgreSQL does the same).
  ::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{
      "concordatd: decides every share against the protocol in force, records it in the audit "
      "log, and serves partners over HTTPS.\nExit codes: 0 stopped cleanly (with --check: "
      "ready to start), 2 bad configuration, 3 could not start (store, registry, address)."};
  app.set_version_flag("--version", std::string("concordatd ") + CONCORDAT_VERSION);
  std::string config_path;
  app.add_option("-c,--config", config_path,
                 "Configuration file (YAML; every key in docs/configuration.md). Without it, "
                 "the defaults: sqlite:var/concordat.db, protocols/, 127.0.0.1:8443.");
  bool check = false;
  app.add_flag("--check", check,
               "Check the configuration and everything it names (TLS files, registry against "
               "the store, keys, connectors) without starting: nothing is created, migrated or "
               "written. Prints one line per part; safe beside a running server, e.g. before "
               "SIGHUP.");
  app.footer(
      "Signals: SIGTERM or SIGINT stop accepting and answer what is in flight (up to 30 s); "
      "SIGHUP reloads the configuration, the registry and the TLS certificate.\n"
      "Health and monitoring: GET /healthz, GET /readyz (no token), GET /metrics (a user with "
      "the role operator). Installing under systemd: docs/installing.md; what to do when "
      "something fails: docs/operations.md.");
  CLI11_PARSE(app, argc, argv);

  // Every line on standard error is a JSON log line, a refusal to start included, so that
  // whatever collects the log sees why the service is not running.
  ServerConfig config;
  LogLines log;
  auto fail = [&log](int code, const std::string& message) {
    log.Write(Level::kError, code == 2 ? "bad configuration" : "cannot start",
              {{"error", message}, {"#exit_code", std::to_string(code)}});
    return code;
  };
  if (!config_path.empty()) {
    auto loaded = LoadConfig(config_path);
    if (!loaded.ok()) {
      if (check) {
        std::cout << "FAIL  configuration " << loaded.status().message()
                  << "\nconcordatd --check: the configuration does not load (exit 2); nothing "
                     "was changed\n";
        return 2;
      }
      return fail(2, loaded.status().message());
    }
    config = *loaded;
  }
  if (check) return CheckConfiguration(config, config_path, std::cout);
  log.SetLevel(LogLines::ParseLevel(config.log_level));
  if (config.tls.named) {
    if (auto fp = FingerprintOfFile(config.tls.certificate); !fp.ok())
      return fail(2, "tls.certificate: " + fp.status().message());
  }
  // The store and the registry first: a start that fails on them creates nothing.
  auto service = Service::Open(config, &log, config_path);
  if (!service.ok()) return fail(3, service.status().message());
  if (!config.tls.named) {
    bool created = false;
    auto fp =
        EnsureSelfSigned(config.tls.certificate, config.tls.private_key, config.host(), &created);
    if (!fp.ok()) return fail(3, fp.status().message());
    log.Write(Level::kInfo,
              created ? "created a self-signed certificate" : "using the self-signed certificate",
              {{"certificate", config.tls.certificate}, {"fingerprint", *fp}});
  }
  const uint64_t max_open_files = RaiseOpenFileLimit();  // a descriptor per connection
  HttpsServer server(config, service->get(), &log);
  if (Status s = server.Listen(); !s.ok()) return fail(3, s.message());
  log.Write(Level::kInfo, "listening",
            {{"url", "https://" + config.listen},
             {"version", CONCORDAT_VERSION},
             {"store", RedactPassword(config.store)},
             {"registry",
              [&] {
                std::string all;
                for (const auto& d : config.registry) all += (all.empty() ? "" : ", ") + d;
                return all;
              }()},
             {"#max_open_files", std::to_string(max_open_files)}});
  server.Run();
  // In this order: handlers still on the worker pool finish, then the service (and its log
  // writer, which drains what was submitted), then the network side.
  server.JoinWorkers();
  service->reset();
  return 0;
}
