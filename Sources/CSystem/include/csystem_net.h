// TCP connect for `cairn doctor`: getaddrinfo's list and sockaddr
// are walked here, so Swift never restates their layout (docs/c-boundary.md).
#ifndef CAIRN_CSYSTEM_NET_H
#define CAIRN_CSYSTEM_NET_H

/// Connects to host:port over TCP, each address in turn, each within timeout_ms.
/// Returns a connected non-blocking close-on-exec socket, or -1 with *error set to
/// the last address's errno value (ETIMEDOUT when it never answered).
int cairn_tcp_connect(const char *host, int port, int timeout_ms, int *error);
#endif
