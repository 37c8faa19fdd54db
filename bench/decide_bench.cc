// Decision engine benchmarks (Google Benchmark). Results and commands: BENCHMARKS.md.
//
//   BM_Decide          decisions per second on one core, 1,000 protocols of 20 partners and
//                      30 categories, requests from the generator (a mix of permits and denies)
//   BM_DecideLatency   the same, each decision timed alone: p50 / p99 / max in nanoseconds
//   BM_Compile         compiling a registry of N protocols into the index
//   BM_ParseDecideRender  JSON request in, JSON decision out (the CLI's per-line work)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>

#include "decide/engine.h"
#include "decide/render.h"
#include "decide/request_json.h"
#include "synth/generate.h"

namespace {

using namespace concordat;

struct Fixture {
  std::shared_ptr<const decide::CompiledRegistry> reg;
  std::vector<decide::Request> requests;
  std::vector<std::string> json;
};

const Fixture& Get() {
  static Fixture f = [] {
    Fixture x;
    synth::RegistryParams p;
    p.protocols = 1000;
    p.partners = 20;
    p.categories = 30;
    p.seed = 2026;
    model::Registry registry = synth::GenerateRegistry(p);
    x.requests = synth::GenerateRequests(registry, {100000, 7});
    for (const auto& r : x.requests) x.json.push_back(synth::RequestToJson(r));
    x.reg = decide::CompiledRegistry::Compile(std::move(registry));
    return x;
  }();
  return f;
}

void BM_Decide(benchmark::State& state) {
  const Fixture& f = Get();
  decide::Decision d;
  const Instant now{1764000000};
  size_t i = 0, permits = 0;
  for (auto _ : state) {
    decide::Decide(*f.reg, f.requests[i], now, &d);
    permits += d.permit;
    benchmark::DoNotOptimize(d.reason_count);
    if (++i == f.requests.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["permit_share"] =
      static_cast<double>(permits) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_Decide);

void BM_DecideLatency(benchmark::State& state) {
  const Fixture& f = Get();
  decide::Decision d;
  const Instant now{1764000000};
  std::vector<int64_t> ns;
  ns.reserve(f.requests.size());
  for (auto _ : state) {
    ns.clear();
    for (const auto& r : f.requests) {
      auto t0 = std::chrono::steady_clock::now();
      decide::Decide(*f.reg, r, now, &d);
      auto t1 = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(d.reason_count);
      ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    }
  }
  std::sort(ns.begin(), ns.end());
  state.counters["p50_ns"] = static_cast<double>(ns[ns.size() / 2]);
  state.counters["p99_ns"] = static_cast<double>(ns[ns.size() * 99 / 100]);
  state.counters["max_ns"] = static_cast<double>(ns.back());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * f.requests.size()));
}
BENCHMARK(BM_DecideLatency)->Iterations(5)->Unit(benchmark::kMillisecond);

void BM_Compile(benchmark::State& state) {
  synth::RegistryParams p;
  p.protocols = static_cast<int>(state.range(0));
  p.partners = 20;
  p.categories = 30;
  p.seed = 99;
  model::Registry registry = synth::GenerateRegistry(p);
  for (auto _ : state) {
    state.PauseTiming();
    model::Registry copy = registry;  // Compile takes ownership; the copy is not what is measured
    state.ResumeTiming();
    auto reg = decide::CompiledRegistry::Compile(std::move(copy));
    benchmark::DoNotOptimize(reg.get());
    state.PauseTiming();
    reg.reset();  // freeing the index is not compiling it
    state.ResumeTiming();
  }
  state.counters["protocols"] = static_cast<double>(registry.protocols.size());
}
BENCHMARK(BM_Compile)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_ParseDecideRender(benchmark::State& state) {
  const Fixture& f = Get();
  decide::RequestParser parser;
  decide::Request req;
  decide::Decision d;
  std::string out;
  const Instant now{1764000000};
  size_t i = 0;
  for (auto _ : state) {
    out.clear();
    if (parser.Parse(f.json[i], &req).ok()) {
      decide::Decide(*f.reg, req, now, &d);
      decide::RenderJson(*f.reg, req, d, &out);
    }
    benchmark::DoNotOptimize(out.data());
    if (++i == f.json.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ParseDecideRender);

}  // namespace

BENCHMARK_MAIN();
