#include "csystem.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

int cairn_resolve_host(const char *host, char *buffer, int size) {
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo *list = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &list);
    if (rc != 0) return rc < 0 ? rc : -rc;
    int count = 0, used = 0;
    for (struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
        char text[INET6_ADDRSTRLEN];
        const void *address;
        if (ai->ai_family == AF_INET) address = &((struct sockaddr_in *)ai->ai_addr)->sin_addr;
        else if (ai->ai_family == AF_INET6) address = &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
        else continue;
        if (inet_ntop(ai->ai_family, address, text, sizeof text) == NULL) continue;
        int length = (int)strlen(text) + 1;
        int seen = 0;
        for (int at = 0; at < used; at += (int)strlen(buffer + at) + 1) {
            if (strcmp(buffer + at, text) == 0) { seen = 1; break; }
        }
        if (seen) continue;
        if (used + length > size) break;
        memcpy(buffer + used, text, (size_t)length);
        used += length;
        count += 1;
    }
    freeaddrinfo(list);
    return count;
}

const char *cairn_resolve_error(int code) { return gai_strerror(code); }
