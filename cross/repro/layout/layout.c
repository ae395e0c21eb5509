// Built with the C triple that musl and the C libraries were built for (cross/common.sh
// C_TRIPLE), not the Swift triple: this is the layout the libraries really use.
#include "layout.h"
#include <stdio.h>

#define SIZE(T) n += snprintf(buf + n, sizeof buf - n, "sizeof %s %zu\n", #T, sizeof(T))
#define OFF(T, F) n += snprintf(buf + n, sizeof buf - n, "offset %s.%s %zu\n", #T, #F, offsetof(T, F))

const char *cairn_layout_c(void) {
    static char buf[4096];
    int n = 0;
    SIZE(long); SIZE(time_t); SIZE(off_t); SIZE(size_t); SIZE(mode_t);
    SIZE(struct timespec); OFF(struct timespec, tv_nsec);
    SIZE(struct stat); OFF(struct stat, st_mode); OFF(struct stat, st_size); OFF(struct stat, st_mtim);
    SIZE(struct statvfs); OFF(struct statvfs, f_frsize); OFF(struct statvfs, f_bavail);
    SIZE(struct pollfd); OFF(struct pollfd, events); OFF(struct pollfd, revents);
    SIZE(struct utsname); OFF(struct utsname, release); OFF(struct utsname, machine);
    SIZE(struct dirent); OFF(struct dirent, d_reclen); OFF(struct dirent, d_name);
    SIZE(struct mosquitto_message); OFF(struct mosquitto_message, topic); OFF(struct mosquitto_message, payload);
    OFF(struct mosquitto_message, payloadlen); OFF(struct mosquitto_message, qos); OFF(struct mosquitto_message, retain);
    SIZE(cairn_http_request); OFF(cairn_http_request, path); OFF(cairn_http_request, authorization);
    OFF(cairn_http_request, content_type); OFF(cairn_http_request, body); OFF(cairn_http_request, body_length);
    OFF(cairn_http_request, body_too_large);
    SIZE(cairn_httpd_options); OFF(cairn_httpd_options, max_body); OFF(cairn_httpd_options, max_connections);
    OFF(cairn_httpd_options, per_ip_connections); OFF(cairn_httpd_options, timeout_seconds);
    OFF(cairn_httpd_options, connection_memory);
    return buf;
}
