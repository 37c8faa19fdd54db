// Reading what a client sends, before anything is decided: the path, the query string's
// parameters and a JSON body. Each function is pure (no I/O, no state) and answers bad input
// with an error that names the parameter or field and what is wrong with it; none throws.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace concordat::server {

// The path of a request target ("/v1/x?y=z" -> "/v1/x").
std::string PathOf(const std::string& target);
bool StartsWith(const std::string& s, const std::string& prefix);

// The target's query parameters, percent-decoded ('+' is a space). An error names a
// parameter given twice, malformed percent-encoding, or text that is not UTF-8. No query
// string gives none. Empty pairs ("a=1&&b=2") are skipped.
Result<std::map<std::string, std::string>> QueryParams(const std::string& target);

// QueryParams(), limited to `allowed`: an unknown parameter is an error naming it and the
// ones expected. `allowed` costs no allocation (the look-up calls this on every request).
Result<std::map<std::string, std::string>> OnlyParams(
    const std::string& target, std::initializer_list<std::string_view> allowed);

// A JSON body read strictly: an object with only the keys named. A content type other than
// application/json (when one is given) is a kNotFound error (answered 415); malformed JSON,
// not an object, a name given twice at any depth, or an unknown key is kInvalidArgument
// naming it.
Result<nlohmann::json> JsonBody(const std::string& content_type, const std::string& body,
                                const std::vector<std::string>& keys);

// `key` of the object `j` as a string into `out`: absent or null is an error when `required`
// (and then so is blank text), otherwise leaves `out` as it was; any other type is an error.
Status StringField(const nlohmann::json& j, const std::string& key, bool required,
                   std::string* out);

// A tree size or entry number from the query or path: digits only. The error names `name`.
Result<uint64_t> Number(const std::string& name, const std::string& text);

}  // namespace concordat::server
