// getaddrinfo and non-blocking connect for `cairn doctor` (csystem_net.h).
#include "csystem.h"
#include "csystem_net.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

static int lookup(const char *host, int port, struct addrinfo **list) {
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    return getaddrinfo(host, service, &hints, list);
}

int cairn_resolve(const char *host, char *buf, int size) {
    if (size <= 0) return EAI_FAIL;
    buf[0] = 0;
    struct addrinfo *list = NULL;
    int code = lookup(host, 0, &list);
    if (code != 0) return code;
    size_t used = 0;
    for (struct addrinfo *a = list; a; a = a->ai_next) {
        char text[INET6_ADDRSTRLEN] = "";
        const void *address = NULL;
        if (a->ai_family == AF_INET) address = &((const struct sockaddr_in *)a->ai_addr)->sin_addr;
        else if (a->ai_family == AF_INET6) address = &((const struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
        if (!address || !inet_ntop(a->ai_family, address, text, sizeof text)) continue;
        if (strstr(buf, text)) continue;  // one line per address, not per socket type
        int n = snprintf(buf + used, (size_t)size - used, "%s%s", used ? ", " : "", text);
        if (n < 0 || used + (size_t)n >= (size_t)size) break;
        used += (size_t)n;
    }
    freeaddrinfo(list);
    return 0;
}

const char *cairn_resolve_error(int code) { return gai_strerror(code); }

static int connect_one(const struct addrinfo *a, int timeout_ms, int *error) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) { *error = errno; return -1; }
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) return fd;
    if (errno != EINPROGRESS) { *error = errno; close(fd); return -1; }
    struct pollfd p = { .fd = fd, .events = POLLOUT, .revents = 0 };
    int ready;
    do { ready = poll(&p, 1, timeout_ms); } while (ready < 0 && errno == EINTR);
    if (ready == 0) { *error = ETIMEDOUT; close(fd); return -1; }
    int problem = 0;
    socklen_t length = sizeof problem;
    if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &problem, &length) != 0) problem = errno;
    if (problem != 0) { *error = problem; close(fd); return -1; }
    return fd;
}

int cairn_tcp_connect(const char *host, int port, int timeout_ms, int *error) {
    struct addrinfo *list = NULL;
    *error = EHOSTUNREACH;
    if (lookup(host, port, &list) != 0) return -1;
    int fd = -1;
    for (struct addrinfo *a = list; a && fd < 0; a = a->ai_next) fd = connect_one(a, timeout_ms, error);
    freeaddrinfo(list);
    return fd;
}
