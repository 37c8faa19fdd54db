// Audit log benchmarks on the SQLite store (Google Benchmark). Results: BENCHMARKS.md.
//
//   BM_AppendGroupCommit/T  durable appends per second, T threads submitting through the
//                           group committer (one transaction + one signed tree head per group)
//   BM_Verify               full verification of a log: entries and bytes per second
//   BM_InclusionProof       an inclusion proof read from a log of N entries
//   BM_EncodeEntryTail      one look-up's decision entry encoded (its request JSON escaped into
//                           the entry), as every audited request does on its network thread
//
// The store lives under $CONCORDAT_BENCH_DIR (default /tmp); the large log is built once
// and reused across runs (audit-bench-N.db).
#include <benchmark/benchmark.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "audit/log.h"
#include "audit/verify.h"
#include "store/store.h"

namespace {

using namespace concordat;
namespace fs = std::filesystem;

std::string BenchDirPath() {
  const char* d = std::getenv("CONCORDAT_BENCH_DIR");
  return d ? d : "/tmp";
}

// With CONCORDAT_BENCH_PG set to a libpq URI of a server (for example
// "postgresql:///postgres?host=/tmp/pg&port=5433&user=postgres"), the stores are PostgreSQL
// databases created on it; otherwise SQLite files.
const char* PgBase() {
  return std::getenv("CONCORDAT_BENCH_PG");
}

std::string StoreUrl(const std::string& name, bool fresh) {
  if (!PgBase()) return "sqlite:" + BenchDirPath() + "/" + name;
  std::string base = PgBase();
  std::string db = name.substr(0, name.find('.'));
  for (auto& c : db)
    if (c == '-') c = '_';
  if (fresh) {
    PGconn* admin = PQconnectdb(base.c_str());
    PQclear(PQexec(admin, ("DROP DATABASE IF EXISTS " + db).c_str()));
    PQclear(PQexec(admin, ("CREATE DATABASE " + db).c_str()));
    PQfinish(admin);
  }
  std::string url = base;
  url.replace(url.find("/postgres?"), 10, "/" + db + "?");
  return url;
}

std::string BenchDir() {
  return BenchDirPath();
}

audit::LogEntry SampleEntry(uint64_t i) {
  audit::LogEntry e;
  e.kind = "decision";
  e.at = Instant{1764000000 + static_cast<int64_t>(i)};
  e.actor = "u-" + std::to_string(i % 5000);
  e.organisation = "essex-police";
  e.protocol = "essex-police-mosaic";
  e.version = "1.0";
  e.request =
      "{\"data\":[\"cf-case-status\"],\"format\":\"self_service\",\"purpose\":\"online-child-"
      "sexual-abuse\"}";
  e.decision = i % 4 ? "permit" : "deny";
  if (i % 4 == 0) e.reasons = {"LOCATION_NOT_ALLOWED"};
  return e;
}

struct Env {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<audit::Signer> signer;
  std::string path;
};

Env OpenFresh(const std::string& name) {
  Env env;
  env.path = BenchDir() + "/" + name;
  for (const char* ext : {"", "-wal", "-shm", ".key", ".key.pub"}) fs::remove(env.path + ext);
  env.store = std::move(store::OpenStore(StoreUrl(name, true), true).value());
  (void)audit::Signer::CreateKeyFiles(env.path + ".key", env.path + ".key.pub");
  env.signer = std::make_unique<audit::Signer>(*audit::Signer::Load(env.path + ".key"));
  return env;
}

// A log of `n` entries, built once (batches of 10,000) and kept for later runs.
Env OpenLarge(uint64_t n) {
  Env env;
  env.path = BenchDir() + "/audit-bench-" + std::to_string(n) + ".db";
  if ((PgBase() || fs::exists(env.path)) && fs::exists(env.path + ".key")) {
    auto opened =
        store::OpenStore(StoreUrl("audit-bench-" + std::to_string(n) + ".db", false), false);
    if (opened.ok()) {
      env.store = std::move(opened.value());
      env.signer = std::make_unique<audit::Signer>(*audit::Signer::Load(env.path + ".key"));
      if (*env.store->Size() == n) return env;
      env.store.reset();
    }
  }
  env = OpenFresh("audit-bench-" + std::to_string(n) + ".db");
  audit::Log log(env.store.get(), env.signer.get());
  for (uint64_t done = 0; done < n;) {
    std::vector<audit::LogEntry> batch;
    for (uint64_t i = 0; i < 10000 && done + i < n; ++i) batch.push_back(SampleEntry(done + i));
    done += batch.size();
    (void)log.Append(&batch, audit::NowMillis());
  }
  return env;
}

void BM_AppendGroupCommit(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  Env env = OpenFresh("audit-bench-append.db");
  audit::Log log(env.store.get(), env.signer.get());
  const int per_thread = 20000;
  for (auto _ : state) {
    audit::GroupCommitter group(&log, 8192);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        // Each submitter keeps up to 512 entries in flight, as a server's request threads would.
        std::vector<audit::GroupCommitter::Receipt> inflight;
        for (int i = 0; i < per_thread; ++i) {
          inflight.push_back(group.Submit(SampleEntry(static_cast<uint64_t>(t * per_thread + i))));
          if (inflight.size() == 512) {
            for (auto& f : inflight) (void)f.get();
            inflight.clear();
          }
        }
        for (auto& f : inflight) (void)f.get();
      });
    }
    for (auto& t : pool) t.join();
  }
  state.SetItemsProcessed(state.iterations() * threads * per_thread);
  state.counters["signed_heads"] = static_cast<double>(env.store->Sths()->size());
}
BENCHMARK(BM_AppendGroupCommit)
    ->Arg(1)
    ->Arg(8)
    ->Arg(64)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Verify(benchmark::State& state) {
  Env env = OpenLarge(static_cast<uint64_t>(state.range(0)));
  audit::PublicKey pk = env.signer->public_key();
  uint64_t bytes = 0;
  for (auto _ : state) {
    auto r = audit::VerifyLog(*env.store, pk);
    if (!r.ok) state.SkipWithError(r.message.c_str());
  }
  auto cursor = std::move(env.store->Entries(0).value());
  audit::StoredEntry e;
  while (*cursor->Next(&e)) bytes += e.encoded.size();
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
}
BENCHMARK(BM_Verify)->Arg(200000)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

