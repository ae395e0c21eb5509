// sd_notify(3) without libsystemd: the service manager's readiness and watchdog datagrams.
// sockaddr_un is filled here (Swift would have to restate its layout: docs/c-boundary.md).
#include "csystem.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

int cairn_notify_socket(void) {
    return socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
}

int cairn_notify_send(int fd, const char *address, const void *message, size_t length) {
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    size_t n = strlen(address);
    socklen_t size;
    if (n >= 2 && address[0] == '@') {
        // Abstract namespace: a leading NUL instead of '@', no terminator, the length says where it ends.
        if (n > sizeof addr.sun_path) return ENAMETOOLONG;
        memcpy(addr.sun_path + 1, address + 1, n - 1);
        size = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    } else if (n >= 2 && address[0] == '/') {
        if (n >= sizeof addr.sun_path) return ENAMETOOLONG;
        memcpy(addr.sun_path, address, n);
        size = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    } else {
        return EINVAL;
    }
    ssize_t sent = sendto(fd, message, length, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&addr, size);
    if (sent < 0) return errno;
    return (size_t)sent == length ? 0 : EMSGSIZE;
}
