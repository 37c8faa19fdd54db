// concordat user add | token | list | revoke: the people who may use the server. `add` prints a
// bearer token once (the store keeps only its SHA-256); `token` replaces a user's token (a lost
// or leaked one) and prints the new one once; `revoke` ends a user's access; `list` shows who
// has one.
#include <sodium.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "audit/entry.h"
#include "audit/log.h"
#include "audit/sth.h"
#include "base/certificate_fingerprint.h"
#include "base/date.h"
#include "base/sha256.h"
#include "cli/commands.h"
#include "store/store.h"

namespace concordat::cli {
namespace {

bool IsId(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  return true;
}

// The store at `url`, or null after saying why on standard error as `command`.
std::unique_ptr<store::Store> OpenOrSay(const std::string& command, const std::string& url) {
  auto st = store::OpenStore(url, false);
  if (st.ok()) return std::move(*st);
  std::cerr << "concordat " << command << ": " << st.status().message() << "\n";
  return nullptr;
}

// A new bearer token: "cct_" and 64 hex digits from libsodium's random source.
std::string NewToken() {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  static const char kHex[] = "0123456789abcdef";
  std::string token = "cct_";
  for (unsigned char b : raw) {
    token.push_back(kHex[b >> 4]);
    token.push_back(kHex[b & 15]);
  }
  sodium_memzero(raw, sizeof raw);
  return token;
}

// The user with this id, or kNotFound saying nothing was changed.
Result<store::User> UserWithId(store::Store& st, const std::string& id) {
  auto users = st.Users();
  if (!users.ok()) return users.status();
  for (auto& u : *users)
    if (u.id == id) return std::move(u);
  return Status::NotFound("no user " + id + "; nothing was changed");
}

// Who may use the server is part of the record: each change is an "access" entry of the audit
// log (actor "system": the command line), made in one transaction with the change itself, so
// that neither is kept without the other. `event` names the change; `what` says to whom.
Status RecordAccessChange(store::Store& st, const std::string& key_path, const std::string& event,
                          const store::User& who, const std::function<Status()>& change) {
  auto signer = audit::Signer::Load(key_path);
  if (!signer.ok())
    return Status::InvalidArgument(signer.status().message() +
                                   " (access changes are signed into the audit log; --key names "
                                   "the signing key)");
  nlohmann::json what{{"event", event}, {"user", who.id}};
  if (!who.roles.empty()) what["roles"] = who.roles;
  if (!who.certificate.empty()) what["certificate"] = who.certificate;
  if (!who.expires_at.empty()) what["expires_at"] = who.expires_at;
  audit::LogEntry e;
  e.kind = "access";
  e.at = Instant{audit::NowMillis() / 1000};
  e.actor = "system";
  e.organisation = who.organisation;
  e.request = what.dump();
  std::vector<audit::LogEntry> entries{std::move(e)};
  const std::vector<audit::Log::WithEntry> with_entry{[&change](uint64_t) { return change(); }};
  audit::Log log(&st, &*signer);
  auto appended = log.Append(&entries, audit::NowMillis(), &with_entry);
  return appended.ok() ? Status::Ok() : appended.status();
}

// How long a new token (and the user's access with it) lasts unless --valid-days says: a year,
// so that a token nobody renews stops working on its own.
constexpr int kDefaultValidDays = 365;

// When access given now for `days` ends ("" for 0: no end).
std::string ExpiryAfter(int days) {
  if (days == 0) return "";
  return Instant{Instant::Now().seconds + int64_t{days} * 86400}.ToString();
}

// Whether access given until `expires_at` has ended at `now`, as the server judges it: text
// that is not a time has (the server refuses such a user).
bool Expired(const std::string& expires_at, int64_t now) {
  if (expires_at.empty()) return false;
  const auto end = Instant::Parse(expires_at);
  return !end || end->seconds <= now;
}

void AddValidDaysOption(CLI::App* cmd, int* days) {
  cmd->add_option("--valid-days", *days,
                  "Days the token works for; the user's access (token and certificate) ends then "
                  "until they are given a new token (concordat user token). 0: no end. Default " +
                      std::to_string(kDefaultValidDays))
      ->check(CLI::Range(0, 36500));
}

struct UserAdd {
  std::string store = "sqlite:var/concordat.db";
  std::string key;  // the log's signing key; default DefaultSigningKey(store)
  std::string id, org, name, roles;
  std::string certificate, fingerprint;  // at most one: a PEM file, or its fingerprint
  int valid_days = kDefaultValidDays;
};

int RunUserAdd(const UserAdd& a) {
  auto fail = [](const std::string& what) {
    std::cerr << "concordat user add: " << what << "\n";
    return kExitBadInput;
  };
  if (!IsId(a.id)) return fail("--id '" + a.id + "': expected lowercase letters, digits, - _ .");
  if (!IsId(a.org))
    return fail("--org '" + a.org + "': expected a partner id such as essex-police");
  store::User u;
  u.id = a.id;
  u.organisation = a.org;
  u.name = a.name;
  std::set<std::string> seen;
  for (size_t start = 0; start <= a.roles.size();) {
    size_t comma = a.roles.find(',', start);
    if (comma == std::string::npos) comma = a.roles.size();
    std::string role = a.roles.substr(start, comma - start);
    if (!IsId(role)) return fail("--roles: '" + role + "' is not a role id");
    if (seen.insert(role).second) u.roles.push_back(role);
    start = comma + 1;
  }
  if (!a.certificate.empty() && !a.fingerprint.empty())
    return fail("give --certificate or --fingerprint, not both");
  if (!a.certificate.empty()) {
    auto fp = FingerprintOfFile(a.certificate);
    if (!fp.ok()) return fail("--certificate " + fp.status().message());
    u.certificate = *fp;
  } else if (!a.fingerprint.empty()) {
    u.certificate = NormaliseFingerprint(a.fingerprint);
    if (!IsFingerprint(u.certificate))
      return fail("--fingerprint '" + a.fingerprint +
                  "': expected sha256: and 64 hex digits, as openssl x509 -noout -fingerprint "
                  "-sha256 prints");
  }
  if (sodium_init() < 0) return fail("libsodium could not start");
  const std::string token = NewToken();
  u.token_hash = "sha256:" + Sha256Hex(token);
  u.expires_at = ExpiryAfter(a.valid_days);
  auto st = OpenOrSay("user add", a.store);
  if (!st) return kExitBadInput;
  if (Status s = RecordAccessChange(*st, a.key.empty() ? DefaultSigningKey(a.store) : a.key,
                                    "user-added", u, [&] { return st->AddUser(u); });
      !s.ok())
    return fail(s.message());
  std::cerr << "user " << u.id << " (" << u.organisation << ") added; the token below is shown "
            << "once and not stored: keep it safe\n";
  if (!u.certificate.empty())
    std::cerr << "they may also sign in with the client certificate " << u.certificate << "\n";
  std::cerr << (u.expires_at.empty() ? std::string("their access has no end date")
                                     : "their access ends at " + u.expires_at +
                                           " unless they are given a new token before")
            << "\n";
  std::cout << token << "\n";
  return kExitOk;
}

// revoke and token: one user, named by id, whose access changes.
struct UserById {
  std::string store = "sqlite:var/concordat.db";
  std::string key;  // the log's signing key; default DefaultSigningKey(store)
  std::string id;
  int valid_days = kDefaultValidDays;  // token: how long the new one lasts
};

// Finds the user and makes `change` to their access together with its "access" entry;
// `expires_at`, when given, is the end of access the change sets (the entry records it).
Status ChangeAccess(store::Store& st, const UserById& a, const std::string& event,
                    const std::function<Status()>& change,
                    const std::optional<std::string>& expires_at = std::nullopt) {
  auto who = UserWithId(st, a.id);
  if (!who.ok()) return who.status();
  if (expires_at) who->expires_at = *expires_at;
  return RecordAccessChange(st, a.key.empty() ? DefaultSigningKey(a.store) : a.key, event, *who,
                            change);
}

int RunUserRevoke(const UserById& a) {
  auto st = OpenOrSay("user revoke", a.store);
  if (!st) return kExitBadInput;
  if (Status s = ChangeAccess(*st, a, "user-revoked", [&] { return st->RevokeUser(a.id); });
      !s.ok()) {
    std::cerr << "concordat user revoke: " << s.message() << "\n";
    return kExitBadInput;
  }
  std::cerr << "user " << a.id << " revoked: their token is refused from now on (a running "
            << "server may accept it for up to token_cache_seconds more)\n";
  return kExitOk;
}

int RunUserToken(const UserById& a) {
  if (sodium_init() < 0) {
    std::cerr << "concordat user token: libsodium could not start\n";
    return kExitBadInput;
  }
  auto st = OpenOrSay("user token", a.store);
  if (!st) return kExitBadInput;
  const std::string token = NewToken();
  const std::string expires_at = ExpiryAfter(a.valid_days);
  if (Status s = ChangeAccess(
          *st, a, "token-replaced",
          [&] { return st->ReplaceToken(a.id, "sha256:" + Sha256Hex(token), expires_at); },
          expires_at);
      !s.ok()) {
    std::cerr << "concordat user token: " << s.message() << "\n";
    return kExitBadInput;
  }
  std::cerr << "user " << a.id << " has a new token, shown below once and not stored: keep it "
            << "safe. The old one is refused from now on (a running server may accept it for up "
            << "to token_cache_seconds more). "
            << (expires_at.empty() ? std::string("Their access has no end date")
                                   : "Their access ends at " + expires_at)
            << "\n";
  std::cout << token << "\n";
  return kExitOk;
}

void AddUserByIdOptions(CLI::App* cmd, UserById* a) {
  cmd->add_option("--store", a->store, "Store URL (default sqlite:var/concordat.db)");
  cmd->add_option("--key", a->key,
                  "The audit log's signing key, which records the change (default: the store's "
                  "path + .signing-key)");
  cmd->add_option("--id", a->id, "User id, e.g. u-4411")->required();
}

struct UserList {
  std::string store = "sqlite:var/concordat.db";
  std::string org;
};

int RunUserList(const UserList& a) {
  auto st = OpenOrSay("user list", a.store);
  if (!st) return kExitBadInput;
  auto users = st->Users();
  if (!users.ok()) {
    std::cerr << "concordat user list: " << users.status().message() << "\n";
    return kExitBadInput;
  }
  // One line each, tab-separated: id, organisation, roles, created, status (active, revoked
  // or expired, with when), client certificate fingerprint or -, end of access or - (never the
  // token or its hash).
  const int64_t now = Instant::Now().seconds;
  size_t shown = 0;
  for (const store::User& u : *users) {
    if (!a.org.empty() && u.organisation != a.org) continue;
    std::string roles;
    for (const auto& r : u.roles) roles += (roles.empty() ? "" : ",") + r;
    std::cout << u.id << "\t" << u.organisation << "\t" << roles << "\t" << u.created_at << "\t"
              << (!u.revoked_at.empty()        ? "revoked " + u.revoked_at
                  : Expired(u.expires_at, now) ? "expired " + u.expires_at
                                               : std::string("active"))
              << "\t" << (u.certificate.empty() ? "-" : u.certificate) << "\t"
              << (u.expires_at.empty() ? "-" : u.expires_at) << "\n";
    ++shown;
  }
  std::cerr << shown << (shown == 1 ? " user" : " users") << "\n";
  return kExitOk;
}

}  // namespace

void RegisterUser(CLI::App& app, int* exit_code) {
  auto* user = app.add_subcommand("user", "People who may use the server");
  user->require_subcommand(1);
  auto a = std::make_shared<UserAdd>();
  auto* add =
      user->add_subcommand("add", "Add a user; prints their bearer token once (standard output)");
  add->add_option("--store", a->store, "Store URL (default sqlite:var/concordat.db)");
  add->add_option("--key", a->key,
                  "The audit log's signing key, which records the change (default: the store's "
                  "path + .signing-key)");
  add->add_option("--id", a->id, "User id, e.g. u-4411")->required();
  add->add_option("--org", a->org, "Their organisation's partner id")->required();
  add->add_option("--roles", a->roles,
                  "Comma-separated roles, as the protocols' access rules name them, e.g. "
                  "intelligence-support-officer; the role operator reads concordatd's /metrics")
      ->required();
  add->add_option("--name", a->name, "Display name");
  add->add_option("--certificate", a->certificate,
                  "A client certificate (PEM) they may also sign in with, instead of the token: "
                  "for a partner's system calling the server");
  add->add_option("--fingerprint", a->fingerprint,
                  "The same, given as the certificate's sha256: fingerprint");
  AddValidDaysOption(add, &a->valid_days);
  add->callback([a, exit_code] { *exit_code = RunUserAdd(*a); });

  auto r = std::make_shared<UserById>();
  auto* revoke = user->add_subcommand(
      "revoke", "Revoke a user's token (the user stays on record, marked revoked)");
  AddUserByIdOptions(revoke, r.get());
  revoke->callback([r, exit_code] { *exit_code = RunUserRevoke(*r); });

  auto t = std::make_shared<UserById>();
  auto* token = user->add_subcommand(
      "token",
      "Give an active user a new bearer token, printed once on standard output; the old one "
      "stops working (for a lost or leaked token: the user, their roles and their log entries "
      "stay as they are). Exit 2 for an unknown or revoked user, with nothing changed");
  AddUserByIdOptions(token, t.get());
  AddValidDaysOption(token, &t->valid_days);
  token->callback([t, exit_code] { *exit_code = RunUserToken(*t); });

  auto l = std::make_shared<UserList>();
  auto* list = user->add_subcommand(
      "list",
      "List users: id, organisation, roles, created, active, revoked or expired, client "
      "certificate or -, end of access or - (tab-separated)");
  list->add_option("--store", l->store, "Store URL (default sqlite:var/concordat.db)");
  list->add_option("--org", l->org, "Only this organisation's users");
  list->callback([l, exit_code] { *exit_code = RunUserList(*l); });
}

}  // namespace concordat::cli
