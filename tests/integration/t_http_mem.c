/*
 * HTTP mode, memory per idle keep-alive client (issue 12): a client
 * between requests holds no request or response buffer, so a thousand
 * of them cost the workers little more than their connection structs.
 *
 * Config: service "web" in mode http with one origin backend "a",
 * defaults otherwise (max_header_size 16 KiB).
 * Client: N keep-alive connections (1,000, fewer when our descriptor
 * limit is short), each sending one GET and reading its 200, all left
 * open.
 * Expect: the workers' and master's RSS grows by at most 4 KiB per
 * connection (8 KiB under ASan, whose redzones and shadow cost more);
 * before buffers were lent, each client kept about 28 KiB.
 *
 * And heads past the lent 16 KiB buffers still pass whole: with
 * max_header_size 64 KiB, a 40 KiB request head with a small request
 * pipelined behind it in the same write, answered by a backend the test
 * serves with a 30 KiB response head, then the small one.
 */
#include <sys/resource.h>

#include <poll.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "../cunit_run.h"
#include "harness.h"
#include "httpc.h"

#define NCONN	1000
#define BIGREQ	40000		/* bytes of X-Big in the request */
#define BIGRESP	30000		/* bytes of X-Big in the response */
#define GET	"GET / HTTP/1.1\r\nHost: t\r\n\r\n"

/* One GET on fd, answered 200 with the connection kept open? */
static bool
get_ok(int fd)
{
	struct httpc_resp	r;
	bool			ok;

	memset(&r, 0, sizeof(r));
	ok = harness_write(fd, GET, strlen(GET)) == 0 &&
	    httpc_read(fd, &r, false) == 0 && r.status == 200;
	httpc_resp_free(&r);
	return (ok);
}

/* How many clients our descriptor limit leaves room for. */
static int
clients_max(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < 128)
		return (0);
	return (rl.rlim_cur - 64 < NCONN ? (int)rl.rlim_cur - 64 : NCONN);
}

static void
test_idle_rss(void)
{
	struct harness	*h = harness_new();
	int		 fds[NCONN], n = clients_max(), ok = 0, warm;
	long		 base, after, per, bound;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	if (n < 200) {
		cunit_skip("descriptor limit below 264");
		harness_free(h);
		return;
	}
	snprintf(h->mode, sizeof(h->mode), "http");
	if (harness_backend(h, "a", 1, "origin", "-n", "a", NULL) == -1 ||
	    harness_start(h, NULL) != 0) {
		CU_FAIL("setup");
		harness_free(h);
		return;
	}
	/* Warm the pools and the backend connections first. */
	for (int i = 0; i < 8; i++) {
		if ((warm = harness_connect(h->port)) != -1 && get_ok(warm))
			ok++;
		if (warm != -1)
			close(warm);
	}
	CU_ASSERT_EQUAL(ok, 8);
	base = harness_rss_kb(h);
	ok = 0;
	for (int i = 0; i < n; i++)
		if ((fds[i] = harness_connect(h->port)) != -1 && get_ok(fds[i]))
			ok++;
	after = harness_rss_kb(h);
	CU_ASSERT_EQUAL(ok, n);
	CU_ASSERT(base > 0 && after > 0);
	per = (after - base) * 1024 / n;
	bound = harness_asan() ? 8192 : 4096;
	fprintf(stderr, "\n%d idle clients: RSS %ld -> %ld KiB, %ld bytes "
	    "each (bound %ld)\n", n, base, after, per, bound);
	CU_ASSERT(per <= bound);
	for (int i = 0; i < n; i++)
		if (fds[i] != -1)
			close(fds[i]);
	harness_free(h);
}

/*
 * Read from fd until buf holds end (or len bytes, or a read fails within
 * the socket's timeout); the bytes read.
 */
static size_t
read_until(int fd, char *buf, size_t len, const char *end)
{
	size_t	got = 0;
	ssize_t	n;

	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0) {
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, end) != NULL)
			break;
	}
	buf[got] = '\0';
	return (got);
}

/*
 * Wait (3 s at most) for lbd's next request on *bfd, or on a new
 * connection to lfd, and read its head into buf; its length, 0 if none.
 */
