/*
 * The strict HTTP/1.1 parser.  Every case of http1_cases.c is fed whole,
 * byte by byte and split in two at every offset; all three must give the
 * case's outcome and the same fields.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "http1.h"
#include "http1_cases.h"
#include "unit.h"

#define DEF_SIZE	16384
#define DEF_HEADERS	100

/* What a parse produced, compared across the ways of feeding it. */
struct outcome {
	enum http1_result	rc;
	int			status;
	int			method;
	unsigned		version;
	unsigned		code;
	int			framing;
	uint64_t		length;
	bool			keep_alive;
	size_t			nheaders;
	size_t			len;
	struct http1_span	target;
};

static struct http1_header	hdrs[DEF_HEADERS];

static void
expect_true(bool ok, const char *what, size_t i, const char *how)
{
	CU_ASSERT(ok);
	if (!ok)
		fprintf(stderr, "\n%s case %zu (%s) failed\n", what, i, how);
}

static void
head_outcome(const struct http1_head *h, enum http1_result rc,
    struct outcome *o)
{
	o->rc = rc;
	if (rc == HTTP1_ERROR)
		o->status = h->status;
	if (rc != HTTP1_OK)
		return;
	o->version = h->version;
	o->framing = h->framing;
	o->length = h->content_length;
	o->keep_alive = h->keep_alive;
	o->nheaders = h->nheaders;
	o->len = h->len;
}

typedef enum http1_result (*parse_fn)(void *, const char *, size_t);
typedef void (*feed_fn)(const void *, size_t, bool, struct outcome *);

static enum http1_result
parse_req(void *r, const char *buf, size_t len)
{
	return (http1_parse_request(r, buf, len));
}

static enum http1_result
parse_resp(void *r, const char *buf, size_t len)
{
	return (http1_parse_response(r, buf, len));
}

/*
 * Feed bytes[0..len) to parse in pieces: first split bytes (0: none),
 * then one byte more at a time when bytewise, then the rest.
 */
static enum http1_result
feed(parse_fn parse, void *r, const char *bytes, size_t len, size_t split,
    bool bytewise)
{
	enum http1_result	rc = HTTP1_NEED_MORE;
	size_t			n = split;

	while (rc == HTTP1_NEED_MORE && n < len) {
		if (n > 0)
			rc = parse(r, bytes, n);
		n = bytewise ? n + 1 : len;
	}
	return (rc == HTTP1_NEED_MORE ? parse(r, bytes, len) : rc);
}

/* The parse fed whole must match byte by byte and every split. */
static void
check_feeds(feed_fn f, const void *c, size_t len, const char *what,
    size_t i)
{
	struct outcome	whole, part;

	f(c, 0, false, &whole);
	f(c, 0, true, &part);
	expect_true(memcmp(&whole, &part, sizeof(whole)) == 0, what, i,
	    "byte by byte");
	for (size_t k = 1; k < len; k++) {
		f(c, k, false, &part);
		expect_true(memcmp(&whole, &part, sizeof(whole)) == 0, what, i,
		    "split");
	}
}

static void
req_feed(const void *arg, size_t split, bool bytewise, struct outcome *o)
{
	const struct req_case	*c = arg;
	struct http1_request	 r;
	enum http1_result	 rc;

	http1_request_init(&r, hdrs, c->max_headers ? c->max_headers :
	    DEF_HEADERS, c->max_size ? c->max_size : DEF_SIZE);
	rc = feed(parse_req, &r, c->bytes, c->len, split, bytewise);
	memset(o, 0, sizeof(*o));
	head_outcome(&r.head, rc, o);
	if (rc == HTTP1_OK) {
		o->method = r.method;
		o->target = r.target;
	}
}

static void
req_check(const struct req_case *c, size_t i)
{
	struct outcome	whole;
	bool		ok;

	req_feed(c, 0, false, &whole);
	switch (c->want) {
	case CASE_MORE:
		ok = whole.rc == HTTP1_NEED_MORE;
		break;
	case CASE_OK:
		ok = whole.rc == HTTP1_OK && whole.method == (int)c->method &&
		    whole.framing == (int)c->framing &&
		    whole.length == c->length &&
		    whole.keep_alive == c->keep_alive;
		break;
	default:
		ok = whole.rc == HTTP1_ERROR && whole.status == c->want;
	}
	expect_true(ok, "request", i, "whole");
	check_feeds(req_feed, c, c->len, "request", i);
}

static void
test_request_table(void)
{
	CU_ASSERT(http1_nreq_cases >= 60);
	for (size_t i = 0; i < http1_nreq_cases; i++)
		req_check(&http1_req_cases[i], i);
}

