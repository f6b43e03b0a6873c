/*
 * Metrics: every counter of GET /metrics equals what the clients did, and
 * the body is well-formed exposition text.
 *
 * Config: service "web" with identity backends "a" and "b" (weight 1,
 * roundrobin); service "dead" whose backends "x" and "y" listen nowhere,
 * with retries = 0 and no active or passive checks, so that each client
 * costs exactly one connect.  Client: 10 connections to web one after
 * another, connection i reading the greeting (which names its backend),
 * then sending SIZES[i] bytes in chunks and reading each chunk back, then
 * closing its side and waiting for lbd's close; then 3 connections to
 * dead, each closed by lbd.  Expect, once nothing is open: per backend
 * connections_total, bytes_in_total (the client's bytes),
 * bytes_out_total (greeting and echo), connect_failures_total (0 for a
 * and b, x + y = 3) and active 0; per service connections_total (web 10,
 * dead 3), rejected_total (0, 3) and active 0; lbd_workers 2; no restart,
 * no reload.  The whole body passes the strict checker of expo.c, with
 * every series SPEC names and the type its name implies; the checker
 * itself passes good bodies and fails each of a set of bad ones.
 *
 * HTTP mode: service "web" in mode http before origin backend "a"; on one
 * keep-alive connection /status/200 three times, /status/404 and
 * /status/503, then on another a request without Host (lbd's 400).
 * Expect lbd_http_requests_total 6, responses 2xx 3, 4xx 2, 5xx 1, the
 * backend's 2xx 3, 4xx 1, 5xx 1, a duration histogram of count 6 whose
 * +Inf bucket is 6, no retry, 1 to 4 requests on a reused connection
 * and at most one idle, the same counts in /status.json, and a body
 * that passes the checker; the tcp-mode service of the first tests has
 * no HTTP family at all.
 */
#include <sys/socket.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "expo.h"
#include "harness.h"
#include "httpc.h"

#define NCONN		10
#define NDEAD		3
#define CHUNK		4096
#define QUIET_MS	5000	/* for active counts to reach 0 */

static const size_t sizes[NCONN] = {
	1, 10, 100, 1000, 4096, 5000, 9999, 33333, 65536, 100000
};

/* What one backend should show. */
struct expect {
	unsigned long long	conns;
	unsigned long long	in;
	unsigned long long	out;
};

/* Byte k of connection i: a pattern of its own. */
static char
pattern(size_t i, size_t k)
{
	return ((char)('!' + (i * 31 + k * 7) % 90));
}

/* Send size bytes a chunk at a time, reading each back; 0 or -1. */
static int
exchange(int fd, size_t i, size_t size)
{
	char	out[CHUNK], in[CHUNK];
	size_t	off, n;

	for (off = 0; off < size; off += n) {
		n = size - off < CHUNK ? size - off : CHUNK;
		for (size_t k = 0; k < n; k++)
			out[k] = pattern(i, off + k);
		if (harness_write(fd, out, n) == -1 ||
		    harness_read(fd, in, n) == -1 || memcmp(in, out, n) != 0)
			return (-1);
	}
	return (0);
}

/*
 * Connection i to web: greeting, exchange, half-close, wait for lbd's
 * close; counted in ex[] under the backend it reached.  0 or -1.
 */
static int
one_conn(const struct harness *h, size_t i, struct expect ex[])
{
	char	name[32];
	int	fd, rc = -1;
	size_t	b;

	if ((fd = harness_connect(h->port)) == -1)
		return (-1);
	if (harness_read_line(fd, name, sizeof(name)) == -1)
		goto done;
	for (b = 0; b < h->nbackends; b++)
		if (strcmp(h->backends[b].name, name) == 0)
			break;
	if (b == h->nbackends || exchange(fd, i, sizes[i]) == -1 ||
	    shutdown(fd, SHUT_WR) == -1 || harness_wait_closed(fd, 5000) == -1)
		goto done;
	ex[b].conns++;
	ex[b].in += sizes[i];
	ex[b].out += sizes[i] + strlen(name) + 1;
	rc = 0;
done:
	close(fd);
	return (rc);
}

/* Add service "dead" with two backends nowhere; its port. */
static int
add_dead_service(struct harness *h)
{
	int	port;

	do {
		port = harness_free_port();
	} while (port == h->port || port == h->stats_port);
	snprintf(h->services, sizeof(h->services), "{ name = \"dead\"; "
	    "listen = \"127.0.0.1:%d\"; retries = 0;\n"
	    "  health = { type = \"none\"; max_fails = 0; };\n"
	    "  backends = ( { name = \"x\"; address = \"127.0.0.1:%d\"; },\n"
	    "    { name = \"y\"; address = \"127.0.0.1:%d\"; } ); }", port,
	    harness_free_port(), harness_free_port());
	return (port);
}

