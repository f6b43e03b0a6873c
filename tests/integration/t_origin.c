/*
 * Origin: the web server that the HTTP-mode tests put behind lbd answers
 * exactly what its usage (tests/backends/origin.c) promises.  No lbd runs
 * here: the client talks to origin itself.
 *
 * Config: one origin "o" logging requests (-L) to the harness directory,
 * with -k 300 (idle close), -m 2 (requests per connection) or -1
 * (HTTP/1.0) where a test says.
 * Client: raw HTTP/1.1 bytes over TCP on 127.0.0.1, one request at a time
 * or pipelined in one write.
 * Expect: "backend o" with X-Backend and the connection and request
 * numbers; /echo the request head byte for byte; /size, /chunked and
 * /close the pattern of origin.h byte for byte, each framed its way;
 * /upload the length and CRC-32 of Content-Length and chunked bodies;
 * "100 Continue" before the body is sent (none for /no-continue); HEAD
 * the headers only; 101 then an echo tunnel; pipelined answers in order;
 * the idle, per-connection and HTTP/1.0 closes; the error paths; and one
 * log line per request with its framing, body length, CRC and numbers.
 */
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "../backends/origin.h"
#include "clock.h"
#include "harness.h"
#include "httpc.h"

#define BIG		300000		/* generated body bytes */
#define UPLOAD		100000		/* uploaded body bytes */
#define IDLE_MS		300		/* -k */
#define LOG_MS		2000		/* a log line is written by then */
#define QUIET_MS	300		/* no answer within this: none */
#define SLOW_MS		"600"		/* /slow/MS */
#define MANY		200		/* connections at once */

/*
 * Start origin "o" logging to DIR/origin.log, with up to two more
 * arguments (NULL for none); the harness, or NULL.
 */
static struct harness *
start(const char *opt, const char *val)
{
	struct harness	*h = harness_new();
	char		 log[128];

	if (h == NULL)
		return (NULL);
	snprintf(log, sizeof(log), "%s/origin.log", h->dir);
	if (harness_backend(h, "o", 1, "origin", "-n", "o", "-L", log, opt,
	    val, NULL) == -1) {
		harness_free(h);
		return (NULL);
	}
	return (h);
}

/* A connection to the origin of h; -1 on failure. */
static int
dial(const struct harness *h)
{
	return (harness_connect(h->backends[0].port));
}

/* Write the string s to fd; 0 or -1. */
static int
send_str(int fd, const char *s)
{
	return (harness_write(fd, s, strlen(s)));
}

/* Send req (NULL: nothing) and read one response into r; 0 or -1. */
static int
ask(int fd, const char *req, struct httpc_resp *r, bool head_only)
{
	if (req != NULL && send_str(fd, req) == -1)
		return (-1);
	return (httpc_read(fd, r, head_only));
}

/* Does header name of r hold exactly want? */
static bool
has_header(const struct httpc_resp *r, const char *name, const char *want)
{
	char	v[128];

	return (httpc_header(r, name, v, sizeof(v)) && strcmp(v, want) == 0);
}

/* Are the len bytes at p the pattern from body offset off? */
static bool
is_pattern(const char *p, size_t len, uint64_t off)
{
	for (size_t i = 0; i < len; i++)
		if ((uint8_t)p[i] != origin_pattern_byte(off + i))
			return (false);
	return (true);
}

/* Read one line ending in CRLF, without it, into buf; 0 or -1. */
static int
read_crlf(int fd, char *buf, size_t len)
{
	int	n = harness_read_line(fd, buf, len);

	if (n < 1 || buf[n - 1] != '\r')
		return (-1);
	buf[n - 1] = '\0';
	return (0);
}

/*
 * Read a chunked body into buf (cap bytes); its length, or -1.  Count
 * the chunks and how many sizes differed from the one before.
 */
static long
read_chunked(int fd, char *buf, size_t cap, int *nchunks, int *changes)
{
	char		 line[64], *end;
	size_t		 len = 0;
	unsigned long	 size, prev = 0;

	*nchunks = *changes = 0;
	for (;;) {
		if (read_crlf(fd, line, sizeof(line)) == -1)
			return (-1);
		size = strtoul(line, &end, 16);
		if (end == line || *end != '\0' || size > cap - len)
			return (-1);
		if (size == 0)
			break;
		*changes += *nchunks > 0 && size != prev;
		(*nchunks)++;
		prev = size;
		if (harness_read(fd, buf + len, size) == -1 ||
		    read_crlf(fd, line, sizeof(line)) == -1 || line[0] != '\0')
			return (-1);
		len += size;
	}
	/* No trailer: the blank line ends the body. */
	if (read_crlf(fd, line, sizeof(line)) == -1 || line[0] != '\0')
		return (-1);
	return ((long)len);
}

