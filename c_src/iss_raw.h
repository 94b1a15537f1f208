/* iss_raw.h: raw OpenSSL handles for the Net::SSLeay stand-in
 * (IO::Socket::SSL::NetSSLeay) and the options that take one (SSL_dh as a
 * DH*). Apart from the core's API: the caller vouches for each pointer, as
 * Net::SSLeay's callers do. No Perl in here. */
#ifndef ISS_RAW_H
#define ISS_RAW_H

#include "iss.h"

typedef struct dh_st iss_dh;        /* DH (deprecated in OpenSSL 3) */
typedef struct bio_st iss_bio;      /* BIO */

/* SSL_(CTX_)set/clear/get_mode and _options on an SSL* (is_ctx=0) or an
 * SSL_CTX* (is_ctx=1). */
long iss_raw_mode(int is_ctx, void *p, long set, long clear);
unsigned long long iss_raw_options(int is_ctx, void *p, unsigned long long set,
                                   unsigned long long clear);
/* BIO_new_file / BIO_free, PEM_read_bio_DHparams / DH_free: NULL on failure,
 * with nothing left in the error queue. */
iss_bio *iss_raw_bio_new_file(const char *path, const char *mode);
void iss_raw_bio_free(iss_bio *bio);
iss_dh *iss_raw_pem_read_dh(iss_bio *bio);
void iss_raw_dh_free(iss_dh *dh);
/* SSL_dh given as a DH*: the context takes its own reference. */
int iss_ctx_set_dh_handle(iss_ctx *ctx, iss_dh *dh);

#endif
