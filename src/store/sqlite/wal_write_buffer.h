// An SQLite VFS that gathers each transaction's WAL writes into one.
//
// SQLite writes a WAL frame as two calls (its 24-byte header, then the page), so a commit of
// fifteen pages costs thirty write system calls before its fsync. This VFS wraps another (the
// default, or a test's fault-injecting one) and, for WAL files only, keeps consecutive writes
// in memory until something needs them in the file: a sync (every commit, since the store
// runs synchronous=FULL), a read, a size query, a truncation, a non-consecutive write, 8 MiB
// gathered, or the file's close. Then it writes them in as few calls as the base VFS allows
// (pieces of 124 KiB).
//
// Nothing is acknowledged on the strength of a buffered write: SQLite makes a commit visible
// to other connections only after that commit's sync, and the sync writes the buffer first.
// The store must therefore keep synchronous=FULL (it does); with NORMAL, commits would become
// visible with frames still in this buffer.
#pragma once

namespace concordat::store {

// The name of the buffering VFS over `base` (nullptr: SQLite's default), registered on first
// use. Safe to call from any thread.
const char* WalBufferingVfs(const char* base);

}  // namespace concordat::store
