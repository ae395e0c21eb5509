// OpenSSL's libcrypto as Cairn uses it: Ed25519 keys, PEM, X.509 expiry, one-shot EVP signing and
// verification (Sources/CairnCrypto). Header-only: every function Swift needs here
// is a plain C function. (BIO_get_mem_data is a macro; Swift calls BIO_ctrl.)
#ifndef CAIRN_CCRYPTO_H
#define CAIRN_CCRYPTO_H
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#endif
