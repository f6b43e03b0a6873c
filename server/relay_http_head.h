/*
 * HTTP mode's pure pieces (relay_http_head.c): the heads lbd forwards, as
 * iovecs over the peer's own bytes, the lines it adds, and its own
 * answers.  No descriptor, no allocation, no log: unit-tested alone.
 */
#ifndef LBD_RELAY_HTTP_HEAD_H
#define LBD_RELAY_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>

struct http1_request;
struct http1_response;
struct http_config;
struct iovec;

/* Room for the lines lbd adds to a request head. */
#define HTTP_EXTRA_MAX	256

/*
 * The IP address of client ("1.2.3.4:5" or "[::1]:5") into ip[len],
 * without port or brackets.  0, or -1 when it does not fit or is not of
 * that form.
 */
int	http_client_ip(const char *client, char *ip, size_t len);

/*
 * The lines lbd adds to a request head from client address ip (as
 * http_client_ip() gives it), under settings h, ending with the CRLF that
 * ends the head: X-Forwarded-For and X-Forwarded-Proto (forwardfor),
 * Forwarded (forwarded), Via (via), and "Connection: upgrade" when the
 * request asks to tunnel, else "Connection: keep-alive" when keep10 (an
 * HTTP/1.0 request line goes out: the backend connection stays open for
 * the pool).  Returns the length written (< len), or 0 when it does not
 * fit.
 */
size_t	http_request_extra(char *out, size_t len, const struct http_config *h,
	    const char *ip, bool upgrade, bool keep10);

/*
 * The request head to forward, as iovecs over buf (where req was parsed):
 * the request line and each header line but the hop-by-hop ones (Upgrade
 * kept when req->upgrade) and, with forwardfor, X-Forwarded-Proto; then
 * extra (its own CRLF ends the head).  Adjacent kept lines share one
 * iovec.  Returns the iovecs used, at most max, or -1 when max is short.
 */
int	http_request_iov(const char *buf, const struct http1_request *req,
	    bool forwardfor, const char *extra, size_t extralen,
	    struct iovec *iov, int max);

/*
 * The response head to forward to the client: the status line, each
 * header but the hop-by-hop ones (all kept for a 101, which opens a
 * tunnel), then conn (a "Connection: ..." line with its CRLF, or "") and
 * the final CRLF.  Returns the iovecs used, or -1 when max is short.
 */
int	http_response_iov(const char *buf, const struct http1_response *resp,
	    const char *conn, struct iovec *iov, int max);

/* The reason phrase lbd uses for code, "" for one it never sends. */
const char *http_reason(unsigned code);

/*
 * lbd's own answer of code into out[len]: status line, Content-Type,
 * Content-Length, "Connection: close" when close (else "Connection:
 * keep-alive" when keep10, for an HTTP/1.0 client), and a one-line body
 * unless head (a HEAD request).  Returns the length, or 0 when it does
 * not fit.
 */
size_t	http_answer(char *out, size_t len, unsigned code, bool close,
	    bool keep10, bool head);

#endif /* LBD_RELAY_HTTP_HEAD_H */