static void
resp_feed(const void *arg, size_t split, bool bytewise, struct outcome *o)
{
	const struct resp_case	*c = arg;
	struct http1_response	 r;
	enum http1_result	 rc;

	http1_response_init(&r, hdrs, DEF_HEADERS, DEF_SIZE, c->method);
	rc = feed(parse_resp, &r, c->bytes, c->len, split, bytewise);
	memset(o, 0, sizeof(*o));
	head_outcome(&r.head, rc, o);
	if (rc == HTTP1_OK)
		o->code = r.code;
}

static void
resp_check(const struct resp_case *c, size_t i)
{
	struct outcome	whole;
	bool		ok;

	resp_feed(c, 0, false, &whole);
	if (c->want == CASE_MORE)
		ok = whole.rc == HTTP1_NEED_MORE;
	else if (c->want == CASE_OK)
		ok = whole.rc == HTTP1_OK && whole.code == c->code &&
		    whole.framing == (int)c->framing &&
		    whole.length == c->length &&
		    whole.keep_alive == c->keep_alive;
	else
		ok = whole.rc == HTTP1_ERROR && whole.status == 502;
	expect_true(ok, "response", i, "whole");
	check_feeds(resp_feed, c, c->len, "response", i);
}

static void
test_response_table(void)
{
	for (size_t i = 0; i < http1_nresp_cases; i++)
		resp_check(&http1_resp_cases[i], i);
}

/*
 * Feed a chunked body in pieces of at most step bytes after a first piece
 * of split bytes; returns the result, with the body bytes in *used.
 */
static enum http1_result
chunk_feed(const struct chunk_case *c, size_t split, size_t step,
    size_t *used)
{
	struct http1_chunked	ch;
	enum http1_result	rc = HTTP1_NEED_MORE;
	size_t			off = 0, n, u;

	http1_chunked_init(&ch);
	*used = 0;
	for (n = split; rc == HTTP1_NEED_MORE && off < c->len; n = step) {
		if (n > c->len - off)
			n = c->len - off;
		rc = http1_chunked_feed(&ch, c->bytes + off, n, &u);
		off += u;
		*used += u;
	}
	return (rc);
}

static void
test_chunked_table(void)
{
	const struct chunk_case	*c;
	enum http1_result	 rc, want;
	size_t			 used, wused;

	for (size_t i = 0; i < http1_nchunk_cases; i++) {
		c = &http1_chunk_cases[i];
		want = c->want == CASE_OK ? HTTP1_OK : c->want == CASE_MORE ?
		    HTTP1_NEED_MORE : HTTP1_ERROR;
		rc = chunk_feed(c, c->len, c->len, &wused);
		expect_true(rc == want && (rc != HTTP1_OK || wused == c->used),
		    "chunked", i, "whole");
		rc = chunk_feed(c, 1, 1, &used);
		expect_true(rc == want && (rc != HTTP1_OK || used == wused),
		    "chunked", i, "byte by byte");
		for (size_t k = 1; k < c->len; k++) {
			rc = chunk_feed(c, k, c->len, &used);
			expect_true(rc == want &&
			    (rc != HTTP1_OK || used == wused), "chunked", i,
			    "split");
		}
	}
}

static bool
span_eq(const char *buf, struct http1_span sp, const char *s)
{
	return (sp.len == strlen(s) && memcmp(buf + sp.off, s, sp.len) == 0);
}

/* Spans point at the client's own bytes; hop-by-hop lines are marked. */
static void
test_request_spans(void)
{
	static const char	req[] = "\r\nPOST /p?q HTTP/1.1\r\n"
	    "Host: ex\r\nConnection: keep-alive, X-A\r\nX-A: 1\r\n"
	    "Keep-Alive: 5\r\nTE: trailers\r\nTransfer-Encoding: chunked\r\n"
	    "Upgrade: h2c\r\nProxy-Connection: x\r\nx-a: 2\r\n"
	    "X-B:  two words \t\r\n\r\nbody";
	static const bool	hop[] = { false, true, true, true, true,
	    false, true, true, true, false };
	struct http1_request	r;
	struct http1_header	*f;

	http1_request_init(&r, hdrs, DEF_HEADERS, DEF_SIZE);
	CU_ASSERT_EQUAL_FATAL(http1_parse_request(&r, req, sizeof(req) - 1),
	    HTTP1_OK);
	CU_ASSERT_EQUAL(r.head.len, sizeof(req) - 1 - 4);
	CU_ASSERT(span_eq(req, r.method_span, "POST"));
	CU_ASSERT(span_eq(req, r.target, "/p?q"));
	CU_ASSERT(span_eq(req, r.line, "POST /p?q HTTP/1.1\r\n"));
	CU_ASSERT(r.has_host && span_eq(req, r.host, "ex"));
	CU_ASSERT_EQUAL_FATAL(r.head.nheaders, 10);
	for (size_t i = 0; i < r.head.nheaders; i++)
		CU_ASSERT_EQUAL(r.head.headers[i].hop, hop[i]);
	f = &r.head.headers[9];
	CU_ASSERT(span_eq(req, f->name, "X-B"));
	CU_ASSERT(span_eq(req, f->value, "two words"));
	CU_ASSERT(span_eq(req, f->line, "X-B:  two words \t\r\n"));
	CU_ASSERT_EQUAL(r.head.headers[5].kind, HTTP1_F_TRANSFER_ENCODING);
	CU_ASSERT_EQUAL(r.head.framing, HTTP1_BODY_CHUNKED);
	CU_ASSERT(r.head.keep_alive);
	CU_ASSERT(!r.upgrade);
	CU_ASSERT(!r.expect_continue);
}

