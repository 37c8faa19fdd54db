#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <filesystem>
#include <set>

#include "server/site_networks.h"

namespace concordat::server {
namespace {

struct Where {
  std::string file;
  Status At(const YAML::Node& n, const std::string& key, const std::string& what) const {
    return Status::InvalidArgument(file + ":" + std::to_string(n.Mark().line + 1) + ":" +
                                   std::to_string(n.Mark().column + 1) + ": " + key + ": " + what);
  }
};

Status Scalar(const Where& w, const YAML::Node& n, const std::string& key, std::string* out) {
  if (!n.IsScalar()) return w.At(n, key, "expected a string");
  *out = n.Scalar();
  return Status::Ok();
}

template <typename Int>
Status Integer(const Where& w, const YAML::Node& n, const std::string& key, Int lo, Int hi,
               Int* out) {
  if (!n.IsScalar()) return w.At(n, key, "expected a whole number");
  const std::string& t = n.Scalar();
  Int v{};
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size() || v < lo || v > hi)
    return w.At(n, key,
                "expected a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) +
                    ", found '" + t + "'");
  *out = v;
  return Status::Ok();
}

Status NameToList(const Where& w, const YAML::Node& n, const std::string& key,
                  std::map<std::string, std::vector<std::string>>* out) {
  if (n.IsNull()) return Status::Ok();
  if (!n.IsMap()) return w.At(n, key, "expected a map of name -> list");
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string name = it->first.Scalar();
    const std::string path = key + "." + name;
    if (out->count(name)) return w.At(it->first, path, "appears twice");
    std::vector<std::string> items;
    if (it->second.IsScalar()) {
      items.push_back(it->second.Scalar());
    } else if (it->second.IsSequence()) {
      for (size_t i = 0; i < it->second.size(); ++i) {
        std::string s;
        if (Status st = Scalar(w, it->second[i], path + "[" + std::to_string(i) + "]", &s);
            !st.ok())
          return st;
        items.push_back(s);
      }
    } else {
      return w.At(it->second, path, "expected a list");
    }
    (*out)[name] = std::move(items);
  }
  return Status::Ok();
}

Status Connectors(const Where& w, const YAML::Node& n,
                  std::map<std::string, exchange::SourceConfig>* out) {
  if (n.IsNull()) return Status::Ok();
  if (!n.IsMap()) return w.At(n, "connectors", "expected a map of provider -> connector");
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string provider = it->first.Scalar();
    const std::string at = "connectors." + provider;
    if (!it->second.IsMap()) return w.At(it->second, at, "expected source: and categories:");
    exchange::SourceConfig c;
    for (auto k = it->second.begin(); k != it->second.end(); ++k) {
      const std::string key = k->first.Scalar();
      if (key == "source") {
        if (Status s = Scalar(w, k->second, at + ".source", &c.url); !s.ok()) return s;
      } else if (key == "categories") {
        if (!k->second.IsMap())
          return w.At(k->second, at + ".categories", "expected a map of category -> query");
        for (auto q = k->second.begin(); q != k->second.end(); ++q) {
          const std::string cat = q->first.Scalar();
          const std::string qat = at + ".categories." + cat;
          exchange::CategoryQuery cq;
          if (!q->second.IsMap()) return w.At(q->second, qat, "expected query: and fields:");
          for (auto f = q->second.begin(); f != q->second.end(); ++f) {
            const std::string fk = f->first.Scalar();
            if (fk == "query") {
              if (Status s = Scalar(w, f->second, qat + ".query", &cq.query); !s.ok()) return s;
            } else if (fk == "fields") {
              if (!f->second.IsMap())
                return w.At(f->second, qat + ".fields", "expected a map of column -> field");
              for (auto m = f->second.begin(); m != f->second.end(); ++m)
                cq.fields[m->first.Scalar()] = m->second.Scalar();
            } else {
              return w.At(f->first, qat + "." + fk, "unknown key; expected query, fields");
            }
          }
          if (cq.query.empty()) return w.At(q->second, qat + ".query", "required");
          c.categories[cat] = std::move(cq);
        }
      } else {
        return w.At(k->first, at + "." + key, "unknown key; expected source, categories");
      }
    }
    if (c.url.empty())
      return w.At(it->second, at + ".source", "required: sqlite:PATH or postgresql://...");
    (*out)[provider] = std::move(c);
  }
  return Status::Ok();
}

}  // namespace

std::string ServerConfig::SigningKeyPath() const {
  if (!signing_key.empty()) return signing_key;
  if (store.rfind("sqlite:", 0) == 0) return store.substr(7) + ".signing-key";
  return "var/concordat.signing-key";
}

std::string ServerConfig::MasterKeyPath() const {
  if (!master_key.empty()) return master_key;
  if (store.rfind("sqlite:", 0) == 0) return store.substr(7) + ".master-key";
  return "var/concordat.master-key";
}

std::string ServerConfig::host() const {
  if (!listen.empty() && listen[0] == '[') return listen.substr(1, listen.find(']') - 1);
  return listen.substr(0, listen.rfind(':'));
}

uint16_t ServerConfig::port() const {
  const std::string p = listen.substr(listen.rfind(':') + 1);
  unsigned v = 0;
  std::from_chars(p.data(), p.data() + p.size(), v);
  return static_cast<uint16_t>(v);
}

