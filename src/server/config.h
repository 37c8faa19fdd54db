// concordatd's configuration file (YAML). Every key is documented in docs/configuration.md.
// Unknown keys are refused, and every error names the file, line and key.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "exchange/sql_source.h"

namespace concordat::server {

struct TlsConfig {
  // Server certificate and private key (PEM). When neither file exists and both are the
  // defaults, concordatd creates a self-signed pair on first start and prints its fingerprint.
  std::string certificate = "var/tls/server.crt";
  std::string private_key = "var/tls/server.key";
  bool named = false;  // the configuration names them: never generated then
};

struct ServerConfig {
  std::string store = "sqlite:var/concordat.db";
  std::string signing_key;  // default: beside an SQLite store, else var/concordat.signing-key
  std::string master_key;   // default: beside an SQLite store, else var/concordat.master-key
  // Providers' systems of record for self-service look-ups, by provider partner id.
  std::map<std::string, exchange::SourceConfig> connectors;
  std::vector<std::string> registry = {"protocols"};  // directories (or files), merged
  std::string listen = "127.0.0.1:8443";              // host:port; [v6]:port
  TlsConfig tls;
  std::map<std::string, std::vector<std::string>> sites;    // site -> CIDR networks
  std::map<std::string, std::vector<std::string>> devices;  // device -> "sha256:<hex>" pins
  std::string log_level = "info";                           // debug | info | warn | error
  uint64_t max_body_bytes = 64 * 1024;
  int request_timeout_seconds = 15;     // reading one request, slow clients included
  int worker_threads = 32;              // requests waiting on durable audit appends
  int token_cache_seconds = 30;         // how long a token's user is trusted before re-reading
  int lookups_per_user_per_hour = 600;  // self-service look-ups one user may make; 0: no limit

  std::string SigningKeyPath() const;
  std::string MasterKeyPath() const;
  std::string host() const;  // of listen
  uint16_t port() const;
};

// Reads a configuration file; keys not in the file keep the defaults above.
Result<ServerConfig> LoadConfig(const std::string& path);

// Checks the values (listen address, log level, fingerprints, limits).
Status ValidateConfig(const ServerConfig& c, const std::string& origin);

}  // namespace concordat::server
