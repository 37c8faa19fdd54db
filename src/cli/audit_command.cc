// concordat init, concordat audit ...: the store and the verifiable audit log.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "audit/entry.h"
#include "audit/log.h"
#include "audit/verify.h"
#include "base/read_file.h"
#include "base/redact.h"
#include "base/sha256.h"
#include "cli/commands.h"
#include "store/store.h"

namespace concordat::cli {
namespace {

constexpr const char* kDefaultStore = "sqlite:var/concordat.db";

struct Common {
  std::string store = kDefaultStore;
  std::string key;  // secret key file; default DefaultSigningKey(store)
  std::string KeyPath() const { return key.empty() ? DefaultSigningKey(store) : key; }
  std::string PublicKeyPath() const { return KeyPath() + ".pub"; }
};

void AddCommon(CLI::App* cmd, Common* c, bool with_key) {
  cmd->add_option("--store", c->store, "Store URL: sqlite:PATH (default sqlite:var/concordat.db)");
  if (with_key)
    cmd->add_option("--key", c->key, "Signing key file (default: the store's path + .signing-key)");
}

Result<std::unique_ptr<store::Store>> OpenExisting(const std::string& url) {
  return store::OpenStore(url, false);
}

int Fail(const std::string& what) {
  std::cerr << "concordat: " << what << "\n";
  return kExitBadInput;
}

std::string HashList(const std::vector<audit::Hash>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& h : v) a.push_back(audit::ToHex(h));
  return a.dump();
}

// --- init ----------------------------------------------------------------------------------

std::string SchemaOf(store::Store& s) {
  auto v = s.SchemaVersion();
  return v.ok() ? std::to_string(*v) : "unknown";
}

int RunInit(const Common& c) {
  auto st = store::OpenStore(c.store, true);
  if (!st.ok()) return Fail(st.status().message());
  std::error_code ec;
  const std::string key = c.KeyPath();
  if (std::filesystem::exists(key, ec)) {  // kept; Load says what is wrong with it, if anything
    auto signer = audit::Signer::Load(key);
    if (!signer.ok()) return Fail(signer.status().message());
    std::cout << "store " << RedactPassword(c.store) << " is ready (schema " << SchemaOf(**st)
              << "); signing key " << key << " already exists and was kept\n";
    return kExitOk;
  }
  if (Status s = audit::Signer::CreateKeyFiles(key, c.PublicKeyPath()); !s.ok())
    return Fail(s.message());
  auto pk = audit::LoadPublicKey(c.PublicKeyPath());
  std::cout << "store " << RedactPassword(c.store) << " is ready (schema " << SchemaOf(**st)
            << ")\n"
            << "signing key " << key << " created (mode 0600); public key " << c.PublicKeyPath()
            << ": " << (pk.ok() ? audit::KeyToHex(pk->data(), pk->size()) : "?") << "\n";
  return kExitOk;
}

// --- append ------------------------------------------------------------------------------

struct AppendArgs {
  Common common;
  std::string input = "-";
  size_t batch = 1000;
  bool ack = false;
};

int RunAppend(const AppendArgs& a) {
  std::istream* in = &std::cin;
  std::istringstream file;
  if (a.input != "-") {
    auto text = ReadWholeFile(a.input);
    if (!text.ok()) return Fail(text.status().message() + "; nothing was appended");
    file.str(std::move(*text));
    in = &file;
  }
  // Read and check everything first: bad input writes nothing.
  std::vector<audit::LogEntry> entries;
  const Instant now = Instant::Now();
  std::string line;
  long number = 0;
  std::string all;
  while (std::getline(*in, line)) all += line + "\n";
  auto trimmed = all.find_first_not_of(" \t\r\n");
  if (trimmed == std::string::npos) return Fail("no entries to append");
  auto whole = audit::ParseEntryInput(all, now);
  if (whole.ok()) {
    entries.push_back(std::move(*whole));
  } else {
    std::istringstream lines(all);
    while (std::getline(lines, line)) {
      ++number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto e = audit::ParseEntryInput(line, now);
      if (!e.ok())
        return Fail("line " + std::to_string(number) + ": " + e.status().message() +
                    "; nothing was appended");
      entries.push_back(std::move(*e));
    }
  }
  auto st = OpenExisting(a.common.store);
  if (!st.ok()) return Fail(st.status().message());
  auto signer = audit::Signer::Load(a.common.KeyPath());
  if (!signer.ok()) return Fail(signer.status().message());
  audit::Log log(st->get(), &*signer);
  const bool tty = isatty(STDERR_FILENO);
  size_t done = 0;
  audit::SignedTreeHead last;
  for (size_t begin = 0; begin < entries.size(); begin += a.batch) {
    std::vector<audit::LogEntry> batch(
        entries.begin() + static_cast<long>(begin),
        entries.begin() + static_cast<long>(std::min(entries.size(), begin + a.batch)));
    auto sth = log.Append(&batch, audit::NowMillis());
    if (!sth.ok())
      return Fail(sth.status().message() + " (" + std::to_string(done) +
                  " entries were appended before)");
    last = *sth;
    done += batch.size();
    if (a.ack) {
      for (const auto& e : batch)
        std::printf("ack %llu\n", static_cast<unsigned long long>(e.index));
      std::fflush(stdout);
    }
    if (tty && entries.size() > a.batch)
      std::cerr << "\rappended " << done << " of " << entries.size() << std::flush;
  }
  if (tty && entries.size() > a.batch) std::cerr << "\n";
  if (!a.ack)
    std::cout << "appended " << done << " entr" << (done == 1 ? "y" : "ies") << "; the log holds "
              << last.tree_size << "; root " << audit::ToHex(last.root) << "\n";
  return kExitOk;
}

// --- verify --------------------------------------------------------------------------------

int RunVerify(const Common& c, const std::string& public_key) {
  auto st = OpenExisting(c.store);
  if (!st.ok()) return Fail(st.status().message());
  auto pk = audit::LoadPublicKey(public_key.empty() ? c.PublicKeyPath() : public_key);
  if (!pk.ok()) return Fail(pk.status().message());
  const bool tty = isatty(STDERR_FILENO);
  auto report = audit::VerifyLog(**st, *pk, [tty](uint64_t done, uint64_t total) {
    if (tty) std::cerr << "\rverified " << done << " of " << total << " entries" << std::flush;
  });
  if (tty) std::cerr << "\n";
  if (report.ok) {
    std::cout << "OK: " << report.message << "\n";
    return kExitOk;
  }
  std::cout << "FAILED: " << report.message << "\n";
  if (report.first_bad) std::cout << "first bad entry: " << *report.first_bad << "\n";
  return kExitFindings;
}

// --- sth, proof, consistency, tail -----------------------------------------------------------

int RunSth(const Common& c) {
  auto st = OpenExisting(c.store);
  if (!st.ok()) return Fail(st.status().message());
  auto sth = (*st)->LatestSth();
  if (!sth.ok()) return Fail(sth.status().message());
  if (*sth) {
    std::cout << (*sth)->ToJson() << "\n";
    return kExitOk;
  }
  // An empty log: the empty tree's head (RFC 9162: the hash of nothing), signed now, as the
  // server answers it; later heads are proven to extend it.
  auto signer = audit::Signer::Load(c.KeyPath());
  if (!signer.ok()) return Fail("the log is empty, and " + signer.status().message());
  std::cout << signer->Sign(0, audit::NowMillis(), audit::EmptyTreeHash()).ToJson() << "\n";
  return kExitOk;
}

int RunProof(const Common& c, uint64_t index, uint64_t size) {
  auto st = OpenExisting(c.store);
  if (!st.ok()) return Fail(st.status().message());
  auto sth = (*st)->LatestSth();
  if (!sth.ok()) return Fail(sth.status().message());
  if (!*sth) return Fail("the log is empty");
  if (size == 0) size = (*sth)->tree_size;
  if (index >= size)
    return Fail("entry " + std::to_string(index) + " is not in a log of " + std::to_string(size) +
                " entries");
  auto entry = (*st)->Entry(index);
  if (!entry.ok()) return Fail(entry.status().message());
  auto proof = audit::InclusionProof(**st, index, size);
  if (!proof.ok()) return Fail(proof.status().message());
  auto root = audit::RootHash(**st, size);
  if (!root.ok()) return Fail(root.status().message());
  nlohmann::ordered_json j;
  j["index"] = index;
  j["tree_size"] = size;
  j["entry"] = entry->encoded;
  j["leaf_hash"] = audit::ToHex(entry->leaf);
  j["root_hash"] = audit::ToHex(*root);
  j["proof"] = nlohmann::json::parse(HashList(*proof));
  std::cout << j.dump() << "\n";
  return kExitOk;
}

int RunConsistency(const Common& c, uint64_t from, uint64_t to) {
  auto st = OpenExisting(c.store);
  if (!st.ok()) return Fail(st.status().message());
  auto size = (*st)->Size();
  if (!size.ok()) return Fail(size.status().message());
  if (to == 0) to = *size;
  if (from > to || to > *size)
    return Fail("--from " + std::to_string(from) + " --to " + std::to_string(to) +
                ": need from <= to <= " + std::to_string(*size) + " (the log's size)");
  auto proof = audit::ConsistencyProof(**st, from, to);
  if (!proof.ok()) return Fail(proof.status().message());
  auto r1 = audit::RootHash(**st, from);
  auto r2 = audit::RootHash(**st, to);
  if (!r1.ok() || !r2.ok()) return Fail("cannot compute the roots");
  nlohmann::ordered_json j;
  j["first"] = from;
  j["second"] = to;
  j["first_root"] = audit::ToHex(*r1);
  j["second_root"] = audit::ToHex(*r2);
  j["proof"] = nlohmann::json::parse(HashList(*proof));
  std::cout << j.dump() << "\n";
  return kExitOk;
}

int RunTail(const Common& c, uint64_t count) {
  auto st = OpenExisting(c.store);
  if (!st.ok()) return Fail(st.status().message());
  auto size = (*st)->Size();
  if (!size.ok()) return Fail(size.status().message());
  uint64_t begin = *size > count ? *size - count : 0;
  auto cursor = (*st)->Entries(begin);
  if (!cursor.ok()) return Fail(cursor.status().message());
  audit::StoredEntry e;
  for (;;) {
    auto more = (*cursor)->Next(&e);
    if (!more.ok()) return Fail(more.status().message());
    if (!*more) break;
    std::cout << e.encoded << "\n";
  }
  return kExitOk;
}

// --- sample --------------------------------------------------------------------------------

struct SampleArgs {
  Common common;
  uint64_t count = 10;
  uint64_t seed = 0;
  std::string since;
  std::string actor = "auditor";
};

int RunSample(const SampleArgs& a) {
  std::optional<Date> since;
  if (!a.since.empty()) {
    since = Date::Parse(a.since);
    if (!since) return Fail("--since '" + a.since + "' is not a date (YYYY-MM-DD)");
  }
  auto st = OpenExisting(a.common.store);
  if (!st.ok()) return Fail(st.status().message());
  auto signer = audit::Signer::Load(a.common.KeyPath());
  if (!signer.ok()) return Fail(signer.status().message());
  auto sth = (*st)->LatestSth();
  if (!sth.ok()) return Fail(sth.status().message());
  if (!*sth) return Fail("the log is empty: nothing to sample");
  const uint64_t size = (*sth)->tree_size;
  // Eligible entries: up to the signed size, at or after --since, and not earlier samples.
  std::vector<uint64_t> eligible;
  auto cursor = (*st)->Entries(0);
  if (!cursor.ok()) return Fail(cursor.status().message());
  audit::StoredEntry e;
  std::vector<std::string> texts;
  for (;;) {
    auto more = (*cursor)->Next(&e);
    if (!more.ok()) return Fail(more.status().message());
    if (!*more || e.index >= size) break;
    auto d = audit::DecodeEntry(e.encoded);
    if (!d.ok())
      return Fail("entry " + std::to_string(e.index) + ": " + d.status().message() +
                  " (run audit verify)");
    if (d->kind == "audit-sample") continue;
    if (since && d->at.seconds < since->StartInstant()) continue;
    eligible.push_back(e.index);
  }
  // A reproducible sample: the same seed over the same log gives the same entries.
  std::mt19937_64 rng(a.seed);
  std::vector<uint64_t> chosen = eligible;
  std::shuffle(chosen.begin(), chosen.end(), rng);
  if (chosen.size() > a.count) chosen.resize(a.count);
  std::sort(chosen.begin(), chosen.end());
  nlohmann::ordered_json record;
  record["count"] = a.count;
  record["seed"] = a.seed;
  record["since"] =
      a.since.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(a.since);
  record["tree_size"] = size;
  record["root_hash"] = audit::ToHex((*sth)->root);
  record["eligible"] = eligible.size();
  record["sampled"] = chosen;
  for (uint64_t i : chosen) {
    auto entry = (*st)->Entry(i);
    if (!entry.ok()) return Fail(entry.status().message());
    std::cout << entry->encoded << "\n";
  }
  // The sampling itself goes into the log.
  audit::LogEntry note;
  note.kind = "audit-sample";
  note.at = Instant::Now();
  note.actor = a.actor;
  note.request = record.dump();
  note.payload_hash = "sha256:" + Sha256Hex(record.dump());
  std::vector<audit::LogEntry> batch{note};
  audit::Log log(st->get(), &*signer);
  auto appended = log.Append(&batch, audit::NowMillis());
  if (!appended.ok())
    return Fail("the sample could not be recorded: " + appended.status().message());
  std::cerr << "sampled " << chosen.size() << " of " << eligible.size()
            << " eligible entries (seed " << a.seed << "); the sampling is entry " << batch[0].index
            << " of the log\n";
  return kExitOk;
}

}  // namespace

