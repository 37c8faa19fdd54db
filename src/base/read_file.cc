#include "base/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace concordat {

namespace {

Status Unopenable(const std::string& path, int err) {
  if (err == ENOENT) return Status::NotFound(path + ": no such file");
  return Status::IoError(path + ": cannot be opened for reading (" + std::strerror(err) + ")");
}

Status IsADirectory(const std::string& path) {
  return Status::InvalidArgument(path + ": is a directory, not a file");
}

}  // namespace

Result<std::string> ReadWholeFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Unopenable(path, errno);
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return IsADirectory(path);
  }
  // Pipes and devices are read to their end, as a regular file is (process substitution).
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return Status::IoError(path + ": read failed (" + std::strerror(err) + ")");
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

std::string WhyUnreadable(const std::string& path) {
  // Without opening it: a pipe opened here and closed again could lose its writer's data.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Unopenable(path, errno).message();
  if (S_ISDIR(st.st_mode)) return IsADirectory(path).message();
  if (::access(path.c_str(), R_OK) != 0) return Unopenable(path, errno).message();
  return "";
}

}  // namespace concordat