static bool
req_flags(const char *req, bool *expect, bool *upgrade)
{
	struct http1_request	r;

	http1_request_init(&r, hdrs, DEF_HEADERS, DEF_SIZE);
	if (http1_parse_request(&r, req, strlen(req)) != HTTP1_OK)
		return (false);
	*expect = r.expect_continue;
	*upgrade = r.upgrade;
	return (true);
}

/* Expect: 100-continue and Upgrade count in 1.1 only; Upgrade needs its
 * Connection token. */
static void
test_request_expect_upgrade(void)
{
	bool	e = false, u = false;

	CU_ASSERT(req_flags("PUT / HTTP/1.1\r\nHost: a\r\n"
	    "Expect: 100-Continue\r\nContent-Length: 1\r\n\r\n", &e, &u));
	CU_ASSERT(e && !u);
	CU_ASSERT(req_flags("PUT / HTTP/1.0\r\nExpect: 100-continue\r\n"
	    "Content-Length: 1\r\n\r\n", &e, &u));
	CU_ASSERT(!e && !u);
	CU_ASSERT(req_flags("GET / HTTP/1.1\r\nHost: a\r\n"
	    "Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n",
	    &e, &u));
	CU_ASSERT(!e && u);
	CU_ASSERT(req_flags("GET / HTTP/1.1\r\nHost: a\r\n"
	    "Upgrade: websocket\r\n\r\n", &e, &u));
	CU_ASSERT(!e && !u);
	CU_ASSERT(req_flags("GET / HTTP/1.0\r\nConnection: upgrade\r\n"
	    "Upgrade: websocket\r\n\r\n", &e, &u));
	CU_ASSERT(!e && !u);
}

/* A head parsed partly in one buffer continues in a copy of it. */
static void
test_request_moved_buffer(void)
{
	static const char	req[] = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
	char			a[64], b[64];
	struct http1_request	r;

	memcpy(a, req, sizeof(req));
	http1_request_init(&r, hdrs, DEF_HEADERS, DEF_SIZE);
	CU_ASSERT_EQUAL(http1_parse_request(&r, a, 20), HTTP1_NEED_MORE);
	memcpy(b, a, sizeof(req));
	memset(a, 'x', sizeof(a));
	CU_ASSERT_EQUAL(http1_parse_request(&r, b, sizeof(req) - 1),
	    HTTP1_OK);
	CU_ASSERT(span_eq(b, r.target, "/x"));
	CU_ASSERT(span_eq(b, r.host, "a"));
}

static void
test_response_fields(void)
{
	static const char	ka[] = "HTTP/1.1 200 Fine\r\n"
	    "Keep-Alive: timeout=7, max=50\r\nContent-Length: 0\r\n\r\n";
	static const char	up[] = "HTTP/1.1 101 Switching\r\n"
	    "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
	struct http1_response	r;

	http1_response_init(&r, hdrs, DEF_HEADERS, DEF_SIZE, HTTP1_GET);
	CU_ASSERT_EQUAL_FATAL(http1_parse_response(&r, ka, sizeof(ka) - 1),
	    HTTP1_OK);
	CU_ASSERT(span_eq(ka, r.reason_phrase, "Fine"));
	CU_ASSERT_EQUAL(r.ka_timeout, 7);
	CU_ASSERT_EQUAL(r.ka_max, 50);
	CU_ASSERT(!r.upgrade);
	http1_response_init(&r, hdrs, DEF_HEADERS, DEF_SIZE, HTTP1_GET);
	CU_ASSERT_EQUAL_FATAL(http1_parse_response(&r, up, sizeof(up) - 1),
	    HTTP1_OK);
	CU_ASSERT(r.upgrade);
	CU_ASSERT_EQUAL(r.ka_timeout, -1);
	CU_ASSERT(r.head.headers[1].hop);
}

