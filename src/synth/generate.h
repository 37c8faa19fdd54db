// Synthetic registries and requests, for tests and benchmarks.
//
// GenerateRegistry() builds realistic protocols: organisations drawn from a shared pool (so
// pairs of organisations meet in several protocols), mixed statuses, missing and late
// signatures, withdrawals, access rules with roles, sites, devices, purposes and
// requirements, and every kind of data including special category and criminal offence
// data. GenerateRequests() builds requests against such a registry: most aimed at real
// protocols, partners, categories and rules, some deliberately wrong. The same parameters
// and seed always give the same output.
#pragma once

#include <cstdint>
#include <vector>

#include "decide/request.h"
#include "model/registry.h"

namespace concordat::synth {

struct RegistryParams {
  int protocols = 100;
  int partners = 20;      // per protocol
  int categories = 30;    // per protocol
  int organisations = 0;  // size of the pool partners are drawn from; 0 = max(3 x partners, 300)
  uint64_t seed = 1;
};

model::Registry GenerateRegistry(const RegistryParams& params);

struct RequestParams {
  int count = 1000;
  uint64_t seed = 1;
};

std::vector<decide::Request> GenerateRequests(const model::Registry& registry,
                                              const RequestParams& params);

// One request as a JSON object on one line (the decision API's request shape).
std::string RequestToJson(const decide::Request& r);

}  // namespace concordat::synth
