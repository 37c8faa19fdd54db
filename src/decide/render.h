// Turning a Decision into words: the JSON decision line of the API and the readable
// explanation for a governance officer (`concordat explain`).
//
// Every reason gets a message naming the protocol, partner, category, rule or field
// concerned. The JSON has the keys of ../shared/spec/decision-api.md ("decision", "protocol",
// "version", "rule", "reasons", "warnings", "obligations"); each reason and warning also
// carries "protocol" when it concerns one.
#pragma once

#include <string>

#include "base/json_string.h"
#include "decide/decision.h"
#include "decide/index.h"
#include "decide/request.h"

namespace concordat::decide {

// Appends one JSON object (no newline) to *out.
void RenderJson(const CompiledRegistry& reg, const Request& req, const Decision& d,
                std::string* out);

// A deny for input that could not be read at all: never a permit.
void RenderInvalid(std::string_view message, std::string* out);

// The message of one reason or warning.
void AppendReasonMessage(const CompiledRegistry& reg, const Request& req, const Reason& r,
                         std::string* out);
std::string ReasonMessage(const CompiledRegistry& reg, const Request& req, const Reason& r);
std::string WarningMessage(const CompiledRegistry& reg, const Warning& w);

// What would fix a failed check, in a governance officer's words.
std::string ReasonRemedy(const CompiledRegistry& reg, const Request& req, const Reason& r);

// The fields the requester may receive: the union of the requested categories' fields.
std::vector<std::string> PermittedFields(const CompiledRegistry& reg, const Request& req,
                                         const Decision& d);

// Readable explanation: outcome, protocol and clause, each failed check and its remedy.
std::string Explain(const CompiledRegistry& reg, const Request& req, const Decision& d);

// Writes s as a JSON string literal (base/json_string.h).
using concordat::AppendJsonString;

}  // namespace concordat::decide