/* The body of GET /metrics, to free; NULL on failure. */
static char *
get_metrics(const struct harness *h)
{
	struct httpc_resp	r;

	if (httpc_get(h->stats_port, "GET", "/metrics", &r) == -1 ||
	    r.status != 200) {
		httpc_resp_free(&r);
		return (NULL);
	}
	return (r.body);
}

/* The value of the series printf'd from fmt; -1 when absent. */
static double	value(const char *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static double
value(const char *body, const char *fmt, ...)
{
	char	series[256];
	double	v;
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(series, sizeof(series), fmt, ap);
	va_end(ap);
	return (expo_value(body, series, &v) ? v : -1);
}

#define BE	"{service=\"%s\",backend=\"%s\"}"
#define SVC	"{service=\"%s\"}"

static void
check_backend(const char *body, const char *svc, const char *be,
    const struct expect *ex)
{
	CU_ASSERT_EQUAL(value(body, "lbd_backend_connections_total" BE, svc,
	    be), (double)ex->conns);
	CU_ASSERT_EQUAL(value(body, "lbd_backend_bytes_in_total" BE, svc, be),
	    (double)ex->in);
	CU_ASSERT_EQUAL(value(body, "lbd_backend_bytes_out_total" BE, svc,
	    be), (double)ex->out);
	CU_ASSERT_EQUAL(value(body, "lbd_backend_active_connections" BE, svc,
	    be), 0);
}

static void
check_services(const char *body)
{
	CU_ASSERT_EQUAL(value(body, "lbd_service_connections_total" SVC,
	    "web"), NCONN);
	CU_ASSERT_EQUAL(value(body, "lbd_service_rejected_total" SVC, "web"),
	    0);
	CU_ASSERT_EQUAL(value(body, "lbd_service_active_connections" SVC,
	    "web"), 0);
	CU_ASSERT_EQUAL(value(body, "lbd_service_connections_total" SVC,
	    "dead"), NDEAD);
	CU_ASSERT_EQUAL(value(body, "lbd_service_rejected_total" SVC,
	    "dead"), NDEAD);
	CU_ASSERT_EQUAL(value(body, "lbd_service_active_connections" SVC,
	    "dead"), 0);
	CU_ASSERT_EQUAL(value(body, "lbd_workers"), 2);
	CU_ASSERT_EQUAL(value(body, "lbd_worker_restarts_total"), 0);
	CU_ASSERT_EQUAL(value(body, "lbd_reloads_total"), 0);
}

/* Per-backend counters of web and dead, and the response times. */
static void
check_backends(const char *body, const struct expect ex[])
{
	static const struct expect	none;
	double				fx, fy, rt;

	check_backend(body, "web", "a", &ex[0]);
	check_backend(body, "web", "b", &ex[1]);
	CU_ASSERT_EQUAL(ex[0].conns + ex[1].conns, NCONN);
	CU_ASSERT_EQUAL(value(body, "lbd_backend_connect_failures_total" BE,
	    "web", "a"), 0);
	CU_ASSERT_EQUAL(value(body, "lbd_backend_connect_failures_total" BE,
	    "web", "b"), 0);
	check_backend(body, "dead", "x", &none);
	check_backend(body, "dead", "y", &none);
	/* Round robin over two backends: 2 and 1, in either order. */
	fx = value(body, "lbd_backend_connect_failures_total" BE, "dead", "x");
	fy = value(body, "lbd_backend_connect_failures_total" BE, "dead", "y");
	CU_ASSERT_EQUAL(fx + fy, NDEAD);
	CU_ASSERT((fx == 1 && fy == 2) || (fx == 2 && fy == 1));
	for (int i = 0; i < 2; i++) {
		rt = value(body, "lbd_backend_response_time_seconds" BE, "web",
		    i == 0 ? "a" : "b");
		CU_ASSERT(rt > 0 && rt < 1);
		CU_ASSERT_EQUAL(value(body, "lbd_backend_up" BE, "web",
		    i == 0 ? "a" : "b"), 1);
	}
}

/* Run the connections; the harness (to free) or NULL when lbd failed. */
static struct harness *
run_traffic(struct expect ex[])
{
	struct harness	*h = harness_new();
	int		 dport, fd;

	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	harness_backend(h, "b", 1, "identity", "-n", "b", NULL);
	dport = add_dead_service(h);
	if (harness_start(h, NULL) == -1) {
		harness_free(h);
		return (NULL);
	}
	for (size_t i = 0; i < NCONN; i++)
		CU_ASSERT_EQUAL(one_conn(h, i, ex), 0);
	for (int i = 0; i < NDEAD; i++) {
		CU_ASSERT((fd = harness_connect(dport)) != -1);
		if (fd != -1) {
			CU_ASSERT(harness_wait_closed(fd, 5000) >= 0);
			close(fd);
		}
	}
	CU_ASSERT_EQUAL(harness_metric_wait(h, "lbd_service_active_"
	    "connections{service=\"web\"}", 0, QUIET_MS), 0);
	CU_ASSERT_EQUAL(harness_metric_wait(h, "lbd_service_active_"
	    "connections{service=\"dead\"}", 0, QUIET_MS), 0);
	return (h);
}

/* Run the connections, then GET /metrics; the harness, or NULL. */
static struct harness *
traffic_metrics(struct expect ex[], char **body)
{
	struct harness	*h;

	if ((h = run_traffic(ex)) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	if ((*body = get_metrics(h)) == NULL) {
		CU_FAIL("GET /metrics");
		harness_free(h);
		return (NULL);
	}
	return (h);
}

static void
test_counters_exact(void)
{
	struct expect	 ex[2];
	struct harness	*h;
	char		*body;

	memset(ex, 0, sizeof(ex));
	if ((h = traffic_metrics(ex, &body)) == NULL)
		return;
	check_backends(body, ex);
	check_services(body);
	free(body);
	harness_free(h);
}

/* Every series SPEC names, with the type its name implies. */
static void
check_spec_series(const char *body)
{
	static const char *const be[] = {
		"lbd_backend_up", "lbd_backend_active_connections",
		"lbd_backend_connections_total",
		"lbd_backend_connect_failures_total",
		"lbd_backend_bytes_in_total", "lbd_backend_bytes_out_total",
		"lbd_backend_response_time_seconds"
	}, *const svc[] = {
		"lbd_service_active_connections",
		"lbd_service_connections_total", "lbd_service_rejected_total"
	}, *const global[] = {
		"lbd_workers", "lbd_worker_restarts_total", "lbd_reloads_total"
	};
	char	type[32];

	for (size_t i = 0; i < sizeof(be) / sizeof(be[0]); i++) {
		CU_ASSERT(value(body, "%s" BE, be[i], "web", "a") >= 0);
		CU_ASSERT(value(body, "%s" BE, be[i], "web", "b") >= 0);
		CU_ASSERT(value(body, "%s" BE, be[i], "dead", "x") >= 0);
		CU_ASSERT(value(body, "%s" BE, be[i], "dead", "y") >= 0);
	}
	for (size_t i = 0; i < sizeof(svc) / sizeof(svc[0]); i++) {
		CU_ASSERT(value(body, "%s" SVC, svc[i], "web") >= 0);
		CU_ASSERT(value(body, "%s" SVC, svc[i], "dead") >= 0);
	}
	for (size_t i = 0; i < sizeof(global) / sizeof(global[0]); i++)
		CU_ASSERT(value(body, "%s", global[i]) >= 0);
	CU_ASSERT(expo_type(body, "lbd_backend_bytes_in_total", type,
	    sizeof(type)) && strcmp(type, "counter") == 0);
	CU_ASSERT(expo_type(body, "lbd_backend_up", type, sizeof(type)) &&
	    strcmp(type, "gauge") == 0);
	CU_ASSERT(expo_type(body, "lbd_workers", type, sizeof(type)) &&
	    strcmp(type, "gauge") == 0);
}

static void
test_body_well_formed(void)
{
	struct expect	 ex[2];
	struct harness	*h;
	char		*body, err[256] = "";

	memset(ex, 0, sizeof(ex));
	if ((h = traffic_metrics(ex, &body)) == NULL)
		return;
	if (expo_check(body, err, sizeof(err)) == -1) {
		fprintf(stderr, "\nexposition check: %s\n", err);
		CU_FAIL("GET /metrics is not well-formed");
	}
	check_spec_series(body);
	/* No service in http mode: no HTTP family. */
	CU_ASSERT_PTR_NULL(strstr(body, "lbd_http_"));
	free(body);
	harness_free(h);
}

#define HT(n, t)	"# HELP " n " Help.\n# TYPE " n " " t "\n"

/* Bodies the checker must pass: escapes, histogram, NaN, timestamps. */
static const char *const good[] = {
	"",
	HT("m_total", "counter") "m_total{a=\"1\",b=\"x\\\\y\\\"z\\n\"} 1\n"
	"m_total{a=\"2\",} 2.5e3 1700000000000\n",
	"# a plain comment\n" HT("g", "gauge") "g NaN\n\ng{x=\"1\"} +Inf\n"
	"g{x=\"2\"} -Inf\n# HELP h A histogram, with \\\\ and \\n.\n"
	"# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 3\n"
	"h_sum 4.5\nh_count 3\n",
	HT("s", "summary") "s{quantile=\"0.5\"} 1\ns_sum 2\ns_count 3\n",
};

/* Bodies it must fail, and a word its message must hold. */
static const struct {
	const char	*body;
	const char	*why;
} bad[] = {
	{ HT("m_total", "counter") "m_total{a=\"1\",b=\"2\"} 1\n"
	    "m_total{b=\"2\",a=\"1\"} 2\n", "twice" },
	{ HT("m", "gauge") "m{a=\"x\\q\"} 1\n", "escape" },
	{ HT("m", "gauge") "m{a=\"x\"y\"} 1\n", "expected" },
	{ "m 1\n" HT("m", "gauge"), "before its TYPE" },
	{ "# TYPE m gauge\nm 1\n", "before its HELP" },
	{ HT("m", "gauge") "# HELP m Again.\nm 1\n", "second HELP" },
	{ HT("m", "gauge") "# TYPE m counter\nm 1\n", "second TYPE" },
	{ HT("m", "gauge") "m 1\n# TYPE m gauge\n", "after its samples" },
	{ HT("m", "counter") "m 1\n", "_total" },
	{ HT("m", "gauge") HT("n", "gauge") "m 1\nn 1\nm{a=\"1\"} 1\n",
	    "one group" },
	{ HT("m", "gauge") "m 1,5\n", "junk" },
	{ HT("m", "gauge") "m one\n", "bad value" },
	{ HT("m", "gauge") "m 1", "newline" },
	{ HT("m", "gauge") "m{a-b=\"1\"} 1\n", "expected" },
	{ HT("m", "gauge") "m{1a=\"1\"} 1\n", "label name" },
	{ HT("m", "gauge") "m{__a=\"1\"} 1\n", "reserved" },
	{ HT("m", "gauge") "m{a=\"1\",a=\"2\"} 1\n", "twice" },
	{ HT("m", "gauge") "m{a=\"1\" 1\n", "expected" },
	{ HT("m", "gauge") "m  1\n", "bad value" },
	{ HT("m", "gauge") "m 1\r\n", "carriage" },
	{ HT("m", "bogus") "m 1\n", "bad type" },
	{ "# HELP 9m x\n", "metric name" },
	{ HT("m", "gauge") "m 1 12x\n", "junk" },
	{ HT("m", "histogram") "m 1\n", "before its TYPE" },
};

static void
test_checker_can_fail(void)
{
	char	err[256];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		err[0] = '\0';
		if (expo_check(good[i], err, sizeof(err)) == -1) {
			fprintf(stderr, "\ngood body %zu failed: %s\n", i, err);
			CU_FAIL("the checker fails a good body");
		}
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (expo_check(bad[i].body, err, sizeof(err)) == 0 ||
		    strstr(err, bad[i].why) == NULL) {
			fprintf(stderr, "\nbad body %zu: want \"%s\", got "
			    "\"%s\"\n", i, bad[i].why, err);
			CU_FAIL("the checker passes a bad body");
		}
	}
}

#define HTTP_REQS	6	/* requests http_traffic() makes */
#define CLS	"{service=\"web\",code=\"%s\"}"
#define BECLS	"{service=\"web\",backend=\"a\",code=\"%s\"}"

/* One request on fd and its answer's status, or -1. */
static int
http_ask(int fd, const char *req)
{
	struct httpc_resp	r;
	int			st = -1;

	memset(&r, 0, sizeof(r));
	if (harness_write(fd, req, strlen(req)) == 0 &&
	    httpc_read(fd, &r, false) == 0)
		st = r.status;
	httpc_resp_free(&r);
	return (st);
}

/* HTTP_REQS requests through lbd in http mode: 3 x 200, 404, 503, 400. */
static void
http_traffic(const struct harness *h)
{
	int	fd;

	CU_ASSERT_FATAL((fd = harness_connect(h->port)) != -1);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(http_ask(fd, "GET /status/200 HTTP/1.1\r\n"
		    "Host: x\r\n\r\n"), 200);
	CU_ASSERT_EQUAL(http_ask(fd, "GET /status/404 HTTP/1.1\r\n"
	    "Host: x\r\n\r\n"), 404);
	CU_ASSERT_EQUAL(http_ask(fd, "GET /status/503 HTTP/1.1\r\n"
	    "Host: x\r\n\r\n"), 503);
	close(fd);
	CU_ASSERT_FATAL((fd = harness_connect(h->port)) != -1);
	CU_ASSERT_EQUAL(http_ask(fd, "GET / HTTP/1.1\r\n\r\n"), 400);
	close(fd);
}

static void
check_http_counts(const char *body)
{
	static const char *const cls[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
	static const int	svc[] = { 0, 3, 0, 2, 1 };	/* to clients */
	static const int	be[] = { 0, 3, 0, 1, 1 };	/* from a */
	double			reuses, idle;

	CU_ASSERT_EQUAL(value(body, "lbd_http_requests_total" SVC, "web"),
	    HTTP_REQS);
	for (int i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(value(body, "lbd_http_responses_total" CLS,
		    cls[i]), svc[i]);
		CU_ASSERT_EQUAL(value(body, "lbd_backend_http_responses_total"
		    BECLS, cls[i]), be[i]);
	}
	CU_ASSERT_EQUAL(value(body, "lbd_http_request_duration_seconds_count"
	    SVC, "web"), HTTP_REQS);
	CU_ASSERT_EQUAL(value(body, "lbd_http_request_duration_seconds_bucket"
	    "{service=\"web\",le=\"+Inf\"}"), HTTP_REQS);
	CU_ASSERT(value(body, "lbd_http_request_duration_seconds_sum" SVC,
	    "web") >= 0);
	CU_ASSERT_EQUAL(value(body, "lbd_http_retries_total" SVC, "web"), 0);
	/*
	 * The 5 forwarded requests ride one pooled connection, unless one
	 * came in before the last response's connection was back in the
	 * pool; at most one is idle now (backend_keepalive may end it).
	 */
	reuses = value(body, "lbd_backend_connection_reuses_total" BE, "web",
	    "a");
	CU_ASSERT(reuses >= 1 && reuses <= 4);
	idle = value(body, "lbd_backend_idle_connections" BE, "web", "a");
	CU_ASSERT(idle == 0 || idle == 1);
}

/* The counts of the traffic above in /status.json too. */
static void
check_http_json(const struct harness *h)
{
	struct httpc_resp	r;

	CU_ASSERT_FATAL(httpc_get(h->stats_port, "GET", "/status.json", &r) ==
	    0 && r.status == 200 && r.body != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"http\":{\"requests_total\":6,"
	    "\"retries_total\":0,\"responses_total\":{\"1xx\":0,\"2xx\":3,"
	    "\"3xx\":0,\"4xx\":2,\"5xx\":1}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"http\":{\"responses_total\":"
	    "{\"1xx\":0,\"2xx\":3,\"3xx\":0,\"4xx\":1,\"5xx\":1}"));
	httpc_resp_free(&r);
}

static void
test_http_mode(void)
{
	struct harness	*h = harness_new();
	char		*body, err[256] = "";

	snprintf(h->mode, sizeof(h->mode), "http");
	if (harness_backend(h, "a", 1, "origin", "-n", "a", NULL) == -1 ||
	    harness_start(h, NULL) == -1) {
		harness_free(h);
		CU_FAIL_FATAL("lbd did not start");
	}
	http_traffic(h);
	/* The last answer may reach the client before it is counted. */
	CU_ASSERT_EQUAL(harness_metric_wait(h, "lbd_http_request_duration_"
	    "seconds_count{service=\"web\"}", HTTP_REQS, QUIET_MS),
	    HTTP_REQS);
	if ((body = get_metrics(h)) == NULL) {
		harness_free(h);
		CU_FAIL_FATAL("GET /metrics");
	}
	check_http_counts(body);
	if (expo_check(body, err, sizeof(err)) == -1) {
		fprintf(stderr, "\nexposition check: %s\n", err);
		CU_FAIL("GET /metrics is not well-formed");
	}
	free(body);
	check_http_json(h);
	harness_free(h);
}

int
t_metrics_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("metrics", NULL, NULL)) == NULL ||
	    CU_add_test(s, "counters equal the traffic, exactly",
	    test_counters_exact) == NULL ||
	    CU_add_test(s, "/metrics passes the strict format checker",
	    test_body_well_formed) == NULL ||
	    CU_add_test(s, "the checker fails bad bodies",
	    test_checker_can_fail) == NULL ||
	    CU_add_test(s, "HTTP mode's counters equal the requests",
	    test_http_mode) == NULL)
		return (-1);
	return (0);
}
