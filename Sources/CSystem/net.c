// Non-blocking connect with a timeout for `cairn doctor` (csystem_net.h); resolve.c resolves.
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