/*
 * Every byte value at every place of a 20-byte field value: accepted
 * exactly when RFC 9110 §5.5 allows it (HTAB, SP, VCHAR, obs-text), which
 * covers both the word-at-a-time and the byte-at-a-time checks.
 */
static void
test_value_bytes(void)
{
	char			req[64];
	struct http1_request	r;
	enum http1_result	rc;
	size_t			n, bad = 0;
	bool			allowed;

	for (unsigned b = 0; b < 256; b++) {
		allowed = b == '\t' || (b >= 0x20 && b != 0x7f);
		for (size_t at = 0; at < 20; at++) {
			n = (size_t)snprintf(req, sizeof(req),
			    "GET / HTTP/1.1\r\nHost: a\r\nX: "
			    "%20s\r\n\r\n", "");
			memset(req + 28, 'v', 20);
			req[28 + at] = (char)b;
			http1_request_init(&r, hdrs, DEF_HEADERS, DEF_SIZE);
			rc = http1_parse_request(&r, req, n);
			if ((rc == HTTP1_OK) != allowed) {
				bad++;
				fprintf(stderr, "\nbyte %#x at %zu\n", b, at);
			}
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* A size line longer than HTTP1_CHUNK_LINE_MAX is refused. */
static void
test_chunked_line_limit(void)
{
	static char		body[HTTP1_CHUNK_LINE_MAX + 16];
	struct http1_chunked	c;
	size_t			used;

	memset(body, 'a', sizeof(body));
	memcpy(body, "1;", 2);
	http1_chunked_init(&c);
	CU_ASSERT_EQUAL(http1_chunked_feed(&c, body, HTTP1_CHUNK_LINE_MAX,
	    &used), HTTP1_NEED_MORE);
	CU_ASSERT_EQUAL(http1_chunked_feed(&c, body, sizeof(body), &used),
	    HTTP1_ERROR);
	CU_ASSERT_PTR_NOT_NULL(c.reason);
}

/* The decoder sums the chunk sizes, so a body limit can be checked. */
static void
test_chunked_data_count(void)
{
	static const char	body[] = "5\r\nhello\r\na;x=1\r\n0123456789\r\n"
	    "0\r\nT: 1\r\n\r\n";
	struct http1_chunked	c;
	size_t			used;

	http1_chunked_init(&c);
	CU_ASSERT_EQUAL(http1_chunked_feed(&c, body, 12, &used),
	    HTTP1_NEED_MORE);
	CU_ASSERT_EQUAL(c.data, 5);
	CU_ASSERT_EQUAL(http1_chunked_feed(&c, body + 12, sizeof(body) - 13,
	    &used), HTTP1_OK);
	CU_ASSERT_EQUAL(used, sizeof(body) - 13);
	CU_ASSERT_EQUAL(c.data, 15);
}

/* 1.1 without Host: 400, unless the caller (stats) makes Host optional. */
static void
test_host_optional(void)
{
	static const char	req[] = "GET / HTTP/1.1\r\n\r\n";
	struct http1_request	r;

	http1_request_init(&r, hdrs, DEF_HEADERS, DEF_SIZE);
	CU_ASSERT_EQUAL(http1_parse_request(&r, req, sizeof(req) - 1),
	    HTTP1_ERROR);
	CU_ASSERT_EQUAL(r.head.status, 400);
	http1_request_init(&r, hdrs, DEF_HEADERS, DEF_SIZE);
	r.host_optional = true;
	CU_ASSERT_EQUAL(http1_parse_request(&r, req, sizeof(req) - 1),
	    HTTP1_OK);
	CU_ASSERT_FALSE(r.has_host);
	CU_ASSERT_TRUE(r.head.keep_alive);
}

int
test_http1_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("http1", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "request table", test_request_table) == NULL ||
	    CU_add_test(s, "response table", test_response_table) == NULL ||
	    CU_add_test(s, "chunked table", test_chunked_table) == NULL ||
	    CU_add_test(s, "request spans", test_request_spans) == NULL ||
	    CU_add_test(s, "expect, upgrade",
	    test_request_expect_upgrade) == NULL ||
	    CU_add_test(s, "moved buffer", test_request_moved_buffer) == NULL ||
	    CU_add_test(s, "response fields", test_response_fields) == NULL ||
	    CU_add_test(s, "value bytes", test_value_bytes) == NULL ||
	    CU_add_test(s, "chunk line limit", test_chunked_line_limit) == NULL ||
	    CU_add_test(s, "chunk data count", test_chunked_data_count) == NULL ||
	    CU_add_test(s, "host optional", test_host_optional) == NULL)
		return (-1);
	return (0);
}