// The floor under verification: draining the entry and node cursors, nothing hashed.
void BM_ReadLog(benchmark::State& state) {
  Env env = OpenLarge(static_cast<uint64_t>(state.range(0)));
  for (auto _ : state) {
    auto entries = std::move(env.store->Entries(0).value());
    auto nodes = std::move(env.store->Nodes().value());
    audit::StoredEntry e;
    audit::StoredNode n;
    while (*entries->Next(&e)) benchmark::DoNotOptimize(e);
    while (*nodes->Next(&n)) benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ReadLog)->Arg(200000)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_InclusionProof(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  Env env = OpenLarge(n);
  // A long-running server has read the upper levels' tiles before: warm them as it would
  // (one proof per 512 leaves touches every tile of level 3 and above).
  for (uint64_t i = 0; i < n; i += 512) (void)audit::InclusionProof(*env.store, i, n);
  std::mt19937_64 rng(1);
  size_t hashes = 0;
  for (auto _ : state) {
    auto proof = audit::InclusionProof(*env.store, rng() % n, n);
    hashes += proof->size();
    benchmark::DoNotOptimize(proof);
  }
  state.counters["proof_hashes"] =
      static_cast<double>(hashes) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_InclusionProof)
    ->Arg(200000)
    ->Arg(1000000)
    ->Arg(10000000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace

void BM_EncodeEntryTail(benchmark::State& state) {
  audit::LogEntry e;
  e.kind = "decision";
  e.at = Instant{1795000000};
  e.actor = "u-bench";
  e.organisation = "essex-police";
  e.protocol = "demo-safeguarding-requests";
  e.version = "1.0";
  e.request =
      R"({"action":"read","audit_reference":"AR-77","data":["cf-case-status"],"format":)"
      R"("self_service","justification":"strategy meeting","protocol":"demo-safeguarding-)"
      R"(requests","provider":"essex-cc","purpose":"child-protection","requester":{"device":)"
      R"("","location":"","org":"essex-police","roles":["public-protection-officer"],"user":)"
      R"("u-bench"},"subject_tag":"4a6d5ae9f359d1e6e690ce73dca41c0cf6547ae212ac830ac36e1e706)"
      R"(0318a78"})";
  e.decision = "permit";
  size_t bytes = 0;
  for (auto _ : state) {
    std::string tail = audit::EncodeEntryTail(e);
    bytes += tail.size();
    benchmark::DoNotOptimize(tail);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_EncodeEntryTail);

BENCHMARK_MAIN();