/* Poll up to ms for fd to become readable; true if it did. */
static bool
readable_within(int fd, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };

	return (poll(&pfd, 1, ms) == 1);
}

/*
 * The log file of h holds exactly want (whole lines), polled for up to
 * LOG_MS; the lines are written before each answer but an abort's only
 * when origin sees the close.
 */
static bool
log_is(const struct harness *h, const char *want)
{
	char		 path[128], *log = NULL;
	uint64_t	 end = clock_ms() + LOG_MS;
	bool		 same = false;

	snprintf(path, sizeof(path), "%s/origin.log", h->dir);
	while (!same && clock_ms() < end) {
		free(log);
		log = harness_read_file(path);
		same = log != NULL && strcmp(log, want) == 0;
		if (!same)
			harness_sleep_ms(20);
	}
	if (!same)
		fprintf(stderr, "origin.log:\n%s\nwanted:\n%s\n",
		    log != NULL ? log : "(none)", want);
	free(log);
	return (same);
}

/* Several requests on one connection, each numbered; /status bodies. */
static void
test_origin_keepalive(void)
{
	static const char	echo[] = "GET /echo?q=1 HTTP/1.1\r\n"
	    "host: Example.ORG\r\nX-Forwarded-For: 192.0.2.1\r\n"
	    "x-MiXeD: a ,b\r\n\r\n";
	struct harness		*h = start(NULL, NULL);
	struct httpc_resp	 r;
	int			 fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	CU_ASSERT(ask(fd, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", &r,
	    false) == 0);
	CU_ASSERT(r.status == 200 && strcmp(r.body, "backend o\n") == 0);
	CU_ASSERT(has_header(&r, "X-Backend", "o"));
	CU_ASSERT(has_header(&r, "X-Backend-Conn", "1"));
	CU_ASSERT(has_header(&r, "X-Backend-Req", "1"));
	CU_ASSERT(!httpc_header(&r, "Connection", NULL, 0));
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, echo, &r, false) == 0);
	CU_ASSERT(r.status == 200 && r.bodylen == sizeof(echo) - 1 &&
	    memcmp(r.body, echo, r.bodylen) == 0);
	CU_ASSERT(has_header(&r, "X-Backend-Req", "2"));
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, "GET /status/404 HTTP/1.1\r\n\r\n", &r,
	    false) == 0);
	CU_ASSERT(r.status == 404 && strcmp(r.body, "status 404\n") == 0);
	httpc_resp_free(&r);
	/* 204: no Content-Length and no body; read as head only. */
	CU_ASSERT(ask(fd, "GET /status/204 HTTP/1.1\r\n\r\n", &r, true) == 0);
	CU_ASSERT(r.status == 204);
	CU_ASSERT(!httpc_header(&r, "Content-Length", NULL, 0));
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, "GET /anything/else HTTP/1.1\r\n\r\n", &r,
	    false) == 0);
	CU_ASSERT(r.status == 200 && strcmp(r.body, "backend o\n") == 0);
	CU_ASSERT(has_header(&r, "X-Backend-Conn", "1"));
	CU_ASSERT(has_header(&r, "X-Backend-Req", "5"));
	httpc_resp_free(&r);
	close(fd);
	harness_free(h);
}

