// The audit log for auditors: GET /v1/audit/sth, /v1/audit/proof/{index} and
// /v1/audit/consistency.

#include <nlohmann/json.hpp>

#include "audit/entry.h"
#include "audit/merkle.h"
#include "server/answers.h"
#include "server/http_input.h"
#include "server/service.h"

namespace concordat::server {

using json = nlohmann::json;

// The signed tree head in the form `concordat audit sth` prints and concordat-verify reads,
// with the log's public key beside it (an auditor should hold the key from the operator, not
// take it from the log it checks).
HttpResponse Service::Sth() {
  auto sth = store_->LatestSth();
  if (!sth.ok()) return Problem(500, "INTERNAL", "the signed tree head could not be read");
  // An empty log has no stored head: the empty tree's (RFC 9162: the hash of nothing), signed
  // now, so that an auditor of a new deployment holds a head to check later ones against.
  const audit::SignedTreeHead h =
      sth->has_value() ? **sth : signer_->Sign(0, audit::NowMillis(), audit::EmptyTreeHash());
  return Json(200, json{{"tree_size", h.tree_size},
                        {"timestamp", h.timestamp_ms},
                        {"root_hash", audit::ToHex(h.root)},
                        {"signature", audit::KeyToHex(h.signature.data(), h.signature.size())},
                        {"public_key", audit::KeyToHex(signer_->public_key().data(),
                                                       signer_->public_key().size())}}
                       .dump());
}

namespace {

json HashArray(const std::vector<audit::Hash>& hashes) {
  json out = json::array();
  for (const auto& h : hashes) out.push_back(audit::ToHex(h));
  return out;
}

}  // namespace

// An inclusion proof in the form `concordat audit proof` prints and concordat-verify reads.
// The entry's own text (which the verifier hashes) is given to its own organisation only;
// anyone else gets its leaf hash.
HttpResponse Service::Proof(const HttpRequest& r, const store::User& user,
                            const std::string& index_text) {
  auto params = OnlyParams(r.target, {"tree_size"});
  if (!params.ok()) return Problem(400, "INVALID_REQUEST", params.status().message());
  auto index = Number("index", index_text);
  if (!index.ok()) return Problem(400, "INVALID_REQUEST", index.status().message());
  auto sth = store_->LatestSth();
  if (!sth.ok()) return Problem(500, "INTERNAL", "the signed tree head could not be read");
  const uint64_t signed_size = sth->has_value() ? (*sth)->tree_size : 0;
  uint64_t size = signed_size;
  if (auto it = params->find("tree_size"); it != params->end()) {
    auto n = Number("tree_size", it->second);
    if (!n.ok()) return Problem(400, "INVALID_REQUEST", n.status().message());
    if (*n > signed_size)
      return Problem(400, "INVALID_REQUEST",
                     "tree_size: " + it->second + " is beyond the signed log's " +
                         std::to_string(signed_size) + " entries");
    size = *n;
  }
  if (*index >= size)
    return Problem(404, "NOT_FOUND",
                   "entry " + index_text + " is not in the signed log of " + std::to_string(size) +
                       " entries");
  auto proof = audit_log_->InclusionProofFor(*index, size);
  auto root = audit_log_->RootFor(size);
  auto entry = store_->Entry(*index);
  if (!proof.ok() || !root.ok() || !entry.ok())
    return Problem(500, "INTERNAL", "the proof could not be read");
  json out = {{"index", *index},
              {"tree_size", size},
              {"leaf_hash", audit::ToHex(entry->leaf)},
              {"root_hash", audit::ToHex(*root)},
              {"proof", HashArray(*proof)}};
  auto decoded = audit::DecodeEntry(entry->encoded);
  if (decoded.ok() && decoded->organisation == user.organisation) out["entry"] = entry->encoded;
  return Json(200, out.dump());
}

// A consistency proof in the form `concordat audit consistency` prints: that the log of
// `second` entries extends the log of `first` unchanged.
HttpResponse Service::Consistency(const HttpRequest& r) {
  auto params = OnlyParams(r.target, {"first", "second"});
  if (!params.ok()) return Problem(400, "INVALID_REQUEST", params.status().message());
  auto sth = store_->LatestSth();
  if (!sth.ok()) return Problem(500, "INTERNAL", "the signed tree head could not be read");
  const uint64_t signed_size = sth->has_value() ? (*sth)->tree_size : 0;
  auto first_it = params->find("first");
  if (first_it == params->end())
    return Problem(400, "INVALID_REQUEST",
                   "first: required: the tree size of the earlier signed tree head you hold");
  auto first = Number("first", first_it->second);
  if (!first.ok()) return Problem(400, "INVALID_REQUEST", first.status().message());
  uint64_t second = signed_size;
  if (auto it = params->find("second"); it != params->end()) {
    auto n = Number("second", it->second);
    if (!n.ok()) return Problem(400, "INVALID_REQUEST", n.status().message());
    second = *n;
  }
  if (second > signed_size)
    return Problem(400, "INVALID_REQUEST",
                   "second: " + std::to_string(second) + " is beyond the signed log's " +
                       std::to_string(signed_size) + " entries");
  if (*first > second)
    return Problem(
        400, "INVALID_REQUEST",
        "first: " + std::to_string(*first) + " is after second (" + std::to_string(second) + ")");
  auto proof = audit_log_->ConsistencyProofFor(*first, second);
  auto first_root = audit_log_->RootFor(*first);
  auto second_root = audit_log_->RootFor(second);
  if (!proof.ok() || !first_root.ok() || !second_root.ok())
    return Problem(500, "INTERNAL", "the proof could not be read");
  return Json(200, json{{"first", *first},
                        {"second", second},
                        {"first_root", audit::ToHex(*first_root)},
                        {"second_root", audit::ToHex(*second_root)},
                        {"proof", HashArray(*proof)}}
                       .dump());
}

}  // namespace concordat::server
