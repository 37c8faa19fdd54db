// A library's message as one line: libpq, for one, ends its errors with a newline and puts its
// hint on a tab-indented line of its own. Log lines and error messages are one line each.
#pragma once

#include <string>
#include <string_view>

namespace concordat {

// `text` with each run of whitespace (newlines and tabs included) made one space, and none at
// either end.
std::string OneLine(std::string_view text);

}  // namespace concordat
