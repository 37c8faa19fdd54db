#include "store/sqlite/wal_write_buffer.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>

namespace concordat::store {
namespace {

constexpr size_t kMaxGathered = 8u << 20;
// SQLite's unix VFS writes at most 0x1ffff bytes a call (it masks the length, and reports the
// rest as a full disk), so gathered bytes go out in pieces of 124 KiB.
constexpr size_t kPiece = 0x1f000;

struct Shim {
  sqlite3_vfs vfs{};
  sqlite3_vfs* base = nullptr;
  sqlite3_io_methods methods{};
  std::string name;
};

struct File {
  sqlite3_file io;     // must be first: SQLite sees this
  sqlite3_file* real;  // the wrapped file, allocated right after this struct
  bool wal;
  std::string gathered;       // consecutive bytes not yet written
  sqlite3_int64 gathered_at;  // the file offset of gathered[0]
};

File* Of(sqlite3_file* f) {
  return reinterpret_cast<File*>(f);
}
sqlite3_file* Real(sqlite3_file* f) {
  return Of(f)->real;
}

int Flush(File* file) {
  int rc = SQLITE_OK;
  for (size_t done = 0; done < file->gathered.size() && rc == SQLITE_OK; done += kPiece) {
    const size_t n = std::min(kPiece, file->gathered.size() - done);
    rc = file->real->pMethods->xWrite(file->real, file->gathered.data() + done, static_cast<int>(n),
                                      file->gathered_at + static_cast<sqlite3_int64>(done));
  }
  file->gathered.clear();  // on failure too: SQLite treats the error as the write's
  return rc;
}

int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  File* file = Of(f);
  if (!file->wal) return file->real->pMethods->xWrite(file->real, buf, n, off);
  const bool follows = !file->gathered.empty() &&
                       off == file->gathered_at + static_cast<sqlite3_int64>(file->gathered.size());
  if (!follows || file->gathered.size() + static_cast<size_t>(n) > kMaxGathered) {
    if (int rc = Flush(file); rc != SQLITE_OK) return rc;
    file->gathered_at = off;
  }
  file->gathered.append(static_cast<const char*>(buf), static_cast<size_t>(n));
  return SQLITE_OK;
}

int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  if (int rc = Flush(Of(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xRead(Real(f), buf, n, off);
}

int Sync(sqlite3_file* f, int flags) {
  if (int rc = Flush(Of(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xSync(Real(f), flags);
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int rc = Flush(Of(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xTruncate(Real(f), size);
}

int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  if (int rc = Flush(Of(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xFileSize(Real(f), size);
}

int FileControl(sqlite3_file* f, int op, void* arg) {
  if (int rc = Flush(Of(f)); rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}

int Close(sqlite3_file* f) {
  File* file = Of(f);
  const int flushed = Flush(file);
  const int rc = file->real->pMethods->xClose(file->real);
  file->gathered.~basic_string();
  return flushed != SQLITE_OK ? flushed : rc;
}

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  Shim& shim = *static_cast<Shim*>(vfs->pAppData);
  File* file = Of(f);
  file->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + sizeof(File));
  file->real->pMethods = nullptr;
  file->wal = (flags & SQLITE_OPEN_WAL) != 0;
  file->gathered_at = 0;
  new (&file->gathered) std::string();
  const int rc = shim.base->xOpen(shim.base, name, file->real, flags, out_flags);
  if (rc != SQLITE_OK || !file->real->pMethods) {
    // SQLite calls xClose only when pMethods is set: nothing more of this file is used.
    if (file->real->pMethods) file->real->pMethods->xClose(file->real);
    file->gathered.~basic_string();
    f->pMethods = nullptr;
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  f->pMethods = &shim.methods;
  return SQLITE_OK;
}

Shim* MakeShim(sqlite3_vfs* base) {
  auto shim = std::make_unique<Shim>();
  shim->base = base;
  shim->name = std::string("concordat-wal-buffer-") + base->zName;
  shim->vfs = *base;
  shim->vfs.zName = shim->name.c_str();
  shim->vfs.szOsFile = static_cast<int>(sizeof(File)) + base->szOsFile;
  shim->vfs.pNext = nullptr;
  shim->vfs.pAppData = shim.get();
  shim->vfs.xOpen = &Open;
  // Everything else of the VFS (delete, access, names, randomness, time) is the base's: the
  // copied function pointers get the shim's sqlite3_vfs, so route them to the base.
  shim->vfs.xDelete = [](sqlite3_vfs* v, const char* n, int d) {
    sqlite3_vfs* b = static_cast<Shim*>(v->pAppData)->base;
    return b->xDelete(b, n, d);
  };
  shim->vfs.xAccess = [](sqlite3_vfs* v, const char* n, int flags, int* out) {
    sqlite3_vfs* b = static_cast<Shim*>(v->pAppData)->base;
    return b->xAccess(b, n, flags, out);
  };
  shim->vfs.xFullPathname = [](sqlite3_vfs* v, const char* n, int size, char* out) {
    sqlite3_vfs* b = static_cast<Shim*>(v->pAppData)->base;
    return b->xFullPathname(b, n, size, out);
  };
  shim->vfs.xDlOpen = [](sqlite3_vfs* v, const char* n) {
    sqlite3_vfs* b = static_cast<Shim*>(v->pAppData)->base;
    return b->xDlOpen(b, n);
  };
  shim->vfs.xDlError = [](sqlite3_vfs* v, int n, char* out) {
    sqlite3_vfs* b = static_cast<Shim*>(v->pAppData)->base;
    b->xDlError(b, n, out);
  };
  shim->vfs.xDlSym = [](sqlite3_vfs* v, void* h, const char* s) {
    sqlite3_vfs* b = static_cast<Shim*>(v->pAppData)->base;
    return b->xDlSym(b, h, s);
  };
  shim->vfs.xDlClose = [](sqlite3_vfs* v, void* h) {
    sqlite3_vfs* b = static_cast<Shim*>(v->pAppData)->base;
    b->xDlClose(b, h);
  };
  shim->vfs.xRandomness = [](sqlite3_vfs* v, int n, char* out) {
    sqlite3_vfs* b = static_cast<Shim*>(v->pAppData)->base;
    return b->xRandomness(b, n, out);
  };
  shim->vfs.xSleep = [](sqlite3_vfs* v, int us) {
    sqlite3_vfs* b = static_cast<Shim*>(v->pAppData)->base;
    return b->xSleep(b, us);
  };
  shim->vfs.xCurrentTime = [](sqlite3_vfs* v, double* t) {
    sqlite3_vfs* b = static_cast<Shim*>(v->pAppData)->base;
    return b->xCurrentTime(b, t);
  };
  shim->vfs.xGetLastError = [](sqlite3_vfs* v, int n, char* out) {
    sqlite3_vfs* b = static_cast<Shim*>(v->pAppData)->base;
    return b->xGetLastError ? b->xGetLastError(b, n, out) : 0;
  };
  if (base->iVersion >= 2 && base->xCurrentTimeInt64)
    shim->vfs.xCurrentTimeInt64 = [](sqlite3_vfs* v, sqlite3_int64* t) {
      sqlite3_vfs* b = static_cast<Shim*>(v->pAppData)->base;
      return b->xCurrentTimeInt64(b, t);
    };
  if (shim->vfs.iVersion >= 3) {  // system-call overrides: not offered through the shim
    shim->vfs.xSetSystemCall = nullptr;
    shim->vfs.xGetSystemCall = nullptr;
    shim->vfs.xNextSystemCall = nullptr;
  }
  sqlite3_io_methods& m = shim->methods;
  m.iVersion = 3;
  m.xClose = &Close;
  m.xRead = &Read;
  m.xWrite = &Write;
  m.xTruncate = &Truncate;
  m.xSync = &Sync;
  m.xFileSize = &FileSize;
  m.xLock = [](sqlite3_file* f, int l) { return Real(f)->pMethods->xLock(Real(f), l); };
  m.xUnlock = [](sqlite3_file* f, int l) { return Real(f)->pMethods->xUnlock(Real(f), l); };
  m.xCheckReservedLock = [](sqlite3_file* f, int* r) {
    return Real(f)->pMethods->xCheckReservedLock(Real(f), r);
  };
  m.xFileControl = &FileControl;
  m.xSectorSize = [](sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); };
  m.xDeviceCharacteristics = [](sqlite3_file* f) {
    return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
  };
  m.xShmMap = [](sqlite3_file* f, int pg, int sz, int ext, void volatile** pp) {
    return Real(f)->pMethods->xShmMap(Real(f), pg, sz, ext, pp);
  };
  m.xShmLock = [](sqlite3_file* f, int off, int n, int flags) {
    return Real(f)->pMethods->xShmLock(Real(f), off, n, flags);
  };
  m.xShmBarrier = [](sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); };
  m.xShmUnmap = [](sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); };
  m.xFetch = [](sqlite3_file* f, sqlite3_int64 off, int n, void** pp) {
    sqlite3_file* r = Real(f);
    if (r->pMethods->iVersion < 3 || !r->pMethods->xFetch) {
      *pp = nullptr;
      return SQLITE_OK;
    }
    return r->pMethods->xFetch(r, off, n, pp);
  };
  m.xUnfetch = [](sqlite3_file* f, sqlite3_int64 off, void* p) {
    sqlite3_file* r = Real(f);
    if (r->pMethods->iVersion < 3 || !r->pMethods->xUnfetch) return SQLITE_OK;
    return r->pMethods->xUnfetch(r, off, p);
  };
  if (sqlite3_vfs_register(&shim->vfs, 0) != SQLITE_OK) return nullptr;
  return shim.release();  // registered for the life of the process
}

}  // namespace

const char* WalBufferingVfs(const char* base_name) {
  static std::mutex mu;
  static std::map<std::string, Shim*> shims;
  std::lock_guard<std::mutex> lock(mu);
  sqlite3_vfs* base = sqlite3_vfs_find(base_name);
  if (!base) return base_name;  // unknown: let sqlite3_open_v2 name the error
  auto it = shims.find(base->zName);
  if (it == shims.end()) {
    Shim* shim = MakeShim(base);
    if (!shim) return base_name;
    it = shims.emplace(base->zName, shim).first;
  }
  return it->second->name.c_str();
}

}  // namespace concordat::store
