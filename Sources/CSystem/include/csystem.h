// The libc surface Cairn uses, reached through this header instead of Glibc/Musl
// (neither module exists in Embedded Swift), plus shims for what Swift cannot call.
#ifndef CAIRN_CSYSTEM_H
#define CAIRN_CSYSTEM_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/// errno is a macro over a thread-local; Swift cannot read it directly.
int cairn_errno(void);
void cairn_set_errno(int value);

/// open(2) is variadic.
int cairn_open(const char *path, int flags, int mode);

/// Installs SIGTERM/SIGINT/SIGHUP handlers that write the signal number to a
/// non-blocking self-pipe; returns the read end (or -1). SIGPIPE is ignored.
int cairn_signals_install(void);
/// Reads one pending signal number from the self-pipe, 0 if none.
int cairn_signals_next(void);

/// Milliseconds on CLOCK_MONOTONIC / CLOCK_REALTIME.
int64_t cairn_monotonic_ms(void);
int64_t cairn_monotonic_us(void);
int64_t cairn_wall_ms(void);

/// strtod over the whole string; returns 0 and sets *ok to 0 when it is not a number.
double cairn_parse_double(const char *text, int *ok);

/// Shortest round-tripping text for a finite double ("%.17g" trimmed); writes into buf.
int cairn_format_double(double value, char *buf, int size);

/// Name of the C library this binary was built against ("glibc", "musl").
const char *cairn_libc_name(void);

/// Renders a UTC time in RFC 3339 with milliseconds into buf (at least 32 bytes).
int cairn_format_rfc3339(int64_t wall_ms, char *buf, int size);

/// The name of the next entry of dir (readdir(3)), NULL at the end or on error.
/// Swift must not touch `struct dirent` itself: readdir's records are variable-length
/// (d_reclen), so a copy of the declared struct (or of its 256-byte d_name) reads past
/// the last record, and past libc's buffer (docs/c-boundary.md). The pointer is valid
/// only until the next readdir or closedir on dir: copy it at once.
const char *cairn_readdir_name(DIR *dir);

/// "<sysname> <release> <machine>" from uname(2) into buf, NUL-terminated and
/// truncated to size; returns the length written, or -1.
int cairn_kernel_description(char *buf, int size);

/// A datagram socket for the service manager's notifications (sd_notify(3) without
/// libsystemd): AF_UNIX, SOCK_DGRAM, close-on-exec and non-blocking. Returns the
/// descriptor, or -1 with errno set.
int cairn_notify_socket(void);
/// Sends `length` bytes of `message` as one datagram on `fd` to `address`, as
/// $NOTIFY_SOCKET gives it: a path ("/run/systemd/notify") or an abstract name ("@name").
/// Never blocks (MSG_DONTWAIT) and never raises SIGPIPE. Returns 0, or an errno value
/// (EAGAIN when the receiver's buffer is full, EINVAL for an address that is neither).
int cairn_notify_send(int fd, const char *address, const void *message, size_t length);

/// The user and group ids of a user name from the password database (getpwnam(3)):
/// 0, or -1 when there is no such user.
int cairn_user_ids(const char *name, uid_t *uid, gid_t *gid);

/// Turns echo of typed characters on or off on the terminal `fd` (termios, for a
/// password prompt). Returns 0, or -1 when fd is not a terminal.
int cairn_terminal_echo(int fd, int on);

/// The numeric addresses `host` resolves to (getaddrinfo, TCP, in the resolver's order,
/// duplicates removed), each NUL-terminated, one after another in `buffer`. Returns how
/// many were written, or a negative EAI_* code. Blocks for up to the resolver's timeout.
int cairn_resolve_host(const char *host, char *buffer, int size);
/// The resolver's text for a negative code from `cairn_resolve_host`.
const char *cairn_resolve_error(int code);

#endif
