/*
 * The heads lbd forwards in HTTP mode are the peer's own bytes: iovecs
 * over the buffer the head was parsed in, skipping the lines that must
 * not travel (hop-by-hop ones), then the few lines lbd adds.  Nothing is
 * copied or rewritten, so what the backend sees is byte for byte what
 * the client sent, Host and header-name case included; this is why the
 * parser rejects whatever it would otherwise have to normalise.
 */
#include <sys/uio.h>

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "http1.h"
#include "relay_http_head.h"

int
http_client_ip(const char *client, char *ip, size_t len)
{
	const char	*end;
	size_t		 n;

	if (client[0] == '[') {
		client++;
		end = strchr(client, ']');
	} else
		end = strrchr(client, ':');
	if (end == NULL || (n = (size_t)(end - client)) == 0 || n >= len)
		return (-1);
	memcpy(ip, client, n);
	ip[n] = '\0';
	return (0);
}

/* snprintf that tells whether everything fit. */
static bool
add(char *out, size_t len, size_t *at, const char *fmt, const char *arg)
{
	int	n;

	if (*at >= len)
		return (false);
	n = snprintf(out + *at, len - *at, fmt, arg);
	if (n < 0 || (size_t)n >= len - *at)
		return (false);
	*at += (size_t)n;
	return (true);
}

size_t
http_request_extra(char *out, size_t len, const struct http_config *h,
    const char *ip, bool upgrade, bool keep10)
{
	size_t	at = 0;
	bool	ok = true;

	/* RFC 7239 §6: an IPv6 node is quoted and bracketed. */
	if (h->forwardfor)
		ok = add(out, len, &at, "X-Forwarded-For: %s\r\n"
		    "X-Forwarded-Proto: http\r\n", ip);
	if (ok && h->forwarded)
		ok = add(out, len, &at, strchr(ip, ':') != NULL ?
		    "Forwarded: for=\"[%s]\";proto=http\r\n" :
		    "Forwarded: for=%s;proto=http\r\n", ip);
	if (ok && h->via)
		ok = add(out, len, &at, "%sVia: 1.1 lbd\r\n", "");
	if (ok && upgrade)
		ok = add(out, len, &at, "%sConnection: upgrade\r\n", "");
	else if (ok && keep10)
		ok = add(out, len, &at, "%sConnection: keep-alive\r\n", "");
	if (ok)
		ok = add(out, len, &at, "%s\r\n", "");
	return (ok ? at : 0);
}

/* Append buf[off, off+n) to the iovecs, joining it to the last if adjacent. */
static int
push(struct iovec *iov, int *n, int max, const char *buf, size_t off,
    size_t len)
{
	const char	*p = buf + off;

	if (*n > 0 && (const char *)iov[*n - 1].iov_base +
	    iov[*n - 1].iov_len == p) {
		iov[*n - 1].iov_len += len;
		return (0);
	}
	if (*n >= max)
		return (-1);
	iov[*n].iov_base = (void *)(uintptr_t)p;
	iov[*n].iov_len = len;
	(*n)++;
	return (0);
}

/* Does header h travel to the other side? */
static bool
is_kept(const struct http1_header *h, bool tunnel, bool forwardfor)
{
	if (h->hop)
		return (tunnel && h->kind == HTTP1_F_UPGRADE);
	return (!(forwardfor && h->kind == HTTP1_F_X_FORWARDED_PROTO));
}

int
http_request_iov(const char *buf, const struct http1_request *req,
    bool forwardfor, const char *extra, size_t extralen, struct iovec *iov,
    int max)
{
	const struct http1_header	*h;
	int				 n = 0;

	if (push(iov, &n, max, buf, req->line.off, req->line.len) == -1)
		return (-1);
	for (size_t i = 0; i < req->head.nheaders; i++) {
		h = &req->head.headers[i];
		if (is_kept(h, req->upgrade, forwardfor) && push(iov, &n, max,
		    buf, h->line.off, h->line.len) == -1)
			return (-1);
	}
	if (push(iov, &n, max, extra, 0, extralen) == -1)
		return (-1);
	return (n);
}

int
http_response_iov(const char *buf, const struct http1_response *resp,
    const char *conn, struct iovec *iov, int max)
{
	const struct http1_header	*h;
	bool				 tunnel = resp->code == 101;
	int				 n = 0;

	if (push(iov, &n, max, buf, resp->line.off, resp->line.len) == -1)
		return (-1);
	for (size_t i = 0; i < resp->head.nheaders; i++) {
		h = &resp->head.headers[i];
		if ((tunnel || !h->hop) && push(iov, &n, max, buf,
		    h->line.off, h->line.len) == -1)
			return (-1);
	}
	if ((conn[0] != '\0' && push(iov, &n, max, conn, 0,
	    strlen(conn)) == -1) ||
	    push(iov, &n, max, buf, resp->head.len - 2, 2) == -1)
		return (-1);
	return (n);
}

const char *
http_reason(unsigned code)
{
	switch (code) {
	case 400:
		return ("Bad Request");
	case 408:
		return ("Request Timeout");
	case 413:
		return ("Content Too Large");
	case 414:
		return ("URI Too Long");
	case 431:
		return ("Request Header Fields Too Large");
	case 501:
		return ("Not Implemented");
	case 502:
		return ("Bad Gateway");
	case 503:
		return ("Service Unavailable");
	case 504:
		return ("Gateway Timeout");
	case 505:
		return ("HTTP Version Not Supported");
	default:
		return ("");
	}
}

size_t
http_answer(char *out, size_t len, unsigned code, bool close, bool keep10,
    bool head)
{
	char	body[64];
	int	nb, n;

	nb = snprintf(body, sizeof(body), "%u %s\n", code, http_reason(code));
	n = snprintf(out, len, "HTTP/1.1 %u %s\r\nContent-Type: text/plain\r\n"
	    "Content-Length: %d\r\n%s\r\n%s", code, http_reason(code), nb,
	    close ? "Connection: close\r\n" : keep10 ?
	    "Connection: keep-alive\r\n" : "", head ? "" : body);
	if (n < 0 || (size_t)n >= len)
		return (0);
	return ((size_t)n);
}
