/* ocsp.h: the OCSP part of the C core (RFC 6960, stapling per RFC 6066 8,
 * must-staple per RFC 7633). No Perl in here; OpenSSL objects travel as
 * void * as in iss.h. */
#ifndef ISS_OCSP_H
#define ISS_OCSP_H

#include "iss.h"

/* A response larger than this is refused unparsed: real ones are a few KB. */
#define ISS_OCSP_MAX_RESPONSE (1024 * 1024)
/* Clock tolerance for thisUpdate/nextUpdate, seconds (OpenSSL's ocsp tool
 * uses the same five minutes). */
#define ISS_OCSP_LEEWAY 300

/* CertStatus (RFC 6960 4.2.1), as V_OCSP_CERTSTATUS_* */
enum { ISS_OCSP_GOOD = 0, ISS_OCSP_REVOKED = 1, ISS_OCSP_UNKNOWN = 2 };

/* Why a response as a whole is unusable; all are soft errors. */
enum {
    ISS_OCSP_OK = 0,
    ISS_OCSP_EINVALID = -1,   /* not a DER OCSPResponse, trailing bytes, too large */
    ISS_OCSP_ESTATUS = -2,    /* responseStatus is not successful */
    ISS_OCSP_EVERIFY = -3,    /* signature, signer or signer's chain not acceptable */
    ISS_OCSP_ENONCE = -4,     /* the nonce differs from the request's */
    ISS_OCSP_ENOMEM = -5
};

/* The answer for one certificate id. error is NULL when the entry is usable
 * and good, else a static text (Net::SSLeay's wording, which 2.099 shows). */
typedef struct iss_ocsp_single {
    int found;                /* 0: the response has no entry for the id */
    int status;               /* ISS_OCSP_GOOD / REVOKED / UNKNOWN */
    int reason;               /* CRLReason of a revocation, -1 when none */
    long long this_update, next_update, revocation_time;   /* 0: absent */
    int time_ok;              /* thisUpdate/nextUpdate within the tolerance */
    const char *error;
} iss_ocsp_single;

/* Trust for checking responses: a store of anchors plus untrusted
 * certificates that may complete chains or be issuers. */
typedef struct iss_ocsp_trust iss_ocsp_trust;

/* The connection's store and the peer's chains (sent and verified); NULL
 * without a handshake or memory. */
iss_ocsp_trust *iss_ocsp_trust_from_conn(iss_conn *c);
iss_ocsp_trust *iss_ocsp_trust_new(void);
/* trusted=1: an anchor; 0: an untrusted helper certificate. 0 on failure. */
int iss_ocsp_trust_add(iss_ocsp_trust *t, const void *x509, int trusted);
int iss_ocsp_trust_load_file(iss_ocsp_trust *t, const char *file);
void iss_ocsp_trust_free(iss_ocsp_trust *t);   /* NULL is fine */

/* DER CertID (SHA-1, as the reference's requests) of cert issued by issuer;
 * malloc'd, NULL on failure. */
unsigned char *iss_ocsp_certid(const void *cert, const void *issuer, size_t *len);
/* The same, with the issuer looked up in t (chain first, then the store);
 * *err says why when NULL is returned. */
unsigned char *iss_ocsp_trust_certid(iss_ocsp_trust *t, const void *cert, size_t *len,
                                     const char **err);
/* A DER OCSPRequest for n DER CertIDs, with a nonce; malloc'd. */
unsigned char *iss_ocsp_request(const unsigned char *const *ids, const size_t *lens, int n,
                                size_t *len);

/* Checks a DER response: size and structure, responseStatus, the signature
 * by the issuer or a delegated responder it certified (chain to t's store),
 * the nonce against req (may be NULL; a response without a nonce is
 * accepted), then fills out[i] for each of the n ids (thisUpdate/nextUpdate
 * with ISS_OCSP_LEEWAY). Returns ISS_OCSP_OK or an ISS_OCSP_E* with a text
 * in err. */