void RegisterAudit(CLI::App& app, int* exit_code) {
  {
    auto c = std::make_shared<Common>();
    auto* cmd = app.add_subcommand(
        "init", "Create the store (running its migrations) and the log's signing key.");
    AddCommon(cmd, c.get(), true);
    cmd->callback([=] { *exit_code = RunInit(*c); });
  }
  auto* audit = app.add_subcommand(
      "audit", "The verifiable audit log: append, verify, signed tree heads, proofs, samples.");
  audit->require_subcommand(1);
  {
    auto a = std::make_shared<AppendArgs>();
    auto* cmd = audit->add_subcommand(
        "append", "Append entries (one JSON object, or JSON Lines). Bad input appends nothing.");
    AddCommon(cmd, &a->common, true);
    cmd->add_option("--batch", a->batch, "Entries per transaction (one signed tree head each)")
        ->check(CLI::Range(1, 1000000));
    cmd->add_flag("--ack", a->ack, "Print 'ack INDEX' for each entry once it is durable");
    cmd->add_option("input", a->input, "File, or - for standard input");
    cmd->callback([=] { *exit_code = RunAppend(*a); });
  }
  {
    auto c = std::make_shared<Common>();
    auto pk = std::make_shared<std::string>();
    auto* cmd = audit->add_subcommand(
        "verify", "Recompute the whole log; exit 1 naming the first bad entry on any mismatch.");
    AddCommon(cmd, c.get(), true);
    cmd->add_option("--public-key", *pk, "Public key file (default: the signing key's .pub)");
    cmd->callback([=] { *exit_code = RunVerify(*c, *pk); });
  }
  {
    auto c = std::make_shared<Common>();
    auto* cmd = audit->add_subcommand("sth", "Print the latest signed tree head (JSON).");
    AddCommon(cmd, c.get(), false);
    cmd->callback([=] { *exit_code = RunSth(*c); });
  }
  {
    auto c = std::make_shared<Common>();
    auto index = std::make_shared<uint64_t>(0);
    auto size = std::make_shared<uint64_t>(0);
    auto* cmd = audit->add_subcommand("proof", "Print the inclusion proof of one entry (JSON).");
    AddCommon(cmd, c.get(), false);
    cmd->add_option("--index", *index, "Entry index")->required();
    cmd->add_option("--size", *size,
                    "Tree size to prove against (default: the latest signed tree head)");
    cmd->callback([=] { *exit_code = RunProof(*c, *index, *size); });
  }
  {
    auto c = std::make_shared<Common>();
    auto from = std::make_shared<uint64_t>(0);
    auto to = std::make_shared<uint64_t>(0);
    auto* cmd = audit->add_subcommand("consistency",
                                      "Print the consistency proof between two tree sizes (JSON).");
    AddCommon(cmd, c.get(), false);
    cmd->add_option("--from", *from, "The earlier tree size")->required();
    cmd->add_option("--to", *to, "The later tree size (default: the log's size)");
    cmd->callback([=] { *exit_code = RunConsistency(*c, *from, *to); });
  }
  {
    auto c = std::make_shared<Common>();
    auto n = std::make_shared<uint64_t>(10);
    auto* cmd = audit->add_subcommand("tail", "Print the last entries (JSON Lines).");
    AddCommon(cmd, c.get(), false);
    cmd->add_option("-n,--count", *n, "How many");
    cmd->callback([=] { *exit_code = RunTail(*c, *n); });
  }
  {
    auto a = std::make_shared<SampleArgs>();
    auto* cmd = audit->add_subcommand("sample",
                                      "Print a reproducible random sample of entries for a "
                                      "supervisor's audit check, and log the sampling.");
    AddCommon(cmd, &a->common, true);
    cmd->add_option("--count", a->count, "How many entries")->required();
    cmd->add_option("--seed", a->seed,
                    "Seed: the same seed over the same log gives the same sample")
        ->required();
    cmd->add_option("--since", a->since, "Only entries on or after this day (YYYY-MM-DD)");
    cmd->add_option("--actor", a->actor, "Who is sampling (recorded in the log)");
    cmd->callback([=] { *exit_code = RunSample(*a); });
  }
}

}  // namespace concordat::cli
