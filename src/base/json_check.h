// Checks on JSON text that a plain parse does not make, so that every JSON input path answers
// bad input with where and what.
//
// Neither function repeats any part of the text in what it returns: request bodies carry
// personal data, and error messages travel to clients and may be logged.
#pragma once

#include <string>
#include <string_view>

namespace concordat {

// Where and what is wrong with text that a JSON parser refused, as
// "line 1, column 8: syntax error while parsing value - invalid literal".
// For text that is valid JSON, returns an empty string.
std::string DescribeJsonError(std::string_view text);

// The first object member name given twice in the same object, as a path from the top such as
// "fields.name" or "items[2].id" (RFC 8259 leaves what a parser does with a repeated name open;
// most keep the last silently, which makes the text mean two things). Empty when there is none,
// and also when the text is not valid JSON (DescribeJsonError says why).
std::string FirstDuplicateKey(std::string_view text);

}  // namespace concordat