Result<ServerConfig> LoadConfig(const std::string& path) {
  auto unreadable = [&path](const std::string& why) {
    return Status::NotFound(path + ": cannot read the configuration file (" + why + ")");
  };
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return unreadable("no such file");
  if (std::filesystem::is_directory(path, ec)) return unreadable("it is a directory");
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return unreadable("not readable by this user");
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                   std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const std::exception& e) {  // an I/O error while reading it
    return unreadable(e.what());
  }
  ServerConfig c;
  Where w{path};
  if (root.IsNull()) return c;
  if (!root.IsMap()) return w.At(root, "(top level)", "expected a map of settings");
  std::set<std::string> seen;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string key = it->first.Scalar();
    const YAML::Node v = it->second;
    if (!seen.insert(key).second) return w.At(it->first, key, "appears twice");
    Status s;
    if (key == "store") {
      s = Scalar(w, v, key, &c.store);
    } else if (key == "master_key") {
      s = Scalar(w, v, key, &c.master_key);
    } else if (key == "connectors") {
      s = Connectors(w, v, &c.connectors);
    } else if (key == "signing_key") {
      s = Scalar(w, v, key, &c.signing_key);
    } else if (key == "registry") {
      c.registry.clear();
      if (v.IsSequence()) {
        for (size_t i = 0; i < v.size() && s.ok(); ++i) {
          std::string dir;
          s = Scalar(w, v[i], "registry[" + std::to_string(i) + "]", &dir);
          c.registry.push_back(dir);
        }
        if (s.ok() && c.registry.empty()) s = w.At(v, key, "name at least one directory");
      } else {
        std::string dir;
        s = Scalar(w, v, key, &dir);
        c.registry.push_back(dir);
      }
    } else if (key == "listen") {
      s = Scalar(w, v, key, &c.listen);
    } else if (key == "log_level") {
      s = Scalar(w, v, key, &c.log_level);
    } else if (key == "max_body_bytes") {
      s = Integer<uint64_t>(w, v, key, 1024, 64ull << 20, &c.max_body_bytes);
    } else if (key == "request_timeout_seconds") {
      s = Integer<int>(w, v, key, 1, 3600, &c.request_timeout_seconds);
    } else if (key == "worker_threads") {
      s = Integer<int>(w, v, key, 1, 1024, &c.worker_threads);
    } else if (key == "token_cache_seconds") {
      s = Integer<int>(w, v, key, 0, 3600, &c.token_cache_seconds);
    } else if (key == "lookups_per_user_per_hour") {
      s = Integer<int>(w, v, key, 0, 1000000, &c.lookups_per_user_per_hour);
    } else if (key == "sites") {
      s = NameToList(w, v, key, &c.sites);
    } else if (key == "devices") {
      s = NameToList(w, v, key, &c.devices);
    } else if (key == "tls") {
      if (!v.IsMap()) return w.At(v, key, "expected certificate: and private_key:");
      c.tls.named = true;
      for (auto t = v.begin(); t != v.end(); ++t) {
        const std::string k = t->first.Scalar();
        if (k == "certificate") {
          s = Scalar(w, t->second, "tls.certificate", &c.tls.certificate);
        } else if (k == "private_key") {
          s = Scalar(w, t->second, "tls.private_key", &c.tls.private_key);
        } else {
          return w.At(t->first, "tls." + k, "unknown key; expected certificate, private_key");
        }
        if (!s.ok()) return s;
      }
    } else {
      return w.At(it->first, key,
                  "unknown key; expected store, signing_key, master_key, registry, listen, tls, "
                  "sites, devices, connectors, log_level, max_body_bytes, "
                  "request_timeout_seconds, worker_threads, token_cache_seconds, "
                  "lookups_per_user_per_hour");
    }
    if (!s.ok()) return s;
  }
  if (Status s = ValidateConfig(c, path); !s.ok()) return s;
  return c;
}

Status ValidateConfig(const ServerConfig& c, const std::string& origin) {
  auto bad = [&](const std::string& key, const std::string& what) {
    return Status::InvalidArgument(origin + ": " + key + ": " + what);
  };
  const size_t colon = c.listen.rfind(':');
  if (colon == std::string::npos || c.port() == 0 ||
      c.listen.substr(colon + 1) != std::to_string(c.port()))
    return bad("listen", "'" + c.listen + "' is not host:port (for example 127.0.0.1:8443)");
  if (!ParseAddress(c.host()).ok())
    return bad("listen", "'" + c.host() + "' is not an IP address to listen on");
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" &&
      c.log_level != "error")
    return bad("log_level", "'" + c.log_level + "' is not one of debug, info, warn, error");
  if (auto sites = SiteNetworks::Build(c.sites); !sites.ok())
    return Status::InvalidArgument(origin + ": " + sites.status().message());
  std::map<std::string, std::string> pinned;
  for (const auto& [device, pins] : c.devices) {
    for (size_t i = 0; i < pins.size(); ++i) {
      const std::string key = "devices." + device + "[" + std::to_string(i) + "]";
      std::string hex;
      if (pins[i].rfind("sha256:", 0) == 0)
        for (char ch : pins[i].substr(7))
          if (ch != ':') hex += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos)
        return bad(key, "'" + pins[i] +
                            "' is not a certificate fingerprint; expected sha256: and 64 hex "
                            "digits (openssl x509 -fingerprint -sha256)");
      if (auto [it, added] = pinned.emplace(hex, device); !added)
        return bad(key, "the certificate is already the device " + it->second);
    }
  }
  return Status::Ok();
}

}  // namespace concordat::server
