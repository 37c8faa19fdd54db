// Canonical serialisation of a protocol and its content hash: the bytes that get signed.
//
// Canonicalize() puts set-like lists (tags, recipients, fields, roles, formats, bases, ...)
// in sorted order and sorts keyed maps by key; lists whose order carries meaning (partners,
// data categories, access rules, authors, statements) keep document order.
// ToCanonicalYaml() writes the canonical form as YAML: keys in the order of the format
// specification, every text double-quoted with JSON-style escapes, absent fields omitted,
// one trailing newline. Loading that text gives back Canonicalize(p) exactly, and writing it
// again gives the same bytes.
// ContentHash() is "sha256:" followed by the hex SHA-256 of ToCanonicalYaml().
#pragma once

#include <string>

#include "model/protocol.h"

namespace concordat::model {

Protocol Canonicalize(Protocol p);
std::string ToCanonicalYaml(const Protocol& p);
std::string ContentHash(const Protocol& p);

// Writes `s` as a double-quoted string (JSON-compatible escapes, UTF-8 kept as is).
std::string QuoteYaml(std::string_view s);

}  // namespace concordat::model
