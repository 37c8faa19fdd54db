// SHA-256 of a byte string, as lower-case hex (OpenSSL underneath).
#pragma once

#include <string>
#include <string_view>

namespace concordat {

std::string Sha256Hex(std::string_view bytes);

}  // namespace concordat
