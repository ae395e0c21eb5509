#ifndef CAIRN_CMICROHTTPD_H
#define CAIRN_CMICROHTTPD_H
/*
 * A small HTTP server over libmicrohttpd for the agent's single-threaded poll() loop.
 * Why a shim: MHD_start_daemon is variadic (Swift cannot call it) and MHD delivers a
 * request body in pieces through repeated access-handler calls; here the pieces are
 * collected in C (bounded) and Swift gets exactly one call per complete request.
 * The daemon runs with MHD_USE_EPOLL and no thread of its own: the owner polls one
 * descriptor (cairn_httpd_fd) and calls cairn_httpd_run when it is readable or when
 * cairn_httpd_timeout_ms expires.
 */
#include <stddef.h>
#include <stdint.h>

struct cairn_httpd;
struct cairn_http_exchange;

/* One complete request. Pointers are valid only during the handler call. */
typedef struct cairn_http_request {
    const char *method;
    const char *path;            /* URL path, without the query string */
    const char *authorization;   /* NULL when absent */
    const char *content_type;    /* NULL when absent */
    const uint8_t *body;         /* NULL when empty or too large */
    size_t body_length;
    int body_too_large;          /* 1: the body exceeded max_body and was discarded */
} cairn_http_request;

/* Called once per request. It must call cairn_httpd_respond (else the client gets 500). */
typedef void (*cairn_httpd_handler)(void *context, const cairn_http_request *request,
                                    struct cairn_http_exchange *exchange);
/* MHD's error messages (bind failures, closed connections, ...), without the trailing newline. */
typedef void (*cairn_httpd_logger)(void *context, const char *message);

typedef struct cairn_httpd_options {
    uint16_t port;                  /* 0: the kernel picks one (see cairn_httpd_port) */
    size_t max_body;                /* larger bodies are answered with 413 */
    unsigned int max_connections;
    unsigned int per_ip_connections; /* 0: no per-address limit */
    unsigned int timeout_seconds;   /* idle connections are closed after this */
    size_t connection_memory;       /* MHD's per-connection pool (headers); 0: MHD's default (32 KiB) */
} cairn_httpd_options;

/* Starts listening on the IPv4 or IPv6 literal `address`. On failure returns NULL and
 * writes a one-line reason (e.g. "Failed to bind to port 8080: Address already in use")
 * into error. logger may be NULL. */
struct cairn_httpd *cairn_httpd_start(const char *address, const cairn_httpd_options *options,
                                      cairn_httpd_handler handler, cairn_httpd_logger logger,
                                      void *context, char *error, size_t error_size);
void cairn_httpd_stop(struct cairn_httpd *server);
/* The epoll descriptor to poll for POLLIN. */
int cairn_httpd_fd(struct cairn_httpd *server);
/* A new body limit for requests that start from now on. */
void cairn_httpd_set_max_body(struct cairn_httpd *server, size_t max_body);
/* The bound port (the real one when 0 was asked for). */
int cairn_httpd_port(struct cairn_httpd *server);
/* Does all pending work without blocking; 0 on success. */
int cairn_httpd_run(struct cairn_httpd *server);
/* Milliseconds until cairn_httpd_run must be called even without activity; -1: no deadline. */
int64_t cairn_httpd_timeout_ms(struct cairn_httpd *server);

/* Inside the handler only. The body is copied; a second call replaces the first. 0 on success. */
int cairn_httpd_respond(struct cairn_http_exchange *exchange, unsigned int status,
                        const char *content_type, const void *body, size_t length);
/* Inside the handler, after cairn_httpd_respond. 0 on success. */
int cairn_httpd_add_header(struct cairn_http_exchange *exchange, const char *name, const char *value);

#endif
