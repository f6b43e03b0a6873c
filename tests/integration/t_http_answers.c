/*
 * HTTP mode, lbd's own answers (SPEC "HTTP mode", the status table).
 *
 * Config: service "web" in mode http with origin backends a and b
 * (logging each request they get, -L), timeouts.server 1s,
 * http_request 1s, max_body_size 1000, max_headers 10, max_header_size
 * 8192; a second run with every backend dead.
 * Client: raw requests over TCP, malformed in one way each, a slowloris
 * head while another client is served, /bad, /reset and /hang.
 * Expect: each status of the table with Content-Length and a readable
 * body; Connection: close and a closed connection after every framing
 * error, and no byte of a rejected request at any backend; 502/503/504
 * keep a keep-alive connection open; one access line per request with
 * SPEC's term codes.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"
#include "httpc.h"

#define OPTS	"retries = 1; timeouts = { connect = \"1s\"; " \
		"server = \"1s\"; http_request = \"1s\"; }; " \
		"http = { max_body_size = 1000; max_headers = 10; " \
		"max_header_size = 8192; };"
#define LOG_MS	3000

/* lbd in http mode before origins a and b logging to DIR/NAME.log. */
static struct harness *
setup(void)
{
	struct harness	*h = harness_new();
	char		 log[2][128];

	if (h == NULL)
		return (NULL);
	snprintf(h->mode, sizeof(h->mode), "http");
	snprintf(h->logopts, sizeof(h->logopts), "access = true;");
	snprintf(log[0], sizeof(log[0]), "%s/a.log", h->dir);
	snprintf(log[1], sizeof(log[1]), "%s/b.log", h->dir);
	if (harness_backend(h, "a", 1, "origin", "-n", "a", "-L", log[0],
	    NULL) == -1 || harness_backend(h, "b", 1, "origin", "-n", "b",
	    "-L", log[1], NULL) == -1 || harness_start(h, OPTS) == -1) {
		harness_free(h);
		return (NULL);
	}
	return (h);
}

/* Lines the backends logged: requests that reached them. */
static int
backend_requests(const struct harness *h)
{
	char	 path[128], line[512];
	FILE	*f;
	int	 n = 0;

	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%c.log", h->dir, 'a' + i);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL)
			n++;
		fclose(f);
	}
	return (n);
}

/*
 * Send req on a new connection and read the answer into r; its status,
 * or -1.  *closed says whether lbd closed the connection after it.
 */
static int
ask(const struct harness *h, const char *req, struct httpc_resp *r,
    bool *closed)
{
	int	fd, st = -1;

	memset(r, 0, sizeof(*r));
	if ((fd = harness_connect(h->port)) == -1)
		return (-1);
	if (harness_write(fd, req, strlen(req)) == 0 &&
	    httpc_read(fd, r, false) == 0)
		st = r->status;
	*closed = harness_wait_closed(fd, 2000) >= 0;
	close(fd);
	return (st);
}

/* A framing error: the code, a body, Connection: close, a close. */
static void
expect_rejected(const struct harness *h, const char *req, int code)
{
	struct httpc_resp	r;
	char			v[64];
	bool			closed = false;

	CU_ASSERT_EQUAL(ask(h, req, &r, &closed), code);
	CU_ASSERT(httpc_header(&r, "Content-Length", v, sizeof(v)) &&
	    (size_t)atoi(v) == r.bodylen && r.bodylen > 4);
	CU_ASSERT(httpc_header(&r, "Connection", v, sizeof(v)) &&
	    strcmp(v, "close") == 0);
	CU_ASSERT(closed);
	httpc_resp_free(&r);
}

