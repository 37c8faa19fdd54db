// Fuzz target: the decision request parser and everything a parsed request reaches
// (decide, render). Built two ways: with libFuzzer (cmake --preset fuzz; make fuzz), and as
// a replay program run by ctest over the corpus and deterministic mutations of it.
//
// Invariants checked on every input: a refused request leaves the Request empty; an
// accepted one decides without crashing; the rendered decision is one line of JSON that
// starts with {"decision":"permit" only when the engine permitted.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "decide/engine.h"
#include "decide/render.h"
#include "decide/request_json.h"
#include "model/registry.h"

namespace {

const concordat::decide::CompiledRegistry& Registry() {
  static auto reg = [] {
    auto loaded = concordat::model::LoadRegistry(CONCORDAT_SOURCE_DIR "/protocols");
    if (!loaded.ok()) std::abort();
    return concordat::decide::CompiledRegistry::Compile(std::move(*loaded));
  }();
  return *reg;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace concordat::decide;
  static RequestParser parser;
  static Request request;
  static Decision decision;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  concordat::Status s = parser.Parse(text, &request);
  std::string out;
  if (!s.ok()) {
    if (!request.requester.org.empty() || !request.provider.empty() || !request.data.empty())
      std::abort();
    if (s.message().empty()) std::abort();
    RenderInvalid(s.message(), &out);
  } else {
    Decide(Registry(), request, concordat::Instant{1732406400}, &decision);
    RenderJson(Registry(), request, decision, &out);
    bool says_permit = out.rfind("{\"decision\":\"permit\"", 0) == 0;
    if (says_permit != decision.permit) std::abort();
    Explain(Registry(), request, decision);
  }
  if (out.find('\n') != std::string::npos) std::abort();
  if (out.empty() || out.front() != '{' || out.back() != '}') std::abort();
  return 0;
}

// What the replay's mutations insert: JSON's punctuation and literals, and bytes that are not
// valid UTF-8 on their own.
std::string ConcordatFuzzAlphabet() {
  static const char kAlphabet[] = "{}[]\":,\\ntrufalse0123456789-.eE \x00\xff\xc3\xa9";
  return std::string(kAlphabet, sizeof kAlphabet - 1);  // the NUL inside too
}