/* Four requests in one write, a body among them: answers in order. */
static void
test_origin_pipeline(void)
{
	static const char	reqs[] = "GET / HTTP/1.1\r\n\r\n"
	    "POST /upload HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
	    "GET /echo HTTP/1.1\r\nX: 3\r\n\r\n"
	    "GET /size/10 HTTP/1.1\r\nConnection: close\r\n\r\n";
	struct harness		*h = start(NULL, NULL);
	struct httpc_resp	 r;
	char			 want[64];
	int			 fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	CU_ASSERT(ask(fd, reqs, &r, false) == 0);
	CU_ASSERT(strcmp(r.body, "backend o\n") == 0);
	httpc_resp_free(&r);
	snprintf(want, sizeof(want), "len=5 crc=%08" PRIx32 "\n",
	    origin_crc32(0, "hello", 5));
	CU_ASSERT(ask(fd, NULL, &r, false) == 0);
	CU_ASSERT(strcmp(r.body, want) == 0);
	CU_ASSERT(has_header(&r, "X-Backend-Req", "2"));
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, NULL, &r, false) == 0);
	CU_ASSERT(strcmp(r.body, "GET /echo HTTP/1.1\r\nX: 3\r\n\r\n") == 0);
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, NULL, &r, false) == 0);
	CU_ASSERT(r.bodylen == 10 && is_pattern(r.body, 10, 0));
	CU_ASSERT(has_header(&r, "Connection", "close"));
	CU_ASSERT(has_header(&r, "X-Backend-Req", "4"));
	httpc_resp_free(&r);
	CU_ASSERT(harness_wait_closed(fd, 2000) != -1);
	close(fd);
	harness_free(h);
}

/* /size, /chunked and /close: the same bytes, each framed its way. */
static void
test_origin_bodies(void)
{
	struct harness		*h = start(NULL, NULL);
	struct httpc_resp	 r;
	static char		 buf[BIG];
	int			 fd, nchunks, changes;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	CU_ASSERT(ask(fd, "GET /size/0 HTTP/1.1\r\n\r\n", &r, false) == 0);
	CU_ASSERT(r.status == 200 && r.bodylen == 0);
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, "GET /size/300000 HTTP/1.1\r\n\r\n", &r,
	    false) == 0);
	CU_ASSERT(r.bodylen == BIG && is_pattern(r.body, BIG, 0));
	CU_ASSERT(has_header(&r, "Content-Type", "application/octet-stream"));
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, "GET /chunked/300000 HTTP/1.1\r\n\r\n", &r,
	    true) == 0);
	CU_ASSERT(has_header(&r, "Transfer-Encoding", "chunked"));
	CU_ASSERT(!httpc_header(&r, "Content-Length", NULL, 0));
	httpc_resp_free(&r);
	CU_ASSERT(read_chunked(fd, buf, sizeof(buf), &nchunks, &changes) ==
	    BIG);
	CU_ASSERT(is_pattern(buf, BIG, 0));
	CU_ASSERT(nchunks > 8 && changes >= nchunks - 2);
	/* Still in step: the chunked body was read to its end. */
	CU_ASSERT(ask(fd, "GET /close/5000 HTTP/1.1\r\n\r\n", &r, false) == 0);
	CU_ASSERT(r.bodylen == 5000 && is_pattern(r.body, 5000, 0));
	CU_ASSERT(has_header(&r, "Connection", "close"));
	CU_ASSERT(!httpc_header(&r, "Content-Length", NULL, 0));
	httpc_resp_free(&r);
	close(fd);
	harness_free(h);
}

/* /upload: Content-Length and chunked bodies, length and CRC-32. */
static void
test_origin_upload(void)
{
	static const char	chunked[] = "POST /upload HTTP/1.1\r\n"
	    "Transfer-Encoding: gzip, chunked\r\n\r\n"
	    "3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nT: x\r\n\r\n";
	struct harness		*h = start(NULL, NULL);
	struct httpc_resp	 r;
	static char		 body[UPLOAD];
	char			 head[128], want[64];
	int			 fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (char)(i * 2654435761U >> 13);
	snprintf(head, sizeof(head), "PUT /upload HTTP/1.1\r\n"
	    "Content-Length: %d\r\n\r\n", UPLOAD);
	snprintf(want, sizeof(want), "len=%d crc=%08" PRIx32 "\n", UPLOAD,
	    origin_crc32(0, body, sizeof(body)));
	CU_ASSERT(harness_write(fd, head, strlen(head)) == 0);
	CU_ASSERT(harness_write(fd, body, sizeof(body)) == 0);
	CU_ASSERT(ask(fd, NULL, &r, false) == 0);
	CU_ASSERT(r.status == 200 && strcmp(r.body, want) == 0);
	httpc_resp_free(&r);
	snprintf(want, sizeof(want), "len=19 crc=%08" PRIx32 "\n",
	    origin_crc32(0, "abc0123456789abcdef", 19));
	CU_ASSERT(ask(fd, chunked, &r, false) == 0);
	CU_ASSERT(r.status == 200 && strcmp(r.body, want) == 0);
	httpc_resp_free(&r);
	/* zlib's check value: the CRC is the one Python's zlib reports. */
	CU_ASSERT(origin_crc32(0, "123456789", 9) == 0xcbf43926U);
	close(fd);
	harness_free(h);
}

