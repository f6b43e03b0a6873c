/*
 * HTTP mode, the pool of idle backend connections (SPEC "HTTP mode"):
 * requests go out on a kept connection, and one the backend or lbd
 * closed while idle is never used.
 *
 * Config: service "web" in mode http with one origin backend "a" (which
 * names its connection in X-Backend-Conn), pool and backend_keepalive as
 * each test says; origin closes connections idle 200 ms in one test.
 * Client: one keep-alive connection, GET / (or POST /, which lbd never
 * sends twice) a few times in turn, pausing between requests where a
 * test says.
 * Expect: the same backend connection for every request while it is
 * kept, pauses included; a new one (and a 200 to the POST, never a 502)
 * once the backend closed it or lbd let it expire; a new one per request
 * with http.pool = 0.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "httpc.h"

#define GET	"GET / HTTP/1.1\r\nHost: t\r\n\r\n"
#define POST	"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"

/*
 * lbd in http mode with opts before origin "a" given arg (NULL none);
 * NULL, the test failed, when something did not start.
 */
static struct harness *
setup(const char *opts, const char *opt, const char *val)
{
	struct harness	*h = harness_new();

	if (h != NULL) {
		snprintf(h->mode, sizeof(h->mode), "http");
		if (harness_backend(h, "a", 1, "origin", "-n", "a", opt, val,
		    NULL) != -1 && harness_start(h, opts) == 0)
			return (h);
	}
	CU_FAIL("setup");
	harness_free(h);
	return (NULL);
}

/*
 * Send req on fd and read the answer: the backend connection number
 * origin gave it (X-Backend-Conn), or -1 when no 200 came.
 */
static int
backend_conn(int fd, const char *req)
{
	struct httpc_resp	r;
	char			v[32];
	int			conn = -1;

	memset(&r, 0, sizeof(r));
	if (harness_write(fd, req, strlen(req)) == 0 &&
	    httpc_read(fd, &r, false) == 0 && r.status == 200 &&
	    httpc_header(&r, "X-Backend-Conn", v, sizeof(v)))
		conn = atoi(v);
	httpc_resp_free(&r);
	return (conn);
}

/*
 * n requests in turn on one client connection, pause_ms apart, GET but
 * for the last when post; the backend connection of each into conns.
 * 0, or -1 when lbd is not up.
 */
static int
run(const struct harness *h, int *conns, int n, long pause_ms, bool post)
{
	int	fd;

	if ((fd = harness_connect(h->port)) == -1)
		return (-1);
	for (int i = 0; i < n; i++) {
		if (i > 0)
			harness_sleep_ms(pause_ms);
		conns[i] = backend_conn(fd, post && i == n - 1 ? POST : GET);
	}
	close(fd);
	return (0);
}

/* Kept: four requests, 300 ms apart, one backend connection. */
static void
test_reused(void)
{
	struct harness	*h = setup(NULL, NULL, NULL);
	int		 conns[4];

	if (h == NULL)
		return;
	CU_ASSERT_EQUAL_FATAL(run(h, conns, 4, 300, false), 0);
	CU_ASSERT(conns[0] >= 1);
	for (int i = 1; i < 4; i++)
		CU_ASSERT_EQUAL(conns[i], conns[0]);
	harness_free(h);
}

/* http.pool = 0: a new backend connection for every request. */
static void
test_pool_zero(void)
{
	struct harness	*h = setup("http = { pool = 0; };", NULL, NULL);
	int		 conns[3];

	if (h == NULL)
		return;
	CU_ASSERT_EQUAL_FATAL(run(h, conns, 3, 0, false), 0);
	CU_ASSERT(conns[0] >= 1);
	CU_ASSERT(conns[1] > conns[0]);
	CU_ASSERT(conns[2] >= 1);
	harness_free(h);
}

/*
 * origin closes a connection idle 200 ms: after a 500 ms pause lbd has
 * seen that close, so the POST goes on a new connection and gets its 200
 * (on the closed one it would get a 502: a POST is never resent);
 * without a pause the kept one serves.
 */
static void
test_backend_closed(void)
{
	struct harness	*h = setup(NULL, "-k", "200");
	int		 conns[4];

	if (h == NULL)
		return;
	CU_ASSERT_EQUAL_FATAL(run(h, conns, 2, 500, true), 0);
	CU_ASSERT(conns[0] >= 1);
	CU_ASSERT(conns[1] > conns[0]);
	CU_ASSERT_EQUAL_FATAL(run(h, conns + 2, 2, 0, true), 0);
	CU_ASSERT(conns[2] >= 1);
	CU_ASSERT_EQUAL(conns[3], conns[2]);
	harness_free(h);
}

/*
 * backend_keepalive 150 ms: at once the kept one serves; after 400 ms lbd
 * has let it go (origin would have kept it), and connects anew.
 */
static void
test_expired(void)
{
	struct harness	*h = setup("timeouts = { backend_keepalive = "
			    "\"150ms\"; };", NULL, NULL);
	int		 conns[3];

	if (h == NULL)
		return;
	CU_ASSERT_EQUAL_FATAL(run(h, conns, 3, 0, false), 0);
	CU_ASSERT(conns[0] >= 1);
	CU_ASSERT_EQUAL(conns[1], conns[0]);
	CU_ASSERT_EQUAL_FATAL(run(h, conns, 2, 400, false), 0);
	CU_ASSERT(conns[0] >= 1);
	CU_ASSERT(conns[1] > conns[0]);
	harness_free(h);
}

int
t_http_pool_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("http_pool", NULL, NULL)) == NULL ||
	    CU_add_test(s, "a kept backend connection serves each request",
	    test_reused) == NULL ||
	    CU_add_test(s, "http.pool = 0: a new connection per request",
	    test_pool_zero) == NULL ||
	    CU_add_test(s, "closed by the backend while idle: not used",
	    test_backend_closed) == NULL ||
	    CU_add_test(s, "past backend_keepalive: not used",
	    test_expired) == NULL)
		return (-1);
	return (0);
}
