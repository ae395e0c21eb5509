#include "csystem.h"

#include <pwd.h>
#include <sys/random.h>
#include <termios.h>

int cairn_errno(void) { return errno; }
void cairn_set_errno(int value) { errno = value; }

int cairn_open(const char *path, int flags, int mode) { return open(path, flags, mode); }

static int signal_pipe[2] = {-1, -1};

static void on_signal(int sig) {
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (signal_pipe[1] >= 0) (void)!write(signal_pipe[1], &b, 1);
    errno = saved;
}

int cairn_signals_install(void) {
    if (signal_pipe[0] < 0) {
        if (pipe(signal_pipe) != 0) return -1;
        for (int i = 0; i < 2; i++) {
            fcntl(signal_pipe[i], F_SETFL, fcntl(signal_pipe[i], F_GETFL) | O_NONBLOCK);
            fcntl(signal_pipe[i], F_SETFD, FD_CLOEXEC);
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    // A parent may hand us a mask that blocks these (some process launchers do); unblock them.
    sigset_t wanted;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGTERM);
    sigaddset(&wanted, SIGINT);
    sigaddset(&wanted, SIGHUP);
    sigprocmask(SIG_UNBLOCK, &wanted, NULL);
    return signal_pipe[0];
}

int cairn_signals_next(void) {
    unsigned char b;
    if (signal_pipe[0] < 0) return 0;
    return read(signal_pipe[0], &b, 1) == 1 ? (int)b : 0;
}

int64_t cairn_monotonic_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t cairn_monotonic_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t cairn_wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double cairn_parse_double(const char *text, int *ok) {
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    *ok = (end != text && end != NULL && *end == '\0' && errno != ERANGE) ? 1 : 0;
    return *ok ? v : 0;
}

int cairn_format_double(double value, char *buf, int size) {
    // The shortest precision that reads back to the same value keeps payloads small.
    for (int precision = 1; precision <= 17; precision++) {
        int n = snprintf(buf, (size_t)size, "%.*g", precision, value);
        if (n < 0 || n >= size) return -1;
        int ok = 0;
        if (cairn_parse_double(buf, &ok) == value && ok) return n;
    }
    return snprintf(buf, (size_t)size, "%.17g", value);
}

const char *cairn_libc_name(void) {
#if defined(__GLIBC__)
    return "glibc";
#else
    return "musl";
#endif
}

int cairn_format_rfc3339(int64_t wall_ms, char *buf, int size) {
    time_t secs = (time_t)(wall_ms / 1000);
    int millis = (int)(wall_ms % 1000);
    if (millis < 0) { millis += 1000; secs -= 1; }
    struct tm tm;
    if (gmtime_r(&secs, &tm) == NULL) return -1;
    return snprintf(buf, (size_t)size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                    tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

const char *cairn_readdir_name(DIR *dir) {
    struct dirent *entry = readdir(dir);
    return entry ? entry->d_name : NULL;
}

int cairn_kernel_description(char *buf, int size) {
    struct utsname name;
    if (size <= 0 || uname(&name) != 0) return -1;
    int n = snprintf(buf, (size_t)size, "%s %s %s", name.sysname, name.release, name.machine);
    if (n < 0) return -1;
    return n < size ? n : size - 1;
}

int cairn_user_ids(const char *name, uid_t *uid, gid_t *gid) {
    struct passwd *entry = getpwnam(name);
    if (entry == NULL) return -1;
    *uid = entry->pw_uid;
    *gid = entry->pw_gid;
    return 0;
}

int cairn_terminal_echo(int fd, int on) {
    struct termios mode;
    if (tcgetattr(fd, &mode) != 0) return -1;
    if (on) mode.c_lflag |= ECHO; else mode.c_lflag &= ~(tcflag_t)ECHO;
    return tcsetattr(fd, TCSANOW, &mode);
}

#if !defined(__GLIBC__)
// The Embedded Swift runtime seeds hashing with arc4random_buf; musl 1.2.3 lacks it.
void arc4random_buf(void *buf, size_t n) {
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got <= 0) {
            if (got < 0 && errno == EINTR) continue;
            // No entropy source at all: fill from the clock rather than abort the agent.
            for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(cairn_monotonic_ms() >> (i % 8));
            return;
        }
        p += got;
        n -= (size_t)got;
    }
}
#endif
