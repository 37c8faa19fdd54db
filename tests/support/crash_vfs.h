// A fault-injecting SQLite VFS for tests: a power cut. It wraps the default VFS and remembers,
// for every file, what each region held before its first write since the last sync, and how
// long the file was at the last sync. When the armed sync (the Nth xSync from now) arrives,
// it does not sync: it puts every file back as it was at its last sync (so every write not yet
// synced is lost) and fails that and every later I/O call, as a machine that lost power
// would. Reopening the database with the ordinary VFS then shows what survived.
// It can also fill the disk for a while (FillDiskAtWrite): writes fail with SQLITE_FULL and
// the machine runs on.
#pragma once

#include <sqlite3.h>

#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace concordat::testing {

class CrashVfs {
 public:
  static constexpr const char* kName = "concordat-crash";

  static CrashVfs& Get() {
    static CrashVfs vfs;
    return vfs;
  }

  // The `n`th sync from now (1 = the next) is where the power fails.
  void ArmAtSync(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    syncs_left_ = n;
    crashed_ = false;
  }
  void Disarm() {
    std::lock_guard<std::mutex> lock(mu_);
    syncs_left_ = -1;
    crashed_ = false;
    files_.clear();
    full_from_ = full_for_ = 0;
  }
  // A full disk, for a while: the `from`th write from now (1 = the next), and the `count` - 1
  // after it, to any file, write nothing and fail with SQLITE_FULL; later writes work again,
  // as when space is freed. The machine keeps running: nothing else fails.
  void FillDiskAtWrite(int from, int count) {
    std::lock_guard<std::mutex> lock(mu_);
    full_from_ = from;
    full_for_ = count;
  }
  // Writes refused with SQLITE_FULL since the start.
  int refused_writes() const { return refused_writes_; }
  bool crashed() const { return crashed_; }
  // Write calls that reached this VFS for WAL files (names ending "-wal"), since the start.
  int wal_writes() const { return wal_writes_; }

 private:
  struct File {
    sqlite3_file base;   // must be first: SQLite sees this
    sqlite3_file* real;  // the wrapped file, allocated after this struct
    std::string name;
  };
  struct State {
    sqlite3_int64 synced_size = -1;                     // size at the last sync
    std::map<sqlite3_int64, std::vector<char>> before;  // offset -> old bytes, since last sync
  };

