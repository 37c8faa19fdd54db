// Fuzz target: what concordatd reads from a client before anything is decided
// (server/http_input.h, server/list_params.h): the request target's query string and a JSON
// body. The input's first line is the target, the rest the body. Built two ways, like the
// other targets: with libFuzzer (cmake --preset fuzz; make fuzz FUZZ_TARGETS=http_input), and
// as a replay program run by ctest over tests/fuzz/http_corpus and mutations of it.
//
// Invariants checked on every input (any breach aborts):
// - nothing throws;
// - a refusal carries a message, and the message is valid UTF-8 (it goes into a JSON problem);
// - accepted parameters are valid UTF-8, and percent-encoding them again and parsing that
//   gives the same parameters (the decoder loses nothing and invents nothing);
// - OnlyParams accepts exactly when QueryParams does and every name is one allowed;
// - a listing's query has a limit of 1 to 1000 and no cursor half set;
// - JsonBody accepts only an object whose keys are among those named, and then StringField
//   answers every key without throwing;
// - Number accepts exactly the texts of digits alone that fit in 64 bits, and gives their value.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "base/utf8.h"
#include "server/http_input.h"
#include "server/list_params.h"

namespace {

using concordat::IsValidUtf8;
using concordat::Result;
using concordat::Status;

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckRefusal(const Status& s) {
  Check(!s.ok());
  Check(!s.message().empty());
  Check(IsValidUtf8(s.message()));
}

std::string PercentEncode(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

void FuzzQuery(const std::string& target) {
  using namespace concordat::server;
  auto params = QueryParams(target);
  if (!params.ok()) {
    CheckRefusal(params.status());
  } else {
    std::string again = "/x?";
    for (const auto& [k, v] : *params) {
      Check(IsValidUtf8(k) && IsValidUtf8(v));
      again += PercentEncode(k) + "=" + PercentEncode(v) + "&";
    }
    auto reparsed = QueryParams(again);
    Check(reparsed.ok());
    // An empty name round-trips as "=v", which is a parameter named "" again.
    Check(*reparsed == *params);
  }
  auto only = OnlyParams(target, {"subject", "purpose", "protocol"});
  bool all_allowed = params.ok();
  if (params.ok())
    for (const auto& [k, v] : *params)
      all_allowed = all_allowed && (k == "subject" || k == "purpose" || k == "protocol");
  Check(only.ok() == all_allowed);
  if (!only.ok()) CheckRefusal(only.status());
  for (bool requests : {true, false}) {
    auto list = ParseListTarget(target, "essex-cc", requests,
                                [](const std::string& subject) { return "tag:" + subject; });
    if (!list.ok()) {
      CheckRefusal(list.status());
      continue;
    }
    Check(list->limit >= 1 && list->limit <= 1000);
    Check(list->org == "essex-cc");
    // A subject is found by its tag, never kept as given.
    Check(list->subject_tag.empty() || list->subject_tag.rfind("tag:", 0) == 0);
  }
  // The path's text as an entry number.
  const std::string path = PathOf(target);
  const std::string last =
      path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  auto n = Number("index", last);
  bool digits = !last.empty();
  for (char c : last) digits = digits && c >= '0' && c <= '9';
  const size_t first = last.find_first_not_of('0');
  const std::string value = first == std::string::npos ? "0" : last.substr(first);
  if (n.ok()) {
    Check(digits);
    Check(std::to_string(*n) == value);  // its value, written again: the text less leading zeros
  } else {
    CheckRefusal(n.status());
    if (digits) Check(value.size() >= 20);  // refused digits can only be too many for 64 bits
  }
}

void FuzzBody(const std::string& body) {
  using namespace concordat::server;
  for (const char* type : {"application/json", "", "text/plain"}) {
    auto j = JsonBody(type, body, {"fields", "reason"});
    if (!j.ok()) {
      CheckRefusal(j.status());
      continue;
    }
    Check(std::string(type) != "text/plain");
    Check(j->is_object());
    for (auto it = j->begin(); it != j->end(); ++it) {
      Check(it.key() == "fields" || it.key() == "reason");
      std::string out;
      for (bool required : {true, false}) {
        Status s = StringField(*j, it.key(), required, &out);
        if (!s.ok()) CheckRefusal(s);
        if (s.ok() && it->is_string()) Check(out == it->get<std::string>());
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string target = input.substr(0, newline);
  const std::string body = newline == std::string::npos ? std::string() : input.substr(newline + 1);
  try {
    FuzzQuery(target);
    FuzzBody(body);
  } catch (...) {
    std::abort();  // nothing here may throw: a request handler would answer 500
  }
  return 0;
}

// What the replay's mutations insert: the query string's punctuation, percent-escapes' digits,
// JSON's punctuation and literals, and bytes that are not valid UTF-8 on their own.
std::string ConcordatFuzzAlphabet() {
  static const char kAlphabet[] = "?&=%+/0123456789aAfFzZ{}[]\":,\\nultrue \x00\xff\xc3\xa9\x80";
  return std::string(kAlphabet, sizeof kAlphabet - 1);  // the NUL inside too
}
