/*
 * Status: the page, the JSON and the HTTP of the stats listener.
 *
 * Config: identity backends "alpha" and "bravo" (weight 1, roundrobin).
 * Client: 6 connections to web, each reading its greeting and closing;
 * then requests to the stats port.  Expect: GET / 200 text/html naming
 * web, alpha and bravo, with a refresh meta; GET /status.json 200
 * application/json, valid strict JSON (json.c) whose numbers equal those
 * of GET /metrics (3 connections each); /nope 404; POST 405; a garbage
 * request line 400 and a close; heads the strict parser rejects (no
 * colon, space before it, bare LF, obs-fold, two Hosts, two SPs, two
 * Content-Lengths) 400 and HTTP/2.0 505, each with a close; a head over
 * 8 KiB 431 and a close, one under it 200; on one HTTP/1.1 connection
 * two requests one after the other, then two pipelined, all answered in
 * order; "Connection: close" and HTTP/1.0 closed after the response,
 * HTTP/1.0 with keep-alive kept; HEAD the headers of GET and no body.
 * The JSON parser passes good documents and fails each of a set of bad
 * ones.  Retries (a dead backend first in the rotation) are counted in
 * /metrics and /status.json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "expo.h"
#include "harness.h"
#include "httpc.h"
#include "json.h"

#define NCONN		6
#define CLOSE_MS	2000	/* lbd closes a finished connection by then */
#define HEADMAX		8192	/* lbd's bound on a request head */

/* Start lbd with alpha and bravo and make NCONN connections; or NULL. */
static struct harness *
start(void)
{
	struct harness	*h = harness_new();
	int		 counts[2] = { 0 };

	harness_backend(h, "alpha", 1, "identity", "-n", "alpha", NULL);
	harness_backend(h, "bravo", 1, "identity", "-n", "bravo", NULL);
	if (harness_start(h, NULL) == -1) {
		harness_free(h);
		return (NULL);
	}
	CU_ASSERT_EQUAL(harness_tally(h, NCONN, counts), 0);
	CU_ASSERT_EQUAL(harness_metric_wait(h, "lbd_service_active_"
	    "connections{service=\"web\"}", 0, 5000), 0);
	return (h);
}

/* Send req on fd and read one response into r; 0 or -1. */
static int
ask(int fd, const char *req, struct httpc_resp *r, bool head_only)
{
	memset(r, 0, sizeof(*r));
	r->status = -1;
	if (harness_write(fd, req, strlen(req)) == -1)
		return (-1);
	return (httpc_read(fd, r, head_only));
}

/* True when header name of r starts with prefix. */
static bool
header_is(const struct httpc_resp *r, const char *name, const char *prefix)
{
	char	v[256];

	return (httpc_header(r, name, v, sizeof(v)) &&
	    strncmp(v, prefix, strlen(prefix)) == 0);
}