/* 100 Continue comes before the body is sent, except on /no-continue. */
static void
test_origin_continue(void)
{
	static const char	cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	struct harness		*h = start(NULL, NULL);
	struct httpc_resp	 r;
	char			 buf[sizeof(cont)] = "";
	int			 fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	CU_ASSERT(send_str(fd, "POST /upload HTTP/1.1\r\n"
	    "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n") == 0);
	CU_ASSERT(harness_read(fd, buf, sizeof(cont) - 1) == 0);
	CU_ASSERT(strcmp(buf, cont) == 0);
	CU_ASSERT(ask(fd, "hello", &r, false) == 0);
	CU_ASSERT(r.status == 200 && strncmp(r.body, "len=5 ", 6) == 0);
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, "POST /no-continue HTTP/1.1\r\n"
	    "Expect: 100-continue\r\nContent-Length: 2\r\n\r\nhi", &r,
	    false) == 0);
	CU_ASSERT(r.status == 200 && strncmp(r.body, "len=2 ", 6) == 0);
	httpc_resp_free(&r);
	close(fd);
	harness_free(h);
}

/* HEAD: GET's headers, no body, the connection still in step. */
static void
test_origin_head(void)
{
	struct harness		*h = start(NULL, NULL);
	struct httpc_resp	 r;
	int			 fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	CU_ASSERT(ask(fd, "HEAD /size/1099511627776 HTTP/1.1\r\n\r\n", &r,
	    true) == 0);
	CU_ASSERT(has_header(&r, "Content-Length", "1099511627776"));
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, "HEAD /chunked/1000 HTTP/1.1\r\n\r\n", &r,
	    true) == 0);
	CU_ASSERT(has_header(&r, "Transfer-Encoding", "chunked"));
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, "HEAD / HTTP/1.1\r\n\r\n", &r, true) == 0);
	CU_ASSERT(has_header(&r, "Content-Length", "10"));
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, "GET / HTTP/1.1\r\n\r\n", &r, false) == 0);
	CU_ASSERT(r.status == 200 && strcmp(r.body, "backend o\n") == 0);
	CU_ASSERT(has_header(&r, "X-Backend-Req", "4"));
	httpc_resp_free(&r);
	close(fd);
	harness_free(h);
}

/* 101, then every byte back; without the headers a 400. */
static void
test_origin_upgrade(void)
{
	struct harness		*h = start(NULL, NULL);
	struct httpc_resp	 r;
	char			 buf[16] = "";
	int			 fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	CU_ASSERT(ask(fd, "GET /upgrade HTTP/1.1\r\n\r\n", &r, false) == 0);
	CU_ASSERT(r.status == 400);
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, "GET /upgrade HTTP/1.1\r\nUpgrade: websocket\r\n"
	    "Connection: keep-alive, Upgrade\r\n\r\nearly ", &r, true) == 0);
	CU_ASSERT(r.status == 101);
	CU_ASSERT(has_header(&r, "Upgrade", "websocket"));
	CU_ASSERT(has_header(&r, "Connection", "Upgrade"));
	httpc_resp_free(&r);
	CU_ASSERT(send_str(fd, "ping") == 0);
	CU_ASSERT(harness_read(fd, buf, 10) == 0);
	CU_ASSERT(memcmp(buf, "early ping", 10) == 0);
	CU_ASSERT(shutdown(fd, SHUT_WR) == 0);
	CU_ASSERT(harness_wait_closed(fd, 2000) != -1);
	close(fd);
	harness_free(h);
}

/* -k: requests within the idle time keep it open; then it closes. */
static void
test_origin_idle(void)
{
	struct harness		*h = start("-k", "300");
	struct httpc_resp	 r;
	long			 ms;
	int			 fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	for (int i = 0; i < 3; i++) {
		harness_sleep_ms(IDLE_MS / 2);
		CU_ASSERT(ask(fd, "GET / HTTP/1.1\r\n\r\n", &r, false) == 0);
		CU_ASSERT(r.status == 200);
		httpc_resp_free(&r);
	}
	ms = harness_wait_closed(fd, 10 * IDLE_MS);
	CU_ASSERT(ms >= IDLE_MS - 50 && ms < 10 * IDLE_MS);
	close(fd);
	harness_free(h);
}

