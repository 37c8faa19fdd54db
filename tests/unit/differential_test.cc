// The engine against the reference implementation (reference_decider.h) on generated
// registries and requests: the same decision, protocol, version, rule, reasons (with their
// party and category), warnings and obligations, for every request.
#include <gtest/gtest.h>

#include "decide/engine.h"
#include "decide/render.h"
#include "reference_decider.h"
#include "synth/generate.h"
#include "test_util.h"

namespace concordat::decide {
namespace {

reference::RefDecision FromEngine(const CompiledRegistry& reg, const Request& req,
                                  const Decision& d) {
  reference::RefDecision out;
  out.permit = d.permit;
  if (d.protocol >= 0) {
    const model::Protocol& p = *reg.protocols()[static_cast<size_t>(d.protocol)].source;
    out.protocol = p.id;
    out.version = p.version;
    if (d.rule >= 0) out.rule = p.access[static_cast<size_t>(d.rule)].id;
  }
  for (size_t i = 0; i < d.reason_count; ++i) {
    const Reason& r = d.reasons[i];
    reference::RefReason rr;
    rr.protocol =
        r.protocol >= 0 ? reg.protocols()[static_cast<size_t>(r.protocol)].source->id : "";
    rr.code = std::string(CodeName(r.code));
    rr.party = r.party == Party::kRequester  ? "requester"
               : r.party == Party::kProvider ? "provider"
                                             : "";
    if (r.code == ReasonCode::kRequesterNotPartner || r.code == ReasonCode::kProviderNotPartner ||
        r.code == ReasonCode::kNotSigned || r.code == ReasonCode::kPartnerWithdrawn ||
        r.code == ReasonCode::kRequesterCannotAccess ||
        r.code == ReasonCode::kProviderCannotProvide || r.code == ReasonCode::kNoLegalBasis ||
        r.code == ReasonCode::kNoSpecialCategoryCondition ||
        r.code == ReasonCode::kDataNotCovered) {
      // keep party
    } else {
      rr.party.clear();
    }
    rr.item = r.item >= 0 ? req.data[static_cast<size_t>(r.item)] : "";
    out.reasons.insert(rr);
  }
  for (size_t i = 0; i < d.warning_count; ++i) {
    const Warning& w = d.warnings[i];
    std::string party = w.party == Party::kRequester  ? "requester"
                        : w.party == Party::kProvider ? "provider"
                                                      : "";
    out.warnings.insert(std::string(CodeName(w.code)) + "/" +
                        reg.protocols()[static_cast<size_t>(w.protocol)].source->id + "/" + party);
  }
  out.fields = PermittedFields(reg, req, d);
  if (d.has_retain_until) out.retain_until = Date{d.retain_until_days}.ToString();
  return out;
}

std::string Describe(const reference::RefDecision& d) {
  std::string s = std::string(d.permit ? "permit" : "deny") + " protocol=" + d.protocol +
                  " v=" + d.version + " rule=" + d.rule + " retain=" + d.retain_until + "\n";
  for (const auto& r : d.reasons)
    s += "  " + r.protocol + " " + r.code + " " + r.party + " " + r.item + "\n";
  for (const auto& w : d.warnings) s += "  warning " + w + "\n";
  return s;
}

struct Stats {
  int permits = 0, denies = 0, compared = 0, truncated = 0;
};

void Compare(const model::Registry& registry, const std::vector<Request>& requests, bool strict,
             Stats* stats) {
  auto compiled = CompiledRegistry::Compile(registry, {strict});
  reference::ReferenceDecider ref(compiled->registry(), strict);
  const Instant now = *Instant::Parse("2026-11-24T12:00:00Z");
  Decision d;
  int failures = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    const Request& req = requests[i];
    Decide(*compiled, req, now, &d);
    reference::RefDecision want = ref.Decide(req, now);
    ASSERT_EQ(d.permit, want.permit) << "request " << i << ": " << synth::RequestToJson(req);
    (d.permit ? stats->permits : stats->denies)++;
    if (d.reasons_truncated || d.warnings_truncated) {
      ++stats->truncated;
      continue;
    }
    reference::RefDecision got = FromEngine(*compiled, req, d);
    bool same = got.permit == want.permit && got.protocol == want.protocol &&
                got.version == want.version && got.rule == want.rule &&
                got.reasons == want.reasons && got.warnings == want.warnings &&
                got.fields == want.fields && got.retain_until == want.retain_until;
    ++stats->compared;
    if (!same && ++failures <= 5) {
      ADD_FAILURE() << "request " << i << ": " << synth::RequestToJson(req)
                    << "\nengine:    " << Describe(got) << "reference: " << Describe(want);
    }
  }
  EXPECT_EQ(failures, 0);
}

TEST(Differential, EngineAgreesWithReferenceOnGeneratedRegistries) {
  Stats stats;
  for (uint64_t seed : {1ULL, 2ULL, 3ULL, 4ULL}) {
    synth::RegistryParams rp;
    rp.protocols = 80;
    rp.partners = 10;
    rp.categories = 12;
    rp.organisations = 30;  // a small pool: pairs meet in many protocols, exercising the search
    rp.seed = seed;
    model::Registry registry = synth::GenerateRegistry(rp);
    auto requests = synth::GenerateRequests(registry, {15000, seed * 7919});
    Compare(registry, requests, /*strict=*/seed % 2 == 0, &stats);
  }
  // The workload must exercise both outcomes and nearly every request must be compared in full.
  EXPECT_GT(stats.permits, 3000);
  EXPECT_GT(stats.denies, 20000);
  EXPECT_GT(stats.compared, 55000);
  std::cout << "permits " << stats.permits << ", denies " << stats.denies << ", compared in full "
            << stats.compared << ", truncated " << stats.truncated << "\n";
}

TEST(Differential, EngineAgreesWithReferenceOnTheSeeds) {
  auto reg = model::LoadRegistry(concordat::testing::SourcePath("protocols"));
  ASSERT_TRUE(reg.ok());
  // Requests from the generator aimed at the seed registry, plus both review modes.
  auto requests = synth::GenerateRequests(*reg, {5000, 42});
  Stats stats;
  Compare(*reg, requests, false, &stats);
  Compare(*reg, requests, true, &stats);
  EXPECT_EQ(stats.compared + stats.truncated, 10000);
}

}  // namespace
}  // namespace concordat::decide
