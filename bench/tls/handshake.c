// handshake HOST PORT CAFILE N [tls1.2]: N full TLS handshakes (no session reuse, certificate and
// host name "localhost" verified); prints wall and CPU microseconds per handshake (bench/tls/run.sh).
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
    int n = atoi(argv[4]);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (!SSL_CTX_load_verify_locations(ctx, argv[3], NULL)) { ERR_print_errors_fp(stderr); return 1; }
    if (argc > 5) SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
        inet_pton(AF_INET, argv[1], &sa.sin_addr);
        int one = 1; setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (void *)&sa, sizeof sa)) { perror("connect"); return 1; }
        SSL *ssl = SSL_new(ctx); SSL_set_fd(ssl, fd); SSL_set1_host(ssl, "localhost");
        if (SSL_connect(ssl) != 1) { ERR_print_errors_fp(stderr); return 1; }
        SSL_shutdown(ssl); SSL_free(ssl); close(fd);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double us = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n;
    printf("wall %.0f us/handshake, client cpu %.0f us/handshake\n", us, (double)clock() / CLOCKS_PER_SEC * 1e6 / n);
    return 0;
}