/* -m 2: the second answer says close, and the connection ends. */
static void
test_origin_max(void)
{
	struct harness		*h = start("-m", "2");
	struct httpc_resp	 r;
	int			 fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	CU_ASSERT(ask(fd, "GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n"
	    "GET / HTTP/1.1\r\n\r\n", &r, false) == 0);
	CU_ASSERT(!httpc_header(&r, "Connection", NULL, 0));
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, NULL, &r, false) == 0);
	CU_ASSERT(has_header(&r, "Connection", "close"));
	CU_ASSERT(has_header(&r, "X-Backend-Req", "2"));
	httpc_resp_free(&r);
	CU_ASSERT(harness_wait_closed(fd, 2000) != -1);
	close(fd);
	harness_free(h);
}

/* -1: HTTP/1.0 answers, a close after each; chunked becomes close. */
static void
test_origin_http10(void)
{
	struct harness		*h = start("-1", NULL);
	struct httpc_resp	 r;
	int			 fd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	CU_ASSERT(ask(fd, "GET / HTTP/1.1\r\n\r\n", &r, false) == 0);
	CU_ASSERT(strncmp(r.head, "HTTP/1.0 200 OK\r\n", 17) == 0);
	CU_ASSERT(has_header(&r, "Connection", "close"));
	httpc_resp_free(&r);
	CU_ASSERT(harness_wait_closed(fd, 2000) != -1);
	close(fd);
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	CU_ASSERT(ask(fd, "GET /chunked/3000 HTTP/1.1\r\n\r\n", &r,
	    false) == 0);
	CU_ASSERT(!httpc_header(&r, "Transfer-Encoding", NULL, 0));
	CU_ASSERT(r.bodylen == 3000 && is_pattern(r.body, 3000, 0));
	httpc_resp_free(&r);
	close(fd);
	harness_free(h);
}

/* The error paths: bad answers, resets, silence, limits, slowness. */
static void
test_origin_errors(void)
{
	struct harness		*h = start(NULL, NULL);
	struct httpc_resp	 r;
	static char		 big[70 * 1024 + 1];
	char			 line[64], c;
	uint64_t		 start;
	int			 fd, slow;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	CU_ASSERT(send_str(fd, "GET /bad HTTP/1.1\r\n\r\n") == 0);
	CU_ASSERT(harness_read_line(fd, line, sizeof(line)) > 0);
	CU_ASSERT(strcmp(line, "HTTP/1.1 2x0 OK\r") == 0);
	close(fd);
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	CU_ASSERT(send_str(fd, "GET /reset HTTP/1.1\r\n\r\n") == 0);
	errno = 0;
	CU_ASSERT(read(fd, &c, 1) == -1 && errno == ECONNRESET);
	close(fd);
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	CU_ASSERT(send_str(fd, "GET /hang HTTP/1.1\r\n\r\n") == 0);
	CU_ASSERT(!readable_within(fd, QUIET_MS));
	close(fd);
	/* Over 64 KiB of head: 431 and a close. */
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	CU_ASSERT(ask(fd, big, &r, false) == 0);
	CU_ASSERT(r.status == 431 && has_header(&r, "Connection", "close"));
	httpc_resp_free(&r);
	close(fd);
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	CU_ASSERT(ask(fd, "garbage\r\n\r\n", &r, false) == 0);
	CU_ASSERT(r.status == 400 && has_header(&r, "Connection", "close"));
	httpc_resp_free(&r);
	close(fd);
	/* /slow holds its answer SLOW_MS, and not the others'. */
	start = clock_ms();
	CU_ASSERT_FATAL((slow = dial(h)) != -1);
	CU_ASSERT(send_str(slow, "GET /slow/" SLOW_MS " HTTP/1.1\r\n\r\n") ==
	    0);
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	CU_ASSERT(ask(fd, "GET / HTTP/1.1\r\n\r\n", &r, false) == 0);
	httpc_resp_free(&r);
	CU_ASSERT(clock_ms() - start < (uint64_t)atoi(SLOW_MS));
	CU_ASSERT(ask(slow, NULL, &r, false) == 0);
	CU_ASSERT(clock_ms() - start >= (uint64_t)atoi(SLOW_MS));
	CU_ASSERT(r.status == 200 && strcmp(r.body, "backend o\n") == 0);
	httpc_resp_free(&r);
	close(fd);
	close(slow);
	harness_free(h);
}

