/*
 * relay_http_head.c: the heads HTTP mode forwards are the peer's bytes
 * minus hop-by-hop lines plus lbd's, and lbd's own answers are framed.
 */
#include <sys/uio.h>

#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "config.h"
#include "http1.h"
#include "relay_http_head.h"
#include "unit.h"

/* The iovecs joined into out (NUL-ended). */
static void
join(const struct iovec *iov, int n, char *out, size_t len)
{
	size_t	at = 0;

	for (int i = 0; i < n && at + iov[i].iov_len < len; i++) {
		memcpy(out + at, iov[i].iov_base, iov[i].iov_len);
		at += iov[i].iov_len;
	}
	out[at] = '\0';
}

static void
test_client_ip(void)
{
	char	ip[64];

	CU_ASSERT(http_client_ip("192.0.2.1:5000", ip, sizeof(ip)) == 0);
	CU_ASSERT_STRING_EQUAL(ip, "192.0.2.1");
	CU_ASSERT(http_client_ip("[2001:db8::1]:80", ip, sizeof(ip)) == 0);
	CU_ASSERT_STRING_EQUAL(ip, "2001:db8::1");
	CU_ASSERT(http_client_ip("nocolon", ip, sizeof(ip)) == -1);
	CU_ASSERT(http_client_ip("192.0.2.1:1", ip, 4) == -1);
}

static void
test_extra(void)
{
	struct http_config	h = { .forwardfor = true };
	char			out[HTTP_EXTRA_MAX];

	CU_ASSERT(http_request_extra(out, sizeof(out), &h, "192.0.2.1",
	    false, false) > 0);
	CU_ASSERT_STRING_EQUAL(out, "X-Forwarded-For: 192.0.2.1\r\n"
	    "X-Forwarded-Proto: http\r\n\r\n");
	h = (struct http_config){ .forwarded = true, .via = true };
	CU_ASSERT(http_request_extra(out, sizeof(out), &h, "2001:db8::1",
	    true, true) > 0);
	CU_ASSERT_STRING_EQUAL(out, "Forwarded: for=\"[2001:db8::1]\";"
	    "proto=http\r\nVia: 1.1 lbd\r\nConnection: upgrade\r\n\r\n");
	h = (struct http_config){ 0 };
	CU_ASSERT(http_request_extra(out, sizeof(out), &h, "x", false,
	    true) > 0);
	CU_ASSERT_STRING_EQUAL(out, "Connection: keep-alive\r\n\r\n");
	CU_ASSERT_EQUAL(http_request_extra(out, 10, &h, "x", false, true), 0);
}

/* Parse req, build its forwarded head with extra; into out. */
static int
forward(const char *req, bool forwardfor, char *out, size_t len)
{
	struct http1_header	hdrs[16];
	struct http1_request	r;
	struct iovec		iov[20];
	int			n;

	http1_request_init(&r, hdrs, 16, 8192);
	if (http1_parse_request(&r, req, strlen(req)) != HTTP1_OK)
		return (-1);
	n = http_request_iov(req, &r, forwardfor, "X: 1\r\n\r\n", 8, iov, 20);
	if (n > 0)
		join(iov, n, out, len);
	return (n);
}

static void
test_request_iov(void)
{
	char	out[512];

	CU_ASSERT(forward("GET /a HTTP/1.1\r\nhOsT: h\r\nConnection: close, "
	    "X-Hop\r\nX-Hop: 1\r\nKeep-Alive: 1\r\nTE: trailers\r\n"
	    "X-Forwarded-Proto: https\r\nB: 2\r\n\r\n", true, out,
	    sizeof(out)) == 3);	/* line and Host joined, B, extra */
	CU_ASSERT_STRING_EQUAL(out, "GET /a HTTP/1.1\r\nhOsT: h\r\nB: 2\r\n"
	    "X: 1\r\n\r\n");
	CU_ASSERT(forward("GET /a HTTP/1.1\r\nHost: h\r\n"
	    "X-Forwarded-Proto: https\r\n\r\n", false, out, sizeof(out)) == 2);
	CU_ASSERT_STRING_EQUAL(out, "GET /a HTTP/1.1\r\nHost: h\r\n"
	    "X-Forwarded-Proto: https\r\nX: 1\r\n\r\n");
	CU_ASSERT(forward("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket"
	    "\r\nConnection: Upgrade\r\n\r\n", true, out, sizeof(out)) > 0);
	CU_ASSERT_STRING_EQUAL(out, "GET /ws HTTP/1.1\r\nHost: h\r\n"
	    "Upgrade: websocket\r\nX: 1\r\n\r\n");
}

static void
test_response_iov(void)
{
	const char		*resp = "HTTP/1.1 200 OK\r\nA: 1\r\n"
	    "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
	    "Content-Length: 0\r\n\r\n";
	struct http1_header	hdrs[16];
	struct http1_response	r;
	struct iovec		iov[20];
	char			out[512];
	int			n;

	http1_response_init(&r, hdrs, 16, 8192, HTTP1_GET);
	CU_ASSERT_FATAL(http1_parse_response(&r, resp, strlen(resp)) ==
	    HTTP1_OK);
	n = http_response_iov(resp, &r, "Connection: close\r\n", iov, 20);
	CU_ASSERT_FATAL(n > 0);
	join(iov, n, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "HTTP/1.1 200 OK\r\nA: 1\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n");
	CU_ASSERT_EQUAL(http_response_iov(resp, &r, "", iov, 1), -1);
}

static void
test_answer(void)
{
	char	out[256];
	size_t	n;

	n = http_answer(out, sizeof(out), 503, false, false, false);
	CU_ASSERT_EQUAL(n, strlen(out));
	CU_ASSERT_STRING_EQUAL(out, "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 24\r\n\r\n"
	    "503 Service Unavailable\n");
	http_answer(out, sizeof(out), 400, true, false, true);
	CU_ASSERT_STRING_EQUAL(out, "HTTP/1.1 400 Bad Request\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 16\r\n"
	    "Connection: close\r\n\r\n");
	http_answer(out, sizeof(out), 504, false, true, false);
	CU_ASSERT(strstr(out, "Connection: keep-alive\r\n") != NULL);
	CU_ASSERT_EQUAL(http_answer(out, 20, 504, false, false, false), 0);
	CU_ASSERT_STRING_EQUAL(http_reason(431),
	    "Request Header Fields Too Large");
}

int
test_relay_http_head_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("relay_http_head", NULL, NULL)) == NULL ||
	    CU_add_test(s, "client address without port", test_client_ip) ==
	    NULL ||
	    CU_add_test(s, "lines lbd adds", test_extra) == NULL ||
	    CU_add_test(s, "request head: hop-by-hop out, bytes kept",
	    test_request_iov) == NULL ||
	    CU_add_test(s, "response head: hop-by-hop out, Connection in",
	    test_response_iov) == NULL ||
	    CU_add_test(s, "lbd's answers", test_answer) == NULL)
		return (-1);
	return (0);
}
