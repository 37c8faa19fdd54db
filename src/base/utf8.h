// UTF-8 at the edges: JSON text (RFC 8259) must be UTF-8, so bytes that are not, arriving in a
// URL's percent-encoding or a header, are refused where they enter, and never copied raw into
// a problem document, a log line or the audit log.
#pragma once

#include <string>
#include <string_view>

namespace concordat {

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view s);

// `s` with each byte that is not part of a well-formed sequence replaced by U+FFFD (the
// replacement character), so that it can be shown; `s` itself when it is well-formed.
std::string ToValidUtf8(std::string_view s);

}  // namespace concordat