/* Many connections at once, each answered in about SLOW_MS, not in turn. */
static void
test_origin_many(void)
{
	struct harness		*h = start(NULL, NULL);
	struct httpc_resp	 r;
	static int		 fds[MANY];
	uint64_t		 start;
	int			 ok = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	start = clock_ms();
	for (int i = 0; i < MANY; i++)
		if ((fds[i] = dial(h)) == -1 || send_str(fds[i],
		    "GET /slow/" SLOW_MS " HTTP/1.1\r\n\r\n") == -1)
			CU_FAIL("connect or send");
	for (int i = 0; i < MANY; i++) {
		if (fds[i] == -1)
			continue;
		if (ask(fds[i], NULL, &r, false) == 0 && r.status == 200)
			ok++;
		httpc_resp_free(&r);
		close(fds[i]);
	}
	CU_ASSERT_EQUAL(ok, MANY);
	CU_ASSERT(clock_ms() - start < 4 * (uint64_t)atoi(SLOW_MS));
	harness_free(h);
}

/* -L: one line per request, framing, body length, CRC and numbers. */
static void
test_origin_log(void)
{
	struct harness		*h = start(NULL, NULL);
	struct httpc_resp	 r;
	char			 want[512];
	int			 fd, fd2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_FATAL((fd = dial(h)) != -1);
	CU_ASSERT_FATAL((fd2 = dial(h)) != -1);
	CU_ASSERT(ask(fd, "GET /x?y=1 HTTP/1.1\r\n\r\n", &r, false) == 0);
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd2, "POST /upload HTTP/1.1\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", &r, false) == 0);
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, "PUT /upload HTTP/1.1\r\nContent-Length: 2\r\n\r\n"
	    "hi", &r, false) == 0);
	httpc_resp_free(&r);
	/* A body cut short by the client's close. */
	CU_ASSERT(send_str(fd2, "POST /upload HTTP/1.1\r\n"
	    "Content-Length: 10\r\n\r\nabc") == 0);
	close(fd2);
	snprintf(want, sizeof(want), "GET /x?y=1 - 0 00000000 1 1\n"
	    "POST /upload chunked 5 %08" PRIx32 " 2 1\n"
	    "PUT /upload 2 2 %08" PRIx32 " 1 2\n"
	    "POST /upload 10 3 %08" PRIx32 " 2 2 aborted\n",
	    origin_crc32(0, "hello", 5), origin_crc32(0, "hi", 2),
	    origin_crc32(0, "abc", 3));
	CU_ASSERT(log_is(h, want));
	close(fd);
	harness_free(h);
}

int
t_origin_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("origin", NULL, NULL)) == NULL ||
	    CU_add_test(s, "keep-alive, numbered", test_origin_keepalive) ==
	    NULL ||
	    CU_add_test(s, "pipelined, in order", test_origin_pipeline) ==
	    NULL ||
	    CU_add_test(s, "size, chunked, close", test_origin_bodies) ==
	    NULL ||
	    CU_add_test(s, "upload length and crc", test_origin_upload) ==
	    NULL ||
	    CU_add_test(s, "100-continue", test_origin_continue) == NULL ||
	    CU_add_test(s, "HEAD", test_origin_head) == NULL ||
	    CU_add_test(s, "101 and echo tunnel", test_origin_upgrade) ==
	    NULL ||
	    CU_add_test(s, "-k idle close", test_origin_idle) == NULL ||
	    CU_add_test(s, "-m requests per connection", test_origin_max) ==
	    NULL ||
	    CU_add_test(s, "-1 HTTP/1.0", test_origin_http10) == NULL ||
	    CU_add_test(s, "error paths", test_origin_errors) == NULL ||
	    CU_add_test(s, "many connections at once", test_origin_many) ==
	    NULL ||
	    CU_add_test(s, "-L request log", test_origin_log) == NULL)
		return (-1);
	return (0);
}