int iss_ocsp_trust_check(iss_ocsp_trust *t, const unsigned char *der, size_t len,
                         const unsigned char *req, size_t reqlen,
                         const unsigned char *const *ids, const size_t *idlens, int n,
                         iss_ocsp_single *out, char *err, size_t errlen);

/* The same for one certificate and its issuer, which is also the only trust
 * anchor: a Perl-free entry point (fuzzers, C tests). */
int iss_ocsp_check_response(const unsigned char *der, size_t len, const void *cert,
                            const void *issuer, iss_ocsp_single *out, char *err,
                            size_t errlen);

/* Parses only: 1 when der is a complete OCSPResponse (any status). */
int iss_ocsp_response_parses(const unsigned char *der, size_t len);
/* "keyCompromise", ...; "" for -1. */
const char *iss_ocsp_reason_str(int reason);
/* 1 when the certificate carries the TLS Feature status_request (RFC 7633),
 * or a TLS Feature extension that cannot be parsed (fail closed). */
int iss_x509_must_staple(const void *x509);
/* OCSP_RESPONSE* from DER for a user callback, freed with the next call. */
void *iss_ocsp_response_d2i(const unsigned char *der, size_t len);
void iss_ocsp_response_free(void *resp);
/* For the Net::SSLeay stand-in: an OCSP_RESPONSE* handle's DER (malloc'd)
 * and responseStatus, and the status' name. */
unsigned char *iss_ocsp_raw_i2d(const void *resp, size_t *len);
int iss_ocsp_raw_status(const void *resp);
const char *iss_ocsp_status_str(int status);

/* ---- client stapling ---- */
enum {
    ISS_OCSP_ASK = 1,         /* send status_request */
    ISS_OCSP_MUST = 2,        /* SSL_OCSP_MUST_STAPLE */
    ISS_OCSP_CHECK = 4        /* check the staple and must-staple certificates */
};
/* SSL_ocsp_staple_callback: called with the connection and the OCSP_RESPONSE*
 * (NULL when nothing usable was stapled); 0 when it died (the glue keeps $@). */
typedef int (*iss_staple_hook)(void *data, iss_conn *c, void *resp);
int iss_ctx_ocsp_client(iss_ctx *ctx, int flags, iss_staple_hook fn, void *data,
                        void (*free_fn)(void *));

/* What the staple said, after the handshake. */
enum {
    ISS_STAPLE_NOT_RUN = 0,   /* not asked, or no certificate exchange (resumption) */
    ISS_STAPLE_NONE,          /* asked, the server stapled nothing */
    ISS_STAPLE_UNUSABLE,      /* soft error: msg says why */
    ISS_STAPLE_GOOD,          /* verified, the leaf is good */
    ISS_STAPLE_REVOKED,       /* hard error: msg says why */
    ISS_STAPLE_USER           /* given to SSL_ocsp_staple_callback */
};
int iss_conn_ocsp_state(iss_conn *c, const char **msg);
/* The i-th certificate result of the staple (leaf first), for the cache:
 * 0 when there is no such entry. */
int iss_conn_ocsp_result(iss_conn *c, int i, const unsigned char **id, size_t *idlen,
                         iss_ocsp_single *out);
/* After a handshake in which the status callback did not run: ISS_ERR with
 * a message when a stapled response was required (must-staple leaf). */
int iss_conn_ocsp_post_check(iss_conn *c, char *msg, size_t len);

/* ---- server stapling ---- */
/* A fixed DER response (copied; checked to parse). */
int iss_ctx_ocsp_staple(iss_ctx *ctx, const unsigned char *der, size_t len);
/* A source asked per handshake of connection c (NULL if the SSL* has none):
 * it calls give() with the DER response (or does not, for none) before
 * returning. */
typedef void (*iss_staple_give)(void *arg, const unsigned char *der, size_t len);
typedef void (*iss_staple_source)(void *data, iss_conn *c, iss_staple_give give, void *arg);
int iss_ctx_ocsp_staple_source(iss_ctx *ctx, iss_staple_source fn, void *data,
                               void (*free_fn)(void *));

#endif
