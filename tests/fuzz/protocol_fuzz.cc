// Fuzz target: a protocol file (YAML) and everything a loaded protocol reaches: lint, the
// canonical form that gets signed, compiling it into a registry, and deciding against it.
// Built two ways: with libFuzzer (cmake --preset fuzz; make fuzz), and as a replay program
// run by ctest over the seed protocols and deterministic mutations of them.
//
// Invariants checked on every input: a file that does not load yields at least one error,
// each naming the file and saying what is wrong, and a status that says so too; a file that
// loads lints and compiles without crashing, its canonical form loads again to the same
// content hash (the bytes signed are the protocol), and a decision against it is explained.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "decide/engine.h"
#include "decide/index.h"
#include "decide/render.h"
#include "model/canonical.h"
#include "model/lint.h"
#include "model/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace concordat;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<model::LoadError> errors;
  auto loaded = model::LoadProtocolText(text, "fuzz.yaml", &errors);
  if (!loaded.ok()) {
    if (errors.empty() || loaded.status().message().empty()) std::abort();
    for (const model::LoadError& e : errors)
      if (e.message.empty() || e.file != "fuzz.yaml" || e.line < 0 || e.column < 0) std::abort();
    return 0;
  }
  model::Protocol& p = *loaded;
  (void)model::Lint(p);
  const std::string canonical = model::ToCanonicalYaml(p);
  auto again = model::LoadProtocolText(canonical, "canonical.yaml");
  if (!again.ok() || model::ContentHash(*again) != model::ContentHash(p)) std::abort();

  // A request between its first two partners for its first category, as a decision would be.
  decide::Request request;
  request.protocol = p.id;
  if (!p.partners.empty()) request.requester.org = p.partners.front().id;
  if (p.partners.size() > 1) request.provider = p.partners[1].id;
  if (!p.data.empty()) request.data = {p.data.front().id};
  request.purpose = "fuzzing";
  request.requester.user = "u-1";
  request.requester.roles = {"officer"};
  model::Registry registry;
  registry.protocols.push_back(std::move(p));
  auto compiled = decide::CompiledRegistry::Compile(std::move(registry));
  decide::Decision decision;
  decide::Decide(*compiled, request, Instant{1732406400}, &decision);
  std::string out;
  decide::RenderJson(*compiled, request, decision, &out);
  if (out.empty() || out.front() != '{' || out.back() != '}') std::abort();
  if (!decision.permit && decision.reason_count == 0) std::abort();  // a denial is explained
  (void)decide::Explain(*compiled, request, decision);
  return 0;
}

// What the replay's mutations insert: YAML's indicators, indentation, line breaks, quotes,
// digits and dashes (dates, versions), and bytes that are not valid UTF-8 on their own.
std::string ConcordatFuzzAlphabet() {
  static const char kAlphabet[] = ":-?,[]{}#&*!|>'\"%@` \n\t0123456789Tabz~\x00\xff\xc3\xa9";
  return std::string(kAlphabet, sizeof kAlphabet - 1);  // the NUL inside too
}