static size_t
backend_take(int lfd, int *bfd, char *buf, size_t len)
{
	struct pollfd	pfd[2] = { { .fd = lfd, .events = POLLIN },
			    { .fd = *bfd, .events = POLLIN } };
	struct timeval	tv = { .tv_sec = 3 };

	if (poll(pfd, 2, 3000) < 1)
		return (0);
	if (pfd[0].revents & POLLIN) {
		if (*bfd != -1)
			close(*bfd);
		if ((*bfd = accept(lfd, NULL, NULL)) == -1)
			return (0);
		setsockopt(*bfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	return (read_until(*bfd, buf, len, "\r\n\r\n"));
}

static void
test_big_heads(void)
{
	struct harness	*h = harness_new();
	const char	 small[] = "GET /next HTTP/1.1\r\nHost: t\r\n\r\n";
	const char	 ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
			    "\r\nok";
	size_t		 len = BIGREQ + BIGRESP + 1024, n;
	char		*req = malloc(len), *buf = malloc(len);
	int		 lfd, port, fd = -1, bfd = -1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_FATAL(req != NULL && buf != NULL);
	if ((lfd = harness_listen(&port)) == -1) {
		CU_FAIL("listen");
		goto done;
	}
	snprintf(h->mode, sizeof(h->mode), "http");
	harness_port_backend(h, "a", 1, port);
	if (harness_start(h, "health = { type = \"none\"; }; "
	    "http = { max_header_size = 65536; };") != 0 ||
	    (fd = harness_connect(h->port)) == -1) {
		CU_FAIL("setup");
		goto done;
	}
	/* The big request and the small one behind it, in one write. */
	n = (size_t)snprintf(req, len, "GET /big HTTP/1.1\r\nHost: t\r\n"
	    "X-Big: ");
	memset(req + n, 'a', BIGREQ);
	n += BIGREQ;
	n += (size_t)snprintf(req + n, len - n, "\r\n\r\n%s", small);
	CU_ASSERT_FATAL(harness_write(fd, req, n) == 0);
	n = backend_take(lfd, &bfd, buf, len);
	CU_ASSERT(n > BIGREQ && strncmp(buf, "GET /big ", 9) == 0 &&
	    strstr(buf, "/next") == NULL);
	/* A 30 KiB response head back. */
	n = (size_t)snprintf(req, len, "HTTP/1.1 200 OK\r\nContent-Length: 2"
	    "\r\nX-Big: ");
	memset(req + n, 'b', BIGRESP);
	n += BIGRESP;
	n += (size_t)snprintf(req + n, len - n, "\r\n\r\nok");
	CU_ASSERT_FATAL(bfd != -1 && harness_write(bfd, req, n) == 0);
	n = read_until(fd, buf, len, "\r\n\r\nok");
	CU_ASSERT(n > BIGRESP && strncmp(buf, "HTTP/1.1 200 ", 13) == 0 &&
	    strstr(buf, "\r\n\r\nok") != NULL);
	/* Then the pipelined one, kept past the big head. */
	n = backend_take(lfd, &bfd, buf, len);
	CU_ASSERT(n > 0 && strncmp(buf, "GET /next ", 10) == 0);
	CU_ASSERT_FATAL(bfd != -1 && harness_write(bfd, ok, strlen(ok)) == 0);
	n = read_until(fd, buf, len, "\r\n\r\nok");
	CU_ASSERT(strncmp(buf, "HTTP/1.1 200 ", 13) == 0 &&
	    strstr(buf, "\r\n\r\nok") != NULL);
done:
	if (fd != -1)
		close(fd);
	if (bfd != -1)
		close(bfd);
	if (lfd != -1)
		close(lfd);
	free(req);
	free(buf);
	harness_free(h);
}

int
t_http_mem_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("http_mem", NULL, NULL)) == NULL ||
	    CU_add_test(s, "idle keep-alive clients hold no buffers",
	    test_idle_rss) == NULL ||
	    CU_add_test(s, "heads past the lent buffers pass whole",
	    test_big_heads) == NULL)
		return (-1);
	return (0);
}