static void
test_page(void)
{
	struct harness		*h;
	struct httpc_resp	 r;

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT_EQUAL(httpc_get(h->stats_port, "GET", "/", &r), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT(header_is(&r, "Content-Type", "text/html"));
	CU_ASSERT(r.body != NULL && strstr(r.body, ">web<") != NULL);
	CU_ASSERT(r.body != NULL && strstr(r.body, ">alpha<") != NULL);
	CU_ASSERT(r.body != NULL && strstr(r.body, ">bravo<") != NULL);
	CU_ASSERT(r.body != NULL &&
	    strcasestr(r.body, "http-equiv=\"refresh\"") != NULL);
	httpc_resp_free(&r);
	harness_free(h);
}

/* A number member of j equals the series of the metrics body. */
static void
same_number(const struct json *j, const char *key, const char *body,
    const char *series)
{
	const struct json	*m = json_get(j, key);
	double			 v = -1;

	CU_ASSERT(expo_value(body, series, &v));
	CU_ASSERT(m != NULL && m->type == JSON_NUMBER);
	if (m == NULL || m->type != JSON_NUMBER || m->num != v) {
		fprintf(stderr, "\n%s: json %g, metrics %g\n", key,
		    m != NULL ? m->num : -1, v);
		CU_FAIL("/status.json and /metrics differ");
	}
}

/* True when member key of j is the string want. */
static bool
string_is(const struct json *j, const char *key, const char *want)
{
	const struct json	*m = json_get(j, key);

	return (m != NULL && m->type == JSON_STRING &&
	    strcmp(m->str, want) == 0);
}

static void
check_json_backend(const struct harness *h, const struct json *svc,
    size_t i, const char *body)
{
	static const char *const pairs[][2] = {
		{ "active", "lbd_backend_active_connections" },
		{ "connections_total", "lbd_backend_connections_total" },
		{ "connect_failures_total",
		    "lbd_backend_connect_failures_total" },
		{ "bytes_in_total", "lbd_backend_bytes_in_total" },
		{ "bytes_out_total", "lbd_backend_bytes_out_total" },
		{ "response_time_seconds",
		    "lbd_backend_response_time_seconds" },
	};
	const struct harness_backend	*hb = &h->backends[i];
	const struct json		*b;
	char				 series[256], addr[64];

	b = json_find(json_get(svc, "backends"), "name", hb->name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", hb->port);
	CU_ASSERT(string_is(b, "address", addr));
	CU_ASSERT(string_is(b, "state", "up"));
	CU_ASSERT(json_get(b, "up") != NULL &&
	    json_get(b, "up")->type == JSON_TRUE);
	CU_ASSERT(json_get(b, "backup") != NULL &&
	    json_get(b, "backup")->type == JSON_FALSE);
	CU_ASSERT(json_get(b, "weight") != NULL &&
	    json_get(b, "weight")->num == 1);
	CU_ASSERT(json_get(b, "connections_total") != NULL &&
	    json_get(b, "connections_total")->num == NCONN / 2);
	for (size_t k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++) {
		snprintf(series, sizeof(series), "%s{service=\"web\","
		    "backend=\"%s\"}", pairs[k][1], hb->name);
		same_number(b, pairs[k][0], body, series);
	}
}

static void
check_json(const struct harness *h, const struct json *j, const char *body)
{
	const struct json	*svcs = json_get(j, "services"), *web;
	const struct json	*g = json_get(j, "generation");

	CU_ASSERT(g != NULL && g->type == JSON_NUMBER && g->num >= 1);
	same_number(j, "workers", body, "lbd_workers");
	same_number(j, "worker_restarts_total", body,
	    "lbd_worker_restarts_total");
	same_number(j, "reloads_total", body, "lbd_reloads_total");
	CU_ASSERT_EQUAL(json_len(svcs), 1);
	web = json_find(svcs, "name", "web");
	CU_ASSERT_PTR_NOT_NULL_FATAL(web);
	CU_ASSERT(string_is(web, "mode", "tcp"));
	CU_ASSERT(string_is(web, "balance", "roundrobin"));
	same_number(web, "active", body,
	    "lbd_service_active_connections{service=\"web\"}");
	same_number(web, "connections_total", body,
	    "lbd_service_connections_total{service=\"web\"}");
	same_number(web, "rejected_total", body,
	    "lbd_service_rejected_total{service=\"web\"}");
	CU_ASSERT_EQUAL(json_len(json_get(web, "backends")), 2);
	check_json_backend(h, web, 0, body);
	check_json_backend(h, web, 1, body);
}

static void
test_json(void)
{
	struct harness		*h;
	struct httpc_resp	 r, m;
	struct json		*j = NULL;
	char			 err[256] = "";

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT_EQUAL(httpc_get(h->stats_port, "GET", "/status.json", &r),
	    0);
	CU_ASSERT_EQUAL(httpc_get(h->stats_port, "GET", "/metrics", &m), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT(header_is(&r, "Content-Type", "application/json"));
	if (r.body != NULL && (j = json_parse(r.body, r.bodylen, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "\n/status.json: %s\n", err);
		CU_FAIL("/status.json is not valid JSON");
	}
	if (j != NULL && m.body != NULL)
		check_json(h, j, m.body);
	json_free(j);
	httpc_resp_free(&r);
	httpc_resp_free(&m);
	harness_free(h);
}

/* GET /status.json parsed, or NULL. */
static struct json *
get_json(const struct harness *h)
{
	struct httpc_resp	 r;
	struct json		*j = NULL;
	char			 err[256];

	if (httpc_get(h->stats_port, "GET", "/status.json", &r) == 0 &&
	    r.body != NULL)
		j = json_parse(r.body, r.bodylen, err, sizeof(err));
	httpc_resp_free(&r);
	return (j);
}

static double
num(const struct json *o, const char *key)
{
	const struct json	*m = json_get(o, key);

	return (m != NULL && m->type == JSON_NUMBER ? m->num : -1);
}

/*
 * Who and when: version, the master's pid, uptime and the time of the
 * snapshot; and, after connections spread over two sampling steps (2 s
 * each), a rate above zero and a peak, with the page's chart.
 */
static void
test_header_and_rates(void)
{
	struct harness		*h;
	struct json		*j = NULL;
	struct httpc_resp	 r;
	const struct json	*web = NULL, *v;
	int			 counts[2] = { 0 }, fd;
	double			 rate = 0;

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT_FATAL((j = get_json(h)) != NULL);
	v = json_get(j, "version");
	CU_ASSERT(v != NULL && v->type == JSON_STRING && v->str[0] != '\0');
	CU_ASSERT_EQUAL(num(j, "pid"), h->lbd);
	CU_ASSERT(num(j, "uptime_seconds") >= 0);
	CU_ASSERT(num(j, "time") > (double)time(NULL) - 60 &&
	    num(j, "time") < (double)time(NULL) + 60);
	json_free(j);
	CU_ASSERT((fd = harness_connect(h->port)) != -1);
	/* Traffic until a sample sees it (a step is 2 s: 10 s bound). */
	for (int i = 0; i < 50 && rate <= 0; i++) {
		CU_ASSERT_EQUAL(harness_tally(h, 2, counts), 0);
		harness_sleep_ms(200);
		j = get_json(h);
		web = json_find(json_get(j, "services"), "name", "web");
		rate = num(web, "connections_per_second");
		json_free(j);
	}
	CU_ASSERT(rate > 0);
	CU_ASSERT_FATAL((j = get_json(h)) != NULL);
	web = json_find(json_get(j, "services"), "name", "web");
	CU_ASSERT(num(web, "peak_active") >= 1);
	json_free(j);
	if (fd != -1)
		close(fd);
	CU_ASSERT_EQUAL(httpc_get(h->stats_port, "GET", "/", &r), 0);
	CU_ASSERT(r.body != NULL && strstr(r.body, "<polyline") != NULL);
	CU_ASSERT(r.body != NULL && strstr(r.body, "<h1>lbd ") != NULL);
	httpc_resp_free(&r);
	harness_free(h);
}

/*
 * A connection to a silent backend ended by the 1 s server timeout is
 * counted in lbd_service_timeouts_total and the JSON's timeouts_total;
 * resets stay 0.
 */
static void
test_timeouts_counted(void)
{
	struct harness		*h = harness_new();
	struct json		*j;
	const struct json	*web;
	int			 fd;

	harness_backend(h, "a", 1, "silent", NULL);
	if (harness_start(h, "timeouts = { connect = \"1s\"; "
	    "client = \"10s\"; server = \"1s\"; };") == -1)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT((fd = harness_connect(h->port)) != -1);
	CU_ASSERT(fd != -1 && harness_write(fd, "request\n", 8) == 0);
	CU_ASSERT(fd != -1 && harness_wait_closed(fd, 5000) != -1);
	if (fd != -1)
		close(fd);
	CU_ASSERT_EQUAL(harness_metric_wait(h, "lbd_service_timeouts_total"
	    "{service=\"web\"}", 1, 5000), 1);
	CU_ASSERT_EQUAL(harness_metric(h, "lbd_service_resets_total"
	    "{service=\"web\"}"), 0);
	CU_ASSERT_FATAL((j = get_json(h)) != NULL);
	web = json_find(json_get(j, "services"), "name", "web");
	CU_ASSERT_EQUAL(num(web, "timeouts_total"), 1);
	CU_ASSERT_EQUAL(num(web, "resets_total"), 0);
	json_free(j);
	harness_free(h);
}

#define RETRIES		"lbd_service_retries_total{service=\"web\"}"

/* The service web of /status.json: member key, or -1. */
static double
web_num(const struct harness *h, const char *key)
{
	struct json	*j = get_json(h);
	double		 v;

	v = num(json_find(json_get(j, "services"), "name", "web"), key);
	json_free(j);
	return (v);
}

/*
 * Round robin over "dead" (nothing listens) then "live", retries = 2,
 * passive and active checks off: each of NCONN clients in turn is tried
 * on dead first and retried on live, so lbd_service_retries_total and
 * the JSON's retries_total are NCONN, as many as dead's failures.
 * In http mode (NCONN requests, each on its own connection), the same,
 * and lbd_http_retries_total, the keep-alive race's resends, stays 0.
 */
static void
retries_in(const char *mode)
{
	struct harness		*h = harness_new();
	struct httpc_resp	 r;
	int			 counts[2] = { 0 }, served = 0;
	bool			 http = strcmp(mode, "http") == 0;

	snprintf(h->mode, sizeof(h->mode), "%s", mode);
	harness_dead_backend(h, "dead", 1);
	harness_backend(h, "live", 1, http ? "http" : "identity", "-n",
	    "live", NULL);
	if (harness_start(h, HARNESS_OPTS " health = { type = \"none\"; "
	    "max_fails = 0; };") == -1) {
		harness_free(h);
		CU_FAIL_FATAL("lbd did not start");
	}
	CU_ASSERT_EQUAL(harness_metric(h, RETRIES), 0);
	if (!http && harness_tally(h, NCONN, counts) == 0)
		served = counts[1];
	for (int i = 0; http && i < NCONN; i++) {
		if (httpc_get(h->port, "GET", "/", &r) == 0 && r.status == 200)
			served++;
		httpc_resp_free(&r);
	}
	CU_ASSERT_EQUAL(served, NCONN);
	CU_ASSERT_EQUAL(harness_metric(h, "lbd_backend_connect_failures_total"
	    "{service=\"web\",backend=\"dead\"}"), NCONN);
	CU_ASSERT_EQUAL(harness_metric(h, RETRIES), NCONN);
	CU_ASSERT_EQUAL(web_num(h, "retries_total"), NCONN);
	CU_ASSERT_EQUAL(harness_metric(h, "lbd_http_retries_total"
	    "{service=\"web\"}"), http ? 0 : -1);
	CU_ASSERT_EQUAL(harness_metric(h, "lbd_service_queued_connections"
	    "{service=\"web\"}"), 0);
	harness_free(h);
}

static void
test_retries_counted(void)
{
	retries_in("tcp");
	retries_in("http");
}

/*
 * Send req on a new connection: the status of the response, which must
 * be followed by lbd's close when closes is set; -1 on failure.
 */
static int
status_of(const struct harness *h, const char *req, bool closes)
{
	struct httpc_resp	r;
	int			fd, status;

	if ((fd = harness_connect(h->stats_port)) == -1)
		return (-1);
	status = ask(fd, req, &r, false) == 0 ? r.status : -1;
	httpc_resp_free(&r);
	if (closes && harness_wait_closed(fd, CLOSE_MS) == -1) {
		fprintf(stderr, "\nnot closed after %d: %.40s\n", status, req);
		status = -1;
	}
	close(fd);
	return (status);
}

/* "GET / HTTP/1.1" with one header padding the head to size bytes. */
static char *
padded_request(size_t size)
{
	static const char	start[] = "GET / HTTP/1.1\r\nX-Pad: ";
	char			*req;
	size_t			 pad = size - (sizeof(start) - 1) - 4;

	if ((req = malloc(size + 1)) == NULL)
		return (NULL);
	memcpy(req, start, sizeof(start) - 1);
	memset(req + sizeof(start) - 1, 'p', pad);
	memcpy(req + size - 4, "\r\n\r\n", 5);
	return (req);
}

static void
test_errors(void)
{
	struct harness	*h;
	char		*big, *fits;

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT_EQUAL(status_of(h, "GET /nope HTTP/1.1\r\n"
	    "Connection: close\r\n\r\n", true), 404);
	CU_ASSERT_EQUAL(status_of(h, "POST /metrics HTTP/1.1\r\n"
	    "Connection: close\r\n\r\n", true), 405);
	CU_ASSERT_EQUAL(status_of(h, "HELLO THERE\r\n\r\n", true), 400);
	CU_ASSERT_EQUAL(status_of(h, "GET metrics HTTP/1.1\r\n\r\n", true),
	    400);
	big = padded_request(HEADMAX + 1000);
	fits = padded_request(HEADMAX - 200);
	CU_ASSERT_EQUAL(status_of(h, big, true), 431);
	CU_ASSERT_EQUAL(status_of(h, fits, false), 200);
	free(big);
	free(fits);
	/* Still serving after all that. */
	CU_ASSERT_EQUAL(status_of(h, "GET /metrics HTTP/1.0\r\n\r\n", true),
	    200);
	harness_free(h);
}

/*
 * Heads the strict parser (http1.c) rejects, which the listener's own
 * parsing used to answer 200: each gets its status and a close, and the
 * listener still serves after them.
 */
static void
test_malformed(void)
{
	static const struct {
		const char	*req;
		int		 status;
	} cases[] = {
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nHost : x\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\nHost: x\n\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400 },
		{ "GET  /metrics HTTP/1.1\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nContent-Length: 1\r\n"
		    "Content-Length: 2\r\n\r\n", 400 },
		{ "GET /metrics HTTP/2.0\r\n\r\n", 505 },
	};
	struct harness	*h;

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (status_of(h, cases[i].req, true) != cases[i].status) {
			fprintf(stderr, "\nwanted %d and a close: %s\n",
			    cases[i].status, cases[i].req);
			CU_FAIL("a malformed request was not rejected");
		}
	CU_ASSERT_EQUAL(status_of(h, "GET /metrics HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n", true), 200);
	harness_free(h);
}

/* One request after the other, then two pipelined, on fd; all 200/404. */
static void
keep_alive_rounds(int fd)
{
	struct httpc_resp	 r;
	struct json		*j;

	CU_ASSERT_EQUAL(ask(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
	    &r, false), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT(header_is(&r, "Content-Type", "text/plain; version=0.0.4"));
	httpc_resp_free(&r);
	CU_ASSERT_EQUAL(ask(fd, "GET /status.json HTTP/1.1\r\nHost: x\r\n\r\n",
	    &r, false), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	j = r.body != NULL ? json_parse(r.body, r.bodylen, NULL, 0) : NULL;
	CU_ASSERT_PTR_NOT_NULL(j);
	json_free(j);
	httpc_resp_free(&r);
	CU_ASSERT_EQUAL(ask(fd, "GET /nope HTTP/1.1\r\n\r\n"
	    "GET / HTTP/1.1\r\n\r\n", &r, false), 0);
	CU_ASSERT_EQUAL(r.status, 404);
	httpc_resp_free(&r);
	CU_ASSERT_EQUAL(httpc_read(fd, &r, false), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT(header_is(&r, "Content-Type", "text/html"));
	httpc_resp_free(&r);
}

static void
test_keep_alive(void)
{
	struct harness		*h;
	struct httpc_resp	 r;
	int			 fd;

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT_FATAL((fd = harness_connect(h->stats_port)) != -1);
	keep_alive_rounds(fd);
	CU_ASSERT_EQUAL(ask(fd, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
	    &r, false), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	httpc_resp_free(&r);
	CU_ASSERT(harness_wait_closed(fd, CLOSE_MS) >= 0);
	close(fd);
	/* HTTP/1.0 closes unless it asks for keep-alive. */
	CU_ASSERT_FATAL((fd = harness_connect(h->stats_port)) != -1);
	CU_ASSERT_EQUAL(ask(fd, "GET / HTTP/1.0\r\nConnection: keep-alive"
	    "\r\n\r\n", &r, false), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	httpc_resp_free(&r);
	CU_ASSERT_EQUAL(ask(fd, "GET /metrics HTTP/1.0\r\n\r\n", &r, false),
	    0);
	CU_ASSERT_EQUAL(r.status, 200);
	httpc_resp_free(&r);
	CU_ASSERT(harness_wait_closed(fd, CLOSE_MS) >= 0);
	close(fd);
	harness_free(h);
}

/* HEAD path then GET path on one connection: same length, no body. */
static void
head_then_get(int fd, const char *path)
{
	struct httpc_resp	r;
	char			req[128], cl[32] = "";

	snprintf(req, sizeof(req), "HEAD %s HTTP/1.1\r\n\r\n", path);
	CU_ASSERT_EQUAL(ask(fd, req, &r, true), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT(httpc_header(&r, "Content-Length", cl, sizeof(cl)) &&
	    atol(cl) > 0);
	httpc_resp_free(&r);
	/* Had HEAD sent a body, this would read it as a status line. */
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\n\r\n", path);
	CU_ASSERT_EQUAL(ask(fd, req, &r, false), 0);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL((long)r.bodylen, atol(cl));
	httpc_resp_free(&r);
}

static void
test_head(void)
{
	struct harness	*h;
	int		 fd;

	if ((h = start()) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	CU_ASSERT_FATAL((fd = harness_connect(h->stats_port)) != -1);
	head_then_get(fd, "/metrics");
	head_then_get(fd, "/status.json");
	head_then_get(fd, "/");
	close(fd);
	harness_free(h);
}

static const char *const json_good[] = {
	"{\"a\":[1,-0.5e+3,0,1E2,true,false,null,\"\\u00e9\\ud83d\\ude00 "
	    "\\\"x\\\" \\/\\b\\f\\n\\r\\t\"],\"b\":{},\"c\":[]}",
	" 0 ",
	"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
	"[[[]],{\"\":\"\"}]\n",
};

static const char *const json_bad[] = {
	"", "{\"a\":1,}", "[1,]", "01", "-", "1.", ".5", "1e", "+1", "NaN",
	"{'a':1}", "{\"a\":1}x", "{\"a\":1,\"a\":2}", "\"\\ud800\"",
	"\"\\udc00\"", "\"a\tb\"", "\"\\x\"", "\"abc", "[", "{\"a\" 1}",
	"tru", "nul", "[1 2]", "{\"a\":}", "\"\xc3\"", "\"\xed\xa0\x80\"",
	"\"\xc0\xaf\"", "\"\xf5\x80\x80\x80\"", "{1:2}", "\"\\u12g4\"",
};

static void
test_json_checker_can_fail(void)
{
	struct json	*j;
	char		 deep[200], err[128];

	for (size_t i = 0; i < sizeof(json_good) / sizeof(json_good[0]); i++) {
		j = json_parse(json_good[i], strlen(json_good[i]), err,
		    sizeof(err));
		if (j == NULL)
			fprintf(stderr, "\ngood json %zu: %s\n", i, err);
		CU_ASSERT_PTR_NOT_NULL(j);
		json_free(j);
	}
	j = json_parse(json_good[0], strlen(json_good[0]), NULL, 0);
	CU_ASSERT(j != NULL && json_get(j, "a") != NULL &&
	    json_len(json_get(j, "a")) == 8 &&
	    json_get(j, "a")->child->next->num == -500);
	json_free(j);
	for (size_t i = 0; i < sizeof(json_bad) / sizeof(json_bad[0]); i++) {
		j = json_parse(json_bad[i], strlen(json_bad[i]), NULL, 0);
		if (j != NULL)
			fprintf(stderr, "\nbad json %zu passed\n", i);
		CU_ASSERT_PTR_NULL(j);
		json_free(j);
	}
	memset(deep, '[', sizeof(deep));
	CU_ASSERT_PTR_NULL(json_parse(deep, sizeof(deep), NULL, 0));
}

int
t_status_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("status", NULL, NULL)) == NULL ||
	    CU_add_test(s, "GET / names every service and backend",
	    test_page) == NULL ||
	    CU_add_test(s, "/status.json is valid and equals /metrics",
	    test_json) == NULL ||
	    CU_add_test(s, "404, 405, 400, 431 and closes", test_errors) ==
	    NULL ||
	    CU_add_test(s, "malformed heads: 400 or 505, and a close",
	    test_malformed) == NULL ||
	    CU_add_test(s, "keep-alive, pipelining and close",
	    test_keep_alive) == NULL ||
	    CU_add_test(s, "HEAD gives headers only", test_head) == NULL ||
	    CU_add_test(s, "version, pid, uptime, time; rates and chart",
	    test_header_and_rates) == NULL ||
	    CU_add_test(s, "a server timeout is counted",
	    test_timeouts_counted) == NULL ||
	    CU_add_test(s, "connects retried on another backend are counted",
	    test_retries_counted) == NULL ||
	    CU_add_test(s, "the JSON parser fails bad documents",
	    test_json_checker_can_fail) == NULL)
		return (-1);
	return (0);
}
