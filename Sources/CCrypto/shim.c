// What Swift cannot express of OpenSSL: macros, the verify callback, struct tm, stacks.
#include "ccrypto.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

int cairn_ssl_set_sni(SSL *ssl, const char *host) {
    return (int)SSL_set_tlsext_host_name(ssl, host);
}

// The first failure of one handshake; the doctor runs one probe at a time (single thread).
static int failure_error;
static int failure_depth;
static X509 *failure_cert;
static X509 *failure_leaf;

void cairn_ssl_failure_clear(void) {
    if (failure_cert) X509_free(failure_cert);
    if (failure_leaf) X509_free(failure_leaf);
    failure_cert = NULL;
    failure_leaf = NULL;
    failure_error = 0;
    failure_depth = 0;
}

static int record_failure(int ok, X509_STORE_CTX *ctx) {
    if (!ok && failure_error == 0) {
        failure_error = X509_STORE_CTX_get_error(ctx);
        failure_depth = X509_STORE_CTX_get_error_depth(ctx);
        X509 *cert = X509_STORE_CTX_get_current_cert(ctx);
        if (cert && X509_up_ref(cert) == 1) failure_cert = cert;
        X509 *leaf = X509_STORE_CTX_get0_cert(ctx);
        if (leaf && X509_up_ref(leaf) == 1) failure_leaf = leaf;
    }
    return ok;
}

void cairn_ssl_verify_recording(SSL *ssl) {
    cairn_ssl_failure_clear();
    SSL_set_verify(ssl, SSL_VERIFY_PEER, record_failure);
}

int cairn_ssl_failure_error(void) { return failure_error; }
int cairn_ssl_failure_depth(void) { return failure_depth; }
X509 *cairn_ssl_failure_cert(void) { return failure_cert; }
X509 *cairn_ssl_failure_leaf(void) { return failure_leaf; }

int cairn_err_reason(unsigned long code) { return ERR_GET_REASON(code); }

int cairn_ssl_alert_of(unsigned long code) {
    if (ERR_GET_LIB(code) != ERR_LIB_SSL) return -1;
    int reason = ERR_GET_REASON(code);
    // Received alerts are reported as SSL_AD_REASON_OFFSET + the alert's description.
    if (reason < SSL_AD_REASON_OFFSET || reason > SSL_AD_REASON_OFFSET + 255) return -1;
    return reason - SSL_AD_REASON_OFFSET;
}

static int name_line(X509_NAME *name, char *buf, int size) {
    if (size <= 0) return -1;
    buf[0] = 0;
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio) return -1;
    int written = -1;
    if (name && X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
        written = BIO_read(bio, buf, size - 1);
        buf[written > 0 ? written : 0] = 0;
    }
    BIO_free(bio);
    return written;
}

int cairn_x509_subject(X509 *cert, char *buf, int size) { return name_line(X509_get_subject_name(cert), buf, size); }
int cairn_x509_issuer(X509 *cert, char *buf, int size) { return name_line(X509_get_issuer_name(cert), buf, size); }

static int time_text(const ASN1_TIME *time, char *buf, int size) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!time || ASN1_TIME_to_tm(time, &tm) != 1) return -1;
    snprintf(buf, (size_t)size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    return 0;
}

int cairn_x509_not_before(X509 *cert, char *buf, int size) { return time_text(X509_get0_notBefore(cert), buf, size); }
int cairn_x509_not_after(X509 *cert, char *buf, int size) { return time_text(X509_get0_notAfter(cert), buf, size); }

static void append(char *buf, int size, const char *text, int length) {
    size_t used = strlen(buf);
    if (used > 0 && used + 2 < (size_t)size) { strcat(buf, ", "); used += 2; }
    size_t room = (size_t)size - 1 - used;
    size_t n = length < 0 ? 0 : (size_t)length;
    if (n > room) n = room;
    memcpy(buf + used, text, n);
    buf[used + n] = 0;
}

int cairn_x509_names(X509 *cert, char *buf, int size) {
    if (size <= 0) return -1;
    buf[0] = 0;
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *name = sk_GENERAL_NAME_value(names, i);
        char item[300];
        if (name->type == GEN_DNS) {
            const ASN1_STRING *dns = name->d.dNSName;
            int n = ASN1_STRING_length(dns);
            if (n > 255) n = 255;
            memcpy(item, "DNS:", 4);
            memcpy(item + 4, ASN1_STRING_get0_data(dns), (size_t)n);
            append(buf, size, item, 4 + n);
        } else if (name->type == GEN_IPADD) {
            const ASN1_OCTET_STRING *ip = name->d.iPAddress;
            const unsigned char *b = ASN1_STRING_get0_data(ip);
            int n = ASN1_STRING_length(ip), length = -1;
            if (n == 4) length = snprintf(item, sizeof item, "IP:%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
            else if (n == 16) {
                length = snprintf(item, sizeof item, "IP:");
                for (int k = 0; k < 16; k += 2)
                    length += snprintf(item + length, sizeof item - (size_t)length, "%s%x", k ? ":" : "", (b[k] << 8) | b[k + 1]);
            }
            if (length > 0) append(buf, size, item, length);
        }
    }
    if (names) GENERAL_NAMES_free(names);
    if (buf[0] == 0) {
        X509_NAME *subject = X509_get_subject_name(cert);
        int index = subject ? X509_NAME_get_index_by_NID(subject, NID_commonName, -1) : -1;
        if (index >= 0) {
            const ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
            char item[300] = "CN:";
            int n = ASN1_STRING_length(cn);
            if (n > 255) n = 255;
            memcpy(item + 3, ASN1_STRING_get0_data(cn), (size_t)n);
            append(buf, size, item, 3 + n);
        }
    }
    return (int)strlen(buf);
}
