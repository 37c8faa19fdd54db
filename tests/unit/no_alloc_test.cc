// The decision function allocates nothing: operator new is counted while Decide() runs over
// generated requests against a generated registry (its own test binary, because replacing
// the global operator new affects everything linked with it).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "decide/engine.h"
#include "synth/generate.h"

namespace {
std::atomic<long> g_allocations{0};
std::atomic<bool> g_counting{false};
}  // namespace

void* operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed))
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace concordat::decide {
namespace {

TEST(NoAllocation, DecideAllocatesNothing) {
  synth::RegistryParams params;
  params.protocols = 200;
  params.partners = 12;
  params.categories = 15;
  params.organisations = 40;  // pairs meet in many protocols: the search path is exercised too
  model::Registry registry = synth::GenerateRegistry(params);
  auto requests = synth::GenerateRequests(registry, {20000, 5});
  auto compiled = CompiledRegistry::Compile(std::move(registry));
  Decision d;
  const Instant now{1764000000};
  long permits = 0;
  g_allocations = 0;
  g_counting = true;
  for (const auto& r : requests) {
    Decide(*compiled, r, now, &d);
    permits += d.permit;
  }
  g_counting = false;
  EXPECT_EQ(g_allocations.load(), 0) << "Decide() allocated";
  EXPECT_GT(permits, 100);  // the workload reaches the permit path
  // The counter works: an allocation while counting is seen.
  g_counting = true;
  auto* probe = new int(7);
  g_counting = false;
  delete probe;
  EXPECT_EQ(g_allocations.load(), 1);
}

}  // namespace
}  // namespace concordat::decide
