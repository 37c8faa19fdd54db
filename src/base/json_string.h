// Writing JSON string literals: quotes, backslashes and control characters escaped, UTF-8
// passed through as is.
#pragma once

#include <string>
#include <string_view>

namespace concordat {

void AppendJsonString(std::string_view s, std::string* out);

}  // namespace concordat
