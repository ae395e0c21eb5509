/* bench/status baseline: one file's bytes served at every path by libmicrohttpd with the
 * agent's server options (one thread, its own poll loop: MHD_USE_INTERNAL_POLLING_THREAD
 * here, since there is nothing else to do). Usage: static PORT FILE CONTENT-TYPE */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *body;
static size_t length;
static const char *type;

static enum MHD_Result answer(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **state) {
    (void)cls; (void)url; (void)method; (void)version; (void)upload; (void)upload_size; (void)state;
    struct MHD_Response *response = MHD_create_response_from_buffer(length, body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(response, "Content-Type", type);
    enum MHD_Result result = MHD_queue_response(connection, 200, response);
    MHD_destroy_response(response);
    return result;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: static PORT FILE CONTENT-TYPE\n"); return 2; }
    FILE *file = fopen(argv[2], "rb");
    if (!file) { perror(argv[2]); return 1; }
    fseek(file, 0, SEEK_END);
    length = (size_t)ftell(file);
    rewind(file);
    body = malloc(length + 1);
    if (!body || fread(body, 1, length, file) != length) { fprintf(stderr, "cannot read %s\n", argv[2]); return 1; }
    fclose(file);
    type = argv[3];
    struct MHD_Daemon *daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, (unsigned short)atoi(argv[1]),
                                                 NULL, NULL, answer, NULL, MHD_OPTION_CONNECTION_LIMIT, 16u,
                                                 MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (!daemon) { fprintf(stderr, "cannot listen on %s\n", argv[1]); return 1; }
    pause();
    return 0;
}