  CrashVfs() {
    real_ = sqlite3_vfs_find(nullptr);
    vfs_ = *real_;
    vfs_.zName = kName;
    vfs_.szOsFile = static_cast<int>(sizeof(File)) + real_->szOsFile;
    vfs_.xOpen = &Open;
    vfs_.xDelete = [](sqlite3_vfs* v, const char* name, int sync_dir) {
      CrashVfs& self = *static_cast<CrashVfs*>(v->pAppData);
      if (self.crashed_) return SQLITE_IOERR_DELETE;  // a dead machine deletes nothing
      return self.real_->xDelete(self.real_, name, sync_dir);
    };
    vfs_.pAppData = this;
    methods_ = {};
    methods_.iVersion = 3;
    methods_.xClose = &Close;
    methods_.xRead = &Read;
    methods_.xWrite = &Write;
    methods_.xTruncate = &Truncate;
    methods_.xSync = &Sync;
    methods_.xFileSize = &FileSize;
    methods_.xLock = [](sqlite3_file* f, int l) { return Real(f)->pMethods->xLock(Real(f), l); };
    methods_.xUnlock = [](sqlite3_file* f, int l) {
      return Real(f)->pMethods->xUnlock(Real(f), l);
    };
    methods_.xCheckReservedLock = [](sqlite3_file* f, int* r) {
      return Real(f)->pMethods->xCheckReservedLock(Real(f), r);
    };
    methods_.xFileControl = [](sqlite3_file* f, int op, void* a) {
      return Real(f)->pMethods->xFileControl(Real(f), op, a);
    };
    methods_.xSectorSize = [](sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); };
    methods_.xDeviceCharacteristics = [](sqlite3_file* f) {
      return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
    };
    methods_.xShmMap = [](sqlite3_file* f, int pg, int sz, int ext, void volatile** pp) {
      return Real(f)->pMethods->xShmMap(Real(f), pg, sz, ext, pp);
    };
    methods_.xShmLock = [](sqlite3_file* f, int off, int n, int flags) {
      return Real(f)->pMethods->xShmLock(Real(f), off, n, flags);
    };
    methods_.xShmBarrier = [](sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); };
    methods_.xShmUnmap = [](sqlite3_file* f, int del) {
      return Real(f)->pMethods->xShmUnmap(Real(f), del);
    };
    methods_.xFetch = [](sqlite3_file*, sqlite3_int64, int, void** pp) {
      *pp = nullptr;  // no memory-mapped reads: every read goes through xRead
      return SQLITE_OK;
    };
    methods_.xUnfetch = [](sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; };
    sqlite3_vfs_register(&vfs_, 0);
  }

  static CrashVfs& Self() { return Get(); }
  static sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }
  static const std::string& NameOf(sqlite3_file* f) { return reinterpret_cast<File*>(f)->name; }

  static int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
    CrashVfs& self = *static_cast<CrashVfs*>(vfs->pAppData);
    File* file = reinterpret_cast<File*>(f);
    file->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + sizeof(File));
    new (&file->name) std::string(name ? name : "");
    int rc = self.real_->xOpen(self.real_, name, file->real, flags, out_flags);
    if (rc != SQLITE_OK) {
      file->name.~basic_string();
      f->pMethods = nullptr;
      return rc;
    }
    f->pMethods = &self.methods_;
    std::lock_guard<std::mutex> lock(self.mu_);
    State& st = self.files_[file->name];
    if (st.synced_size < 0) {
      sqlite3_int64 size = 0;
      file->real->pMethods->xFileSize(file->real, &size);
      st.synced_size = size;
    }
    return SQLITE_OK;
  }

  static int Close(sqlite3_file* f) {
    File* file = reinterpret_cast<File*>(f);
    int rc = file->real->pMethods->xClose(file->real);
    file->name.~basic_string();
    return rc;
  }

  static int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
    if (Self().crashed_) return SQLITE_IOERR_READ;
    return Real(f)->pMethods->xRead(Real(f), buf, n, off);
  }

  static int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
    CrashVfs& self = Self();
    std::lock_guard<std::mutex> lock(self.mu_);
    if (self.crashed_) return SQLITE_IOERR_WRITE;
    if (self.full_for_ > 0 && --self.full_from_ <= 0) {
      --self.full_for_;
      ++self.refused_writes_;
      return SQLITE_FULL;
    }
    const std::string& name = NameOf(f);
    if (name.size() > 4 && name.compare(name.size() - 4, 4, "-wal") == 0) ++self.wal_writes_;
    State& st = self.files_[name];
    // Remember what this region held before its first write since the last sync (only the
    // part inside the synced size: anything beyond is cut off by the truncation).
    if (!st.before.count(off) && off < st.synced_size) {
      sqlite3_int64 len = std::min<sqlite3_int64>(n, st.synced_size - off);
      std::vector<char> old(static_cast<size_t>(len));
      int rc = Real(f)->pMethods->xRead(Real(f), old.data(), static_cast<int>(len), off);
      if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) return rc;
      st.before.emplace(off, std::move(old));
    }
    return Real(f)->pMethods->xWrite(Real(f), buf, n, off);
  }

  static int Truncate(sqlite3_file* f, sqlite3_int64 size) {
    if (Self().crashed_) return SQLITE_IOERR_TRUNCATE;
    return Real(f)->pMethods->xTruncate(Real(f), size);
  }

  static int FileSize(sqlite3_file* f, sqlite3_int64* size) {
    if (Self().crashed_) return SQLITE_IOERR_FSTAT;
    return Real(f)->pMethods->xFileSize(Real(f), size);
  }

  static int Sync(sqlite3_file* f, int flags) {
    CrashVfs& self = Self();
    std::lock_guard<std::mutex> lock(self.mu_);
    if (self.crashed_) return SQLITE_IOERR_FSYNC;
    if (self.syncs_left_ > 0 && --self.syncs_left_ == 0) {
      self.PowerCut(f);
      return SQLITE_IOERR_FSYNC;
    }
    int rc = Real(f)->pMethods->xSync(Real(f), flags);
    if (rc == SQLITE_OK) {
      State& st = self.files_[NameOf(f)];
      st.before.clear();
      Real(f)->pMethods->xFileSize(Real(f), &st.synced_size);
    }
    return rc;
  }

  // Every file back to its last synced state. Files other than `f` are restored through
  // the real VFS by name, since they may be held by other handles.
  void PowerCut(sqlite3_file* current) {
    crashed_ = true;
    for (auto& [name, st] : files_) {
      sqlite3_file* h = nullptr;
      std::vector<char> mem;
      bool opened = false;
      if (name == NameOf(current)) {
        h = Real(current);
      } else {
        mem.resize(static_cast<size_t>(real_->szOsFile));
        h = reinterpret_cast<sqlite3_file*>(mem.data());
        int out = 0;
        if (real_->xOpen(real_, name.c_str(), h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MAIN_DB,
                         &out) != SQLITE_OK)
          continue;
        opened = true;
      }
      for (auto& [off, bytes] : st.before)
        h->pMethods->xWrite(h, bytes.data(), static_cast<int>(bytes.size()), off);
      if (st.synced_size >= 0) h->pMethods->xTruncate(h, st.synced_size);
      h->pMethods->xSync(h, SQLITE_SYNC_NORMAL);
      st.before.clear();
      if (opened) h->pMethods->xClose(h);
    }
  }

  sqlite3_vfs* real_;
  sqlite3_vfs vfs_;
  sqlite3_io_methods methods_;
  std::mutex mu_;
  std::map<std::string, State> files_;
  int syncs_left_ = -1;
  bool crashed_ = false;
  int wal_writes_ = 0;
  int full_from_ = 0, full_for_ = 0;  // FillDiskAtWrite
  int refused_writes_ = 0;
};

}  // namespace concordat::testing
