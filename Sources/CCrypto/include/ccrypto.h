// OpenSSL's libcrypto and libssl as Cairn uses them: Ed25519 keys, PEM, X.509 expiry, one-shot
// EVP signing and verification, and the TLS probe of `cairn doctor` (Sources/CairnCrypto).
// Plain C functions are called from Swift directly; shim.c holds what Swift cannot express
// (macros, a verify callback, struct tm, GENERAL_NAME stacks). BIO_get_mem_data is a macro; Swift calls BIO_ctrl.
#ifndef CAIRN_CCRYPTO_H
#define CAIRN_CCRYPTO_H
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/// Server name indication (SSL_set_tlsext_host_name is a macro). Returns 1 on success.
int cairn_ssl_set_sni(SSL *ssl, const char *host);

/// Verifies the peer (SSL_VERIFY_PEER) and records the first certificate that fails,
/// with its verify error and depth, for cairn_ssl_failure_*. One probe at a time.
void cairn_ssl_verify_recording(SSL *ssl);
/// The recorded failure's X509_V_ERR_* (0: none), its depth in the chain, and the
/// certificate (owned by the record until cairn_ssl_failure_clear; NULL when none).
int cairn_ssl_failure_error(void);
int cairn_ssl_failure_depth(void);
X509 *cairn_ssl_failure_cert(void);
/// The server's own certificate of that verification (depth 0), likewise owned by the record.
X509 *cairn_ssl_failure_leaf(void);
void cairn_ssl_failure_clear(void);

/// The TLS alert the peer sent, from an error-queue code (ERR_get_error): its
/// description number (42 bad_certificate, 48 unknown_ca, 116 certificate_required, ...),
/// or -1 when the code is not a received alert.
int cairn_ssl_alert_of(unsigned long code);
/// The reason part of an error-queue code (ERR_GET_REASON is inline).
int cairn_err_reason(unsigned long code);

/// The subject / issuer as one RFC 2253 line ("CN=broker,O=Example"), NUL-terminated in buf.
int cairn_x509_subject(X509 *cert, char *buf, int size);
int cairn_x509_issuer(X509 *cert, char *buf, int size);
/// notBefore / notAfter as "2025-01-31T12:00:00Z" into buf (at least 24 bytes). Returns 0, or -1.
int cairn_x509_not_before(X509 *cert, char *buf, int size);
int cairn_x509_not_after(X509 *cert, char *buf, int size);
/// The subjectAltName DNS names and IP addresses, ", "-separated ("DNS:broker, IP:10.0.0.1"),
/// else "CN:<common name>"; NUL-terminated in buf.
int cairn_x509_names(X509 *cert, char *buf, int size);
#endif
