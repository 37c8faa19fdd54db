// concordatd: the HTTPS service where partners share. See docs/configuration.md.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "server/config.h"
#include "server/https_server.h"
#include "server/log_lines.h"
#include "server/service.h"
#include "server/tls_identity.h"

using namespace concordat;
using namespace concordat::server;

int main(int argc, char** argv) {
  CLI::App app{
      "concordatd: decides every share against the protocol in force, records it in the audit "
      "log, and serves partners over HTTPS.\nExit codes: 0 stopped cleanly, 2 bad "
      "configuration, 3 could not start (store, registry, address)."};
  std::string config_path;
  app.add_option("-c,--config", config_path,
                 "Configuration file (YAML; every key in docs/configuration.md). Without it, "
                 "the defaults: sqlite:var/concordat.db, protocols/, 127.0.0.1:8443.");
  CLI11_PARSE(app, argc, argv);

  ServerConfig config;
  if (!config_path.empty()) {
    auto loaded = LoadConfig(config_path);
    if (!loaded.ok()) {
      std::cerr << "concordatd: " << loaded.status().message() << "\n";
      return 2;
    }
    config = *loaded;
  }
  LogLines log(LogLines::ParseLevel(config.log_level));
  if (!config.tls.named) {
    bool created = false;
    auto fp =
        EnsureSelfSigned(config.tls.certificate, config.tls.private_key, config.host(), &created);
    if (!fp.ok()) {
      std::cerr << "concordatd: " << fp.status().message() << "\n";
      return 3;
    }
    log.Write(Level::kInfo,
              created ? "created a self-signed certificate" : "using the self-signed certificate",
              {{"certificate", config.tls.certificate}, {"fingerprint", *fp}});
  } else if (auto fp = FingerprintOfFile(config.tls.certificate); !fp.ok()) {
    std::cerr << "concordatd: tls.certificate: " << fp.status().message() << "\n";
    return 2;
  }
  auto service = Service::Open(config, &log);
  if (!service.ok()) {
    std::cerr << "concordatd: " << service.status().message() << "\n";
    return 3;
  }
  HttpsServer server(config, service->get(), &log);
  if (Status s = server.Listen(); !s.ok()) {
    std::cerr << "concordatd: " << s.message() << "\n";
    return 3;
  }
  log.Write(Level::kInfo, "listening",
            {{"url", "https://" + config.listen},
             {"store", config.store},
             {"registry", [&] {
                std::string all;
                for (const auto& d : config.registry) all += (all.empty() ? "" : ", ") + d;
                return all;
              }()}});
  server.Run();
  // In this order: handlers still on the worker pool finish, then the service (and its log
  // writer, which drains what was submitted), then the network side.
  server.JoinWorkers();
  service->reset();
  return 0;
}
