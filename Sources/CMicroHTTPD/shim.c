// libmicrohttpd behind a small non-variadic API (see cmicrohttpd.h for why).
#include "cmicrohttpd.h"

#include <arpa/inet.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct cairn_httpd {
    struct MHD_Daemon *daemon;
    size_t max_body;
    cairn_httpd_handler handler;
    cairn_httpd_logger logger;
    void *context;
    char last_error[256];   // MHD's latest message: the reason when start fails
};

// One request: its body so far and the response the handler made.
struct cairn_http_exchange {
    uint8_t *body;
    size_t length, capacity;
    size_t max_body;   // the server's limit when the request started (it may change later)
    int too_large;
    struct MHD_Response *response;
    unsigned int status;
};

static void log_message(void *cls, const char *format, va_list ap) {
    struct cairn_httpd *server = cls;
    vsnprintf(server->last_error, sizeof server->last_error, format, ap);
    size_t n = strlen(server->last_error);
    while (n > 0 && (server->last_error[n - 1] == '\n' || server->last_error[n - 1] == '\r'))
        server->last_error[--n] = 0;
    if (server->logger) server->logger(server->context, server->last_error);
}

static void discard_body(struct cairn_http_exchange *x) {
    free(x->body);
    x->body = NULL;
    x->length = x->capacity = 0;
    x->too_large = 1;
}

// Appends a piece of the body, growing the buffer geometrically up to max_body.
static void append(struct cairn_http_exchange *x, const char *data, size_t size, size_t max_body) {
    if (x->too_large) return;
    if (size > max_body - x->length) { discard_body(x); return; }
    if (x->length + size > x->capacity) {
        size_t capacity = x->capacity ? x->capacity : 1024;
        while (capacity < x->length + size) capacity = capacity > max_body / 2 ? max_body : capacity * 2;
        uint8_t *grown = realloc(x->body, capacity);
        if (!grown) { discard_body(x); return; }   // out of memory: treat like too large
        x->body = grown;
        x->capacity = capacity;
    }
    memcpy(x->body + x->length, data, size);
    x->length += size;
}