static void
test_rejected(void)
{
	struct harness	*h = setup();
	char		 big[12000];

	if (h == NULL)
		CU_FAIL_FATAL("setup failed");
	expect_rejected(h, "GET / HTTP/1.1\r\n\r\n", 400);	/* no Host */
	expect_rejected(h, "GET /  HTTP/1.1\r\nHost: x\r\n\r\n", 400);
	expect_rejected(h, "GET / HTTP/1.1\nHost: x\r\n\r\n", 400);
	expect_rejected(h, "GET / HTTP/1.1\r\nHost: x\r\nA : b\r\n\r\n",
	    400);
	expect_rejected(h, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3"
	    "\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
	expect_rejected(h, "POST /upload HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400);
	expect_rejected(h, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: "
	    "1001\r\n\r\n", 413);
	expect_rejected(h, "POST /upload HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n3e9\r\n", 413);
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	snprintf(big + 9000, sizeof(big) - 9000,
	    " HTTP/1.1\r\nHost: x\r\n\r\n");
	expect_rejected(h, big, 414);
	snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < 11; i++)
		strcat(big, "A: b\r\n");
	strcat(big, "\r\n");
	expect_rejected(h, big, 431);
	expect_rejected(h, "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n",
	    501);
	expect_rejected(h, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
	    "gzip, chunked\r\n\r\n", 501);
	expect_rejected(h, "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505);
	CU_ASSERT_EQUAL(backend_requests(h), 0);
	CU_ASSERT(harness_log_wait(h, "status=505", LOG_MS));
	CU_ASSERT(harness_log_count(h, "term=PR") >= 13);
	harness_free(h);
}

/* 502 / 504 keep a keep-alive connection: the next request is served. */
static void
test_backend_errors(void)
{
	struct harness		*h = setup();
	struct httpc_resp	 r;
	const char		*paths[] = { "/bad", "/reset", "/hang" };
	const int		 want[] = { 502, 502, 504 };
	char			 req[128];
	int			 fd;

	if (h == NULL || (fd = harness_connect(h->port)) == -1)
		CU_FAIL_FATAL("setup failed");
	for (int i = 0; i < 3; i++) {
		snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n",
		    paths[i]);
		memset(&r, 0, sizeof(r));
		CU_ASSERT(harness_write(fd, req, strlen(req)) == 0);
		CU_ASSERT(httpc_read(fd, &r, false) == 0);
		CU_ASSERT_EQUAL(r.status, want[i]);
		CU_ASSERT(r.bodylen > 4);
		httpc_resp_free(&r);
	}
	memset(&r, 0, sizeof(r));
	snprintf(req, sizeof(req), "GET /status/200 HTTP/1.1\r\nHost: x\r\n"
	    "\r\n");
	CU_ASSERT(harness_write(fd, req, strlen(req)) == 0);
	CU_ASSERT(httpc_read(fd, &r, false) == 0 && r.status == 200);
	httpc_resp_free(&r);
	close(fd);
	CU_ASSERT(harness_log_wait(h, "term=sH", LOG_MS));
	CU_ASSERT_EQUAL(harness_log_count(h, "status=502"), 2);
	CU_ASSERT_EQUAL(harness_log_count(h, "term=SH"), 2);
	harness_free(h);
}

/* A head trickled byte by byte gets 408 at http_request, not later. */
static void
test_slowloris(void)
{
	struct harness		*h = setup();
	struct httpc_resp	 r;
	const char		*head = "GET /echo HTTP/1.1\r\nHost: x\r\nA: ";
	uint64_t		 t0, end;
	int			 slow;
	size_t			 i = 0;
	bool			 closed;

	if (h == NULL || (slow = harness_connect(h->port)) == -1)
		CU_FAIL_FATAL("setup failed");
	t0 = clock_ms();
	end = t0 + 3000;
	/* One byte each 100 ms: the whole head would take far longer. */
	while (clock_ms() < end && harness_wait_closed(slow, 100) < 0) {
		if (harness_write(slow, i < strlen(head) ? head + i : "b",
		    1) == -1)
			break;
		i++;
		/* Another client is served meanwhile. */
		if (i == 3) {
			CU_ASSERT_EQUAL(ask(h, "GET /status/200 HTTP/1.1\r\n"
			    "Host: x\r\nConnection: close\r\n\r\n", &r,
			    &closed), 200);
			httpc_resp_free(&r);
		}
	}
	CU_ASSERT(clock_ms() - t0 >= 900 && clock_ms() - t0 < 2500);
	close(slow);
	CU_ASSERT(harness_log_wait(h, "term=cR", LOG_MS));
	CU_ASSERT(harness_log_has(h, "status=408"));
	harness_free(h);
}

/* Every backend dead: 503, and the connection stays for the next one. */
static void
test_all_down(void)
{
	struct harness		*h = harness_new();
	struct httpc_resp	 r;
	const char		*req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	int			 fd;

	if (h == NULL)
		CU_FAIL_FATAL("setup failed");
	snprintf(h->mode, sizeof(h->mode), "http");
	snprintf(h->logopts, sizeof(h->logopts), "access = true;");
	if (harness_dead_backend(h, "a", 1) == -1 ||
	    harness_dead_backend(h, "b", 1) == -1 ||
	    harness_start(h, OPTS) == -1 ||
	    (fd = harness_connect(h->port)) == -1)
		CU_FAIL_FATAL("setup failed");
	for (int i = 0; i < 2; i++) {
		memset(&r, 0, sizeof(r));
		CU_ASSERT(harness_write(fd, req, strlen(req)) == 0);
		CU_ASSERT(httpc_read(fd, &r, false) == 0);
		CU_ASSERT_EQUAL(r.status, 503);
		httpc_resp_free(&r);
	}
	close(fd);
	CU_ASSERT(harness_log_wait(h, "term=SC", LOG_MS));
	harness_free(h);
}

int
t_http_answers_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("http_answers", NULL, NULL)) == NULL ||
	    CU_add_test(s, "400 413 414 431 501 505: close, nothing "
	    "forwarded", test_rejected) == NULL ||
	    CU_add_test(s, "502 /bad /reset, 504 /hang, connection kept",
	    test_backend_errors) == NULL ||
	    CU_add_test(s, "slowloris: 408 at http_request, others served",
	    test_slowloris) == NULL ||
	    CU_add_test(s, "all backends down: 503", test_all_down) == NULL)
		return (-1);
	return (0);
}
