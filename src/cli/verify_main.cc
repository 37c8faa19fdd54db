// concordat-verify: checks proofs from a Concordat audit log with nothing but the log's
// public key, a signed tree head and the proof: no store, no network.
//
//   concordat-verify inclusion   --public-key K --sth STH.json --proof PROOF.json
//   concordat-verify consistency --public-key K --old-sth A.json --new-sth B.json --proof C.json
//
// Inputs are what `concordat audit sth`, `audit proof` and `audit consistency` print, or the
// server's GET /v1/audit/sth, /v1/audit/proof/{index} and /v1/audit/consistency answer.
// Exit status: 0 the proof holds; 1 it does not; 2 an input could not be read.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "audit/merkle.h"
#include "audit/sth.h"
#include "base/read_file.h"

using namespace concordat;

namespace {

int Bad(const std::string& msg) {
  std::cerr << "concordat-verify: " << msg << "\n";
  return 2;
}

int No(const std::string& msg) {
  std::cout << "INVALID: " << msg << "\n";
  return 1;
}

bool Hashes(const nlohmann::json& j, std::vector<audit::Hash>* out) {
  if (!j.is_array()) return false;
  for (const auto& h : j) {
    audit::Hash x;
    if (!h.is_string() || !audit::FromHex(h.get<std::string>(), &x)) return false;
    out->push_back(x);
  }
  return true;
}

Result<audit::SignedTreeHead> LoadSth(const std::string& path) {
  std::string text;
  if (auto read = ReadWholeFile(path); read.ok())
    text = std::move(*read);
  else
    return read.status();
  return audit::SignedTreeHead::FromJson(text);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Verify Concordat audit-log proofs offline, with the log's public key."};
  app.set_version_flag("--version", std::string("concordat-verify ") + CONCORDAT_VERSION);
  app.require_subcommand(1);
  std::string key, sth_path, proof_path, old_sth, new_sth;
  auto* inc =
      app.add_subcommand("inclusion", "An entry is in the log the signed tree head commits to.");
  inc->add_option("--public-key", key, "The log's public key file")->required();
  inc->add_option("--sth", sth_path, "Signed tree head (JSON)")->required();
  inc->add_option("--proof", proof_path, "Inclusion proof (JSON from concordat audit proof)")
      ->required();
  auto* con =
      app.add_subcommand("consistency", "The newer log extends the older one without changing it.");
  con->add_option("--public-key", key, "The log's public key file")->required();
  con->add_option("--old-sth", old_sth, "The earlier signed tree head")->required();
  con->add_option("--new-sth", new_sth, "The later signed tree head")->required();
  con->add_option("--proof", proof_path,
                  "Consistency proof (JSON from concordat audit consistency)")
      ->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  auto pk = audit::LoadPublicKey(key);
  if (!pk.ok()) return Bad(pk.status().message());
  std::string proof_text;
  if (auto read = ReadWholeFile(proof_path); read.ok())
    proof_text = std::move(*read);
  else
    return Bad(read.status().message());
  auto proof = nlohmann::json::parse(proof_text, nullptr, false);
  if (proof.is_discarded() || !proof.is_object()) return Bad(proof_path + ": not a JSON object");

  if (inc->parsed()) {
    auto sth = LoadSth(sth_path);
    if (!sth.ok()) return Bad(sth.status().message());
    if (!audit::VerifySth(*sth, *pk))
      return No("the signed tree head's signature does not verify with this key");
    std::vector<audit::Hash> path;
    const bool has_entry = proof.contains("entry") && proof["entry"].is_string();
    const bool has_leaf = proof.contains("leaf_hash") && proof["leaf_hash"].is_string();
    if (!(has_entry || has_leaf) || !proof.contains("index") ||
        !proof["index"].is_number_unsigned() || !proof.contains("tree_size") ||
        !proof["tree_size"].is_number_unsigned() || !proof.contains("proof") ||
        !Hashes(proof["proof"], &path))
      return Bad(proof_path + ": expected index, tree_size, proof, and entry or leaf_hash");
    const uint64_t index = proof["index"].get<uint64_t>(),
                   size = proof["tree_size"].get<uint64_t>();
    if (size != sth->tree_size)
      return No("the proof is for a tree of " + std::to_string(size) +
                " entries, the signed tree head for " + std::to_string(sth->tree_size));
    // With the entry's text, its hash is computed here, so the text itself is proven; with only
    // a leaf hash (the server gives the text to the entry's own organisation only), the hash is.
    audit::Hash leaf{};
    if (has_entry) {
      leaf = audit::LeafHash(proof["entry"].get<std::string>());
      audit::Hash given;
      if (has_leaf &&
          (!audit::FromHex(proof["leaf_hash"].get<std::string>(), &given) || given != leaf))
        return No("the entry's text does not hash to the leaf_hash beside it");
    } else if (!audit::FromHex(proof["leaf_hash"].get<std::string>(), &leaf)) {
      return Bad(proof_path + ": leaf_hash must be 64 hex digits");
    }
    if (!audit::VerifyInclusion(leaf, index, size, path, sth->root))
      return No("entry " + std::to_string(index) + " is not proven to be in the log");
    if (has_entry)
      std::cout << "VALID: the entry given is entry " << index << " of the signed log of " << size
                << " entries\n";
    else
      std::cout << "VALID: leaf hash " << proof["leaf_hash"].get<std::string>() << " is entry "
                << index << " of the signed log of " << size
                << " entries (the entry's text was not given, so only its hash is proven)\n";
    return 0;
  }
  auto a = LoadSth(old_sth), b = LoadSth(new_sth);
  if (!a.ok()) return Bad(a.status().message());
  if (!b.ok()) return Bad(b.status().message());
  if (!audit::VerifySth(*a, *pk) || !audit::VerifySth(*b, *pk))
    return No("a signed tree head's signature does not verify");
  std::vector<audit::Hash> path;
  if (!proof.contains("proof") || !Hashes(proof["proof"], &path))
    return Bad(proof_path + ": expected a proof list");
  // A proof made between other sizes than the two heads' would fail below for no clear reason.
  for (auto [key, want] : {std::pair<const char*, uint64_t>{"first", a->tree_size},
                           std::pair<const char*, uint64_t>{"second", b->tree_size}})
    if (proof.contains(key) &&
        (!proof[key].is_number_unsigned() || proof[key].get<uint64_t>() != want))
      return No(std::string("the proof's ") + key + " is " + proof[key].dump() +
                " but the signed tree head's size is " + std::to_string(want) +
                "; ask for the proof between the two heads' sizes");
  if (!audit::VerifyConsistency(a->tree_size, b->tree_size, a->root, b->root, path))
    return No("the log of " + std::to_string(b->tree_size) +
              " entries is not an extension of the log of " + std::to_string(a->tree_size));
  std::cout << "VALID: the log of " << b->tree_size << " entries extends the log of "
            << a->tree_size << " unchanged\n";
  return 0;
}