// Calls the Swift handler once and queues what it answered (500 if it answered nothing).
static enum MHD_Result finish(struct cairn_httpd *server, struct MHD_Connection *connection,
                              struct cairn_http_exchange *x, const char *url, const char *method) {
    cairn_http_request request = {
        .method = method,
        .path = url,
        .authorization = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
        .content_type = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
        .body = x->too_large ? NULL : x->body,
        .body_length = x->too_large ? 0 : x->length,
        .body_too_large = x->too_large,
    };
    server->handler(server->context, &request, x);
    if (!x->response && cairn_httpd_respond(x, 500, NULL, NULL, 0) != 0) return MHD_NO;
    return MHD_queue_response(connection, x->status, x->response);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    (void)version;
    struct cairn_httpd *server = cls;
    struct cairn_http_exchange *x = *con_cls;
    if (!x) {
        // First call: headers only. A declared length over the limit is refused before
        // any of the body is read (queueing a response now makes MHD discard the body).
        x = calloc(1, sizeof *x);
        if (!x) return MHD_NO;
        *con_cls = x;
        x->max_body = server->max_body;
        const char *declared = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (declared) {
            unsigned long long length = strtoull(declared, NULL, 10);
            if (length > server->max_body) {
                x->too_large = 1;
                return finish(server, connection, x, url, method);
            }
            if (length > 0 && (x->body = malloc((size_t)length))) x->capacity = (size_t)length;
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        append(x, upload_data, *upload_data_size, x->max_body);
        *upload_data_size = 0;   // consumed (or discarded)
        return MHD_YES;
    }
    if (x->response) return MHD_YES;   // already answered (early 413)
    return finish(server, connection, x, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode code) {
    (void)cls; (void)connection; (void)code;
    struct cairn_http_exchange *x = *con_cls;
    if (!x) return;
    if (x->response) MHD_destroy_response(x->response);
    free(x->body);
    free(x);
    *con_cls = NULL;
}

struct cairn_httpd *cairn_httpd_start(const char *address, const cairn_httpd_options *options,
                                      cairn_httpd_handler handler, cairn_httpd_logger logger,
                                      void *context, char *error, size_t error_size) {
    struct sockaddr_in v4 = { .sin_family = AF_INET, .sin_port = htons(options->port) };
    struct sockaddr_in6 v6 = { .sin6_family = AF_INET6, .sin6_port = htons(options->port) };
    unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;   // epoll, no thread of MHD's own
    const struct sockaddr *bind_to;
    if (inet_pton(AF_INET, address, &v4.sin_addr) == 1) {
        bind_to = (const struct sockaddr *)&v4;
    } else if (inet_pton(AF_INET6, address, &v6.sin6_addr) == 1) {
        bind_to = (const struct sockaddr *)&v6;
        flags |= MHD_USE_IPv6;   // IPv6 only ("::" does not also take IPv4)
    } else {
        snprintf(error, error_size, "not an IPv4 or IPv6 address");
        return NULL;
    }
    struct cairn_httpd *server = calloc(1, sizeof *server);
    if (!server) { snprintf(error, error_size, "out of memory"); return NULL; }
    server->max_body = options->max_body;
    server->handler = handler;
    server->logger = logger;
    server->context = context;
    server->daemon = MHD_start_daemon(
        flags, options->port, NULL, NULL, on_request, server,
        MHD_OPTION_EXTERNAL_LOGGER, log_message, server,   // first, so it sees every message
        MHD_OPTION_SOCK_ADDR, bind_to,
        MHD_OPTION_CONNECTION_LIMIT, options->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, options->per_ip_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, options->timeout_seconds,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, options->connection_memory ? options->connection_memory : (size_t)32 * 1024,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, server,
        MHD_OPTION_END);
    if (!server->daemon) {
        snprintf(error, error_size, "%s", server->last_error[0] ? server->last_error : "libmicrohttpd could not start");
        free(server);
        return NULL;
    }
    return server;
}

void cairn_httpd_stop(struct cairn_httpd *server) {
    if (!server) return;
    MHD_stop_daemon(server->daemon);
    free(server);
}

void cairn_httpd_set_max_body(struct cairn_httpd *server, size_t max_body) {
    server->max_body = max_body;
}

int cairn_httpd_fd(struct cairn_httpd *server) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    return info ? info->epoll_fd : -1;
}

int cairn_httpd_port(struct cairn_httpd *server) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? (int)info->port : -1;
}

static unsigned int open_connections(struct cairn_httpd *server) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return info ? info->num_connections : 0;
}

int cairn_httpd_run(struct cairn_httpd *server) {
    unsigned int before = open_connections(server);
    if (MHD_run(server->daemon) != MHD_YES) return -1;
    // At the connection limit MHD takes its listening socket out of the epoll set, and puts
    // it back only at the start of a later run. When this run closed a connection, run once
    // more (it does not block): a connection waiting in the listen backlog is taken up now,
    // not at the next unrelated wake-up (which, with nothing else going on, may never come).
    if (open_connections(server) < before) return MHD_run(server->daemon) == MHD_YES ? 0 : -1;
    return 0;
}

int64_t cairn_httpd_timeout_ms(struct cairn_httpd *server) {
    MHD_UNSIGNED_LONG_LONG timeout = 0;
    if (MHD_get_timeout(server->daemon, &timeout) != MHD_YES) return -1;
    return timeout > (MHD_UNSIGNED_LONG_LONG)INT64_MAX ? INT64_MAX : (int64_t)timeout;
}

int cairn_httpd_respond(struct cairn_http_exchange *x, unsigned int status,
                        const char *content_type, const void *body, size_t length) {
    struct MHD_Response *response = MHD_create_response_from_buffer(length, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!response) return -1;
    if (content_type && MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES) {
        MHD_destroy_response(response);
        return -1;
    }
    if (x->response) MHD_destroy_response(x->response);
    x->response = response;
    // A body that was refused is never answered with success, whatever the handler says.
    x->status = (x->too_large && status < 400) ? 413u : status;
    return 0;
}

int cairn_httpd_add_header(struct cairn_http_exchange *x, const char *name, const char *value) {
    if (!x->response) return -1;
    return MHD_add_response_header(x->response, name, value) == MHD_YES ? 0 : -1;
}
