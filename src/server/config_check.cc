#include "server/config_check.h"

#include <openssl/ssl.h>

#include <filesystem>
#include <memory>
#include <set>

#include "audit/sth.h"
#include "base/redact.h"
#include "exchange/disclosure_vault.h"
#include "exchange/sql_source.h"
#include "model/lint.h"
#include "server/registry_dirs.h"
#include "server/site_networks.h"
#include "server/tls_identity.h"
#include "store/store.h"

namespace concordat::server {
namespace {

namespace fs = std::filesystem;

// The report: one line per part, and the worst exit code seen.
class Report {
 public:
  explicit Report(std::ostream& out) : out_(out) {}

  void Ok(const std::string& part, const std::string& what) { Line("ok  ", part, what); }
  // A part that would stop the start: 2 the configuration or a file it names, 3 the store.
  void Fail(int code, const std::string& part, const std::string& why) {
    Line("FAIL", part, why);
    ++problems_;
    if (code == 2 || exit_code_ == 0) exit_code_ = code;
  }
  int exit_code() const { return exit_code_; }
  int problems() const { return problems_; }

 private:
  void Line(const char* mark, const std::string& part, const std::string& text) {
    out_ << mark << "  " << part << std::string(part.size() < 14 ? 14 - part.size() : 1, ' ')
         << text << "\n";
  }
  std::ostream& out_;
  int exit_code_ = 0;
  int problems_ = 0;
};

std::string Plural(size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

bool Exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

void CheckSitesAndDevices(const ServerConfig& c, Report* r) {
  size_t networks = 0, pins = 0;
  for (const auto& [_, list] : c.sites) networks += list.size();
  for (const auto& [_, list] : c.devices) pins += list.size();
  if (auto sites = SiteNetworks::Build(c.sites); !sites.ok())
    r->Fail(2, "sites", sites.status().message());
  else
    r->Ok("sites", Plural(c.sites.size(), "site", "sites") + " (" +
                       Plural(networks, "network", "networks") + ")");
  r->Ok("devices", Plural(c.devices.size(), "device", "devices") + " (" +
                       Plural(pins, "certificate", "certificates") + ")");
}

void CheckTls(const ServerConfig& c, Report* r) {
  const std::string& cert = c.tls.certificate;
  const std::string& key = c.tls.private_key;
  if (!c.tls.named) {
    const bool have_cert = Exists(cert), have_key = Exists(key);
    if (!have_cert && !have_key) {
      r->Ok("tls",
            "no certificate yet: a self-signed one will be made at " + cert + " on first start");
      return;
    }
    if (have_cert != have_key) {
      r->Fail(2, "tls",
              "only one of " + cert + " and " + key +
                  " exists; restore the other or remove both to make a new pair");
      return;
    }
  }
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()),
                                                        &SSL_CTX_free);
  if (!ctx) {
    r->Fail(2, "tls", "OpenSSL could not make a TLS context");
    return;
  }
  if (Status s = UseServerIdentity(ctx.get(), cert, key); !s.ok()) {
    r->Fail(2, "tls", s.message());
    return;
  }
  auto fingerprint = FingerprintOfFile(cert);
  r->Ok("tls", cert + (fingerprint.ok() ? " (" + *fingerprint + ")" : "") + ", its key " + key);
}

// The registry, and how it stands against the store.
void CheckRegistryAndStore(const ServerConfig& c, Report* r) {
  auto registry = LoadRegistryDirs(c.registry);
  if (!registry.ok()) {
    r->Fail(2, "registry", registry.status().message());
  } else {
    std::set<std::string> ids;
    for (const auto& p : registry->protocols) ids.insert(p.id);
    std::string dirs;
    for (const auto& d : c.registry) dirs += (dirs.empty() ? "" : ", ") + d;
    size_t errors = 0, warnings = 0;
    for (const auto& p : registry->protocols) {
      const model::FindingCounts counts =
          model::CountFindings(model::Lint(p, {.at = Date::Today()}));
      errors += counts.errors;
      warnings += counts.warnings;
    }
    r->Ok("registry", Plural(registry->protocols.size(), "version", "versions") + " of " +
                          Plural(ids.size(), "protocol", "protocols") + " from " + dirs +
                          "; lint finds " + Plural(errors, "error", "errors") + " and " +
                          Plural(warnings, "warning", "warnings") +
                          " in them (concordat lint names each)");
  }
  const std::string shown = RedactPassword(c.store);
  auto st = store::OpenStoreReadOnly(c.store);
  if (!st.ok()) {
    // concordatd makes an SQLite store that is not there yet; anything else it cannot start on.
    if (st.status().code() == Status::Code::kNotFound && c.store.rfind("sqlite:", 0) == 0 &&
        !Exists(c.store.substr(7))) {
      r->Ok("store",
            shown + ": none yet; it will be made on first start" +
                (registry.ok() ? ", and the registry's " +
                                     Plural(registry->protocols.size(), "version", "versions") +
                                     " recorded in its audit log"
                               : std::string()));
      return;
    }
    r->Fail(3, "store", st.status().message());
    return;
  }
  auto version = (*st)->SchemaVersion();
  const int latest = (*st)->LatestSchemaVersion();
  if (!version.ok()) {
    r->Fail(3, "store", version.status().message());
    return;
  }
  if (*version > latest) {
    r->Fail(3, "store",
            shown + ": schema version " + std::to_string(*version) + ", newer than this " +
                "Concordat (" + std::to_string(latest) + "); upgrade Concordat");
    return;
  }
  std::string state = shown + ": schema version " + std::to_string(*version);
  if (*version < latest)
    state += " (it will be migrated to " + std::to_string(latest) + " on start)";
  if (!registry.ok()) {
    r->Ok("store", state);
    return;
  }
  auto fresh = NewVersions(**st, *registry, ContentHashes(*registry));
  if (!fresh.ok()) {
    r->Ok("store", state);
    r->Fail(fresh.status().code() == Status::Code::kInvalidArgument ? 2 : 3, "registry",
            fresh.status().message());
    return;
  }
  if (fresh->empty()) {
    state += "; every registry version is in force already";
  } else {
    state += "; new to it, to be recorded on start (or on SIGHUP): ";
    for (size_t i = 0; i < fresh->size(); ++i)
      state += (i ? ", " : "") + (*fresh)[i].protocol->id + " " + (*fresh)[i].protocol->version;
  }
  r->Ok("store", state);
}

void CheckKeys(const ServerConfig& c, Report* r) {
  const std::string signing = c.SigningKeyPath();
  if (!Exists(signing)) {
    r->Ok("signing key", signing + ": none yet; it will be made on first start");
  } else if (auto s = audit::Signer::Load(signing); !s.ok()) {
    r->Fail(2, "signing key", s.status().message());
  } else {
    r->Ok("signing key", signing);
  }
  const std::string master = c.MasterKeyPath();
  if (!Exists(master)) {  // DisclosureVault::Open would make one: only looked at when there
    r->Ok("master key", master + ": none yet; it will be made on first start");
  } else if (auto v = exchange::DisclosureVault::Open(master); !v.ok()) {
    r->Fail(2, "master key", v.status().message());
  } else {
    r->Ok("master key", master);
  }
}

void CheckConnectors(const ServerConfig& c, Report* r) {
  if (c.connectors.empty()) {
    r->Ok("connectors", "none (look-ups answer NO_CONNECTOR)");
    return;
  }
  for (const auto& [provider, source] : c.connectors) {
    auto opened = exchange::SqlSource::Open(provider, source);
    if (!opened.ok()) {
      r->Fail(2, "connectors", opened.status().message());
      continue;
    }
    std::string categories;
    for (const auto& [category, _] : source.categories)
      categories += (categories.empty() ? "" : ", ") + category;
    r->Ok("connectors", provider + ": " + RedactPassword(source.url) + " (" + categories + ")");
  }
}

}  // namespace

int CheckConfiguration(const ServerConfig& config, const std::string& origin, std::ostream& out) {
  Report r(out);
  r.Ok("configuration", origin.empty() ? "the defaults (no --config)" : origin);
  r.Ok("listen", "https://" + config.listen + " (not tried: a running server holds it)");
  CheckSitesAndDevices(config, &r);
  CheckTls(config, &r);
  CheckRegistryAndStore(config, &r);
  CheckKeys(config, &r);
  CheckConnectors(config, &r);
  if (r.problems() == 0)
    out << "concordatd --check: ready to start; nothing was changed\n";
  else
    out << "concordatd --check: "
        << Plural(static_cast<size_t>(r.problems()), "problem", "problems")
        << "; a start would fail (exit " << r.exit_code() << "); nothing was changed\n";
  return r.exit_code();
}

}  // namespace concordat::server
