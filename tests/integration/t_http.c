/*
 * HTTP mode, the proxy at work (SPEC "HTTP mode", "Balancing").
 *
 * Config: service "web" in mode http before origin backends a, b, c
 * (tests/backends/origin.c), roundrobin, access lines on.
 * Client: raw HTTP/1.1 over TCP on 127.0.0.1: keep-alive sequences,
 * pipelined writes, 64 MiB bodies both ways in both framings, HEAD, 204,
 * 304, an Upgrade, curl with Expect: 100-continue, ab -k, and a reload
 * under keep-alive load.
 * Expect: a different backend per request on one connection (a b c a b
 * c); the client's head at the backend byte for byte minus hop-by-hop
 * fields, plus X-Forwarded-For and X-Forwarded-Proto; bodies byte-exact
 * (pattern and CRC-32); answers in order; 101 then a tunnel; no failed
 * request across a reload; one access line per request.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "../backends/origin.h"
#include "../cunit_run.h"
#include "clock.h"
#include "harness.h"
#include "httpc.h"

#define OPTS	"retries = 1; timeouts = { connect = \"1s\"; " \
		"server = \"5s\"; };"
#define BIG	(64UL * 1024 * 1024)	/* body bytes each way */
#define LOG_MS	3000
#define LOAD_MS	3000			/* keep-alive load across a reload */
#define LOADERS	4

/* lbd in http mode before n origins a, b, c... (extra: an origin flag). */
static struct harness *
setup(int n, const char *extra)
{
	struct harness	*h = harness_new();
	char		 name[2] = "a", log[128];

	if (h == NULL)
		return (NULL);
	snprintf(h->mode, sizeof(h->mode), "http");
	snprintf(h->logopts, sizeof(h->logopts), "access = true;");
	for (int i = 0; i < n; i++) {
		name[0] = 'a' + i;
		snprintf(log, sizeof(log), "%s/%s.log", h->dir, name);
		if (harness_backend(h, name, 1, "origin", "-n", name, "-L",
		    log, extra, extra != NULL ? "200" : NULL, NULL) == -1) {
			harness_free(h);
			return (NULL);
		}
	}
	if (harness_start(h, OPTS) == -1) {
		harness_free(h);
		return (NULL);
	}
	return (h);
}

/* Send s, read one whole response (Content-Length or none) into r. */
static int
ask(int fd, const char *s, struct httpc_resp *r, bool head)
{
	memset(r, 0, sizeof(*r));
	if (s != NULL && harness_write(fd, s, strlen(s)) == -1)
		return (-1);
	return (httpc_read(fd, r, head));
}

/* Write the string s to fd; 0 or -1. */
static int
say(int fd, const char *s)
{
	return (harness_write(fd, s, strlen(s)));
}

/* Does header name of r hold want? */
static bool
has(const struct httpc_resp *r, const char *name, const char *want)
{
	char	v[256];

	return (httpc_header(r, name, v, sizeof(v)) && strcmp(v, want) == 0);
}

static void
test_round_robin(void)
{
	struct harness		*h = setup(3, NULL);
	struct httpc_resp	 r;
	const char		 want[] = "abcabc";
	char			 b[2] = "a";
	int			 fd;

	if (h == NULL || (fd = harness_connect(h->port)) == -1)
		CU_FAIL_FATAL("setup failed");
	for (int i = 0; i < 6; i++) {
		b[0] = want[i];
		CU_ASSERT(ask(fd, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n", &r,
		    false) == 0);
		CU_ASSERT(r.status == 200 && has(&r, "X-Backend", b));
		httpc_resp_free(&r);
	}
	close(fd);
	for (uint64_t end = clock_ms() + LOG_MS; clock_ms() < end &&
	    harness_log_count(h, "http service=web") < 6;)
		harness_sleep_ms(20);
	CU_ASSERT_EQUAL(harness_log_count(h, "http service=web"), 6);
	CU_ASSERT_EQUAL(harness_log_count(h, "backend=c"), 2);
	CU_ASSERT_EQUAL(harness_log_count(h, "access service"), 0);
	harness_free(h);
}

static void
test_forward_headers(void)
{
	struct harness		*h = setup(1, NULL);
	struct httpc_resp	 r;
	const char		*req = "GET /echo?q=1 HTTP/1.1\r\n"
	    "hOsT: Example\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
	    "Keep-Alive: 5\r\n"
	    "TE: trailers\r\nX-Forwarded-For: 192.0.2.1\r\n"
	    "X-Forwarded-Proto: https\r\nX-Keep: yes\r\n\r\n";
	int			 fd;

	if (h == NULL || (fd = harness_connect(h->port)) == -1)
		CU_FAIL_FATAL("setup failed");
	CU_ASSERT(ask(fd, req, &r, false) == 0 && r.status == 200);
	CU_ASSERT_STRING_EQUAL(r.body, "GET /echo?q=1 HTTP/1.1\r\n"
	    "hOsT: Example\r\nX-Forwarded-For: 192.0.2.1\r\nX-Keep: yes\r\n"
	    "X-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\n\r\n");
	httpc_resp_free(&r);
	close(fd);
	harness_free(h);
}

/* Read a response head from fd into r's head; 0 or -1. */
static int
read_head(int fd, struct httpc_resp *r)
{
	size_t	at = 0;
	int	n;

	memset(r, 0, sizeof(*r));
	for (;;) {
		n = harness_read_line(fd, r->head + at, sizeof(r->head) - at);
		if (n < 1 || r->head[at + n - 1] != '\r')
			return (-1);
		if (n == 1)
			break;
		at += n;
		r->head[at++] = '\n';
	}
	r->head[at] = '\0';
	r->status = atoi(r->head + 9);
	return (0);
}

/* Read len body bytes, checking origin's pattern from *off on. */
static bool
read_pattern(int fd, uint64_t len, uint64_t *off)
{
	static uint8_t	buf[65536];
	size_t		n;

	while (len > 0) {
		n = len < sizeof(buf) ? len : sizeof(buf);
		if (harness_read(fd, buf, n) == -1)
			return (false);
		for (size_t i = 0; i < n; i++)
			if (buf[i] != origin_pattern_byte(*off + i))
				return (false);
		*off += n;
		len -= n;
	}
	return (true);
}

/* A chunked body of origin's pattern; its length, or -1. */
static long long
read_chunked(int fd)
{
	char		line[64];
	uint64_t	off = 0;
	unsigned long	size;

	for (;;) {
		if (harness_read_line(fd, line, sizeof(line)) < 1)
			return (-1);
		if ((size = strtoul(line, NULL, 16)) == 0)
			break;
		if (!read_pattern(fd, size, &off) ||
		    harness_read_line(fd, line, sizeof(line)) != 1)
			return (-1);
	}
	if (harness_read_line(fd, line, sizeof(line)) != 1)
		return (-1);
	return ((long long)off);
}

/* Send a 64 MiB pattern body, chunked or not; /upload's answer line. */
static bool
upload(int fd, bool chunked, uint32_t *crc)
{
	static uint8_t	buf[65536];
	char		head[160], line[32];
	uint64_t	off = 0;

	snprintf(head, sizeof(head), "POST /upload HTTP/1.1\r\nHost: x\r\n%s"
	    "\r\n", chunked ? "Transfer-Encoding: chunked\r\n" :
	    "Content-Length: 67108864\r\n");
	if (harness_write(fd, head, strlen(head)) == -1)
		return (false);
	*crc = 0;
	for (; off < BIG; off += sizeof(buf)) {
		origin_pattern_fill(buf, sizeof(buf), off);
		*crc = origin_crc32(*crc, buf, sizeof(buf));
		snprintf(line, sizeof(line), "%zx\r\n", sizeof(buf));
		if ((chunked && harness_write(fd, line, strlen(line)) == -1) ||
		    harness_write(fd, buf, sizeof(buf)) == -1 ||
		    (chunked && harness_write(fd, "\r\n", 2) == -1))
			return (false);
	}
	return (!chunked || harness_write(fd, "0\r\n\r\n", 5) == 0);
}

static void
test_big_bodies(void)
{
	struct harness		*h = setup(1, NULL);
	struct httpc_resp	 r;
	char			 want[64];
	uint64_t		 off = 0;
	uint32_t		 crc = 0;
	int			 fd;

	if (h == NULL || (fd = harness_connect(h->port)) == -1)
		CU_FAIL_FATAL("setup failed");
	CU_ASSERT(say(fd, "GET /size/67108864 HTTP/1.1\r\nHost: x"
	    "\r\n\r\n") == 0 && read_head(fd, &r) == 0 && r.status == 200);
	CU_ASSERT(read_pattern(fd, BIG, &off) && off == BIG);
	CU_ASSERT(say(fd, "GET /chunked/67108864 HTTP/1.1\r\nHost: "
	    "x\r\n\r\n") == 0 && read_head(fd, &r) == 0 &&
	    r.status == 200);
	CU_ASSERT_EQUAL(read_chunked(fd), (long long)BIG);
	for (int chunked = 0; chunked < 2; chunked++) {
		CU_ASSERT_FATAL(upload(fd, chunked, &crc));
		snprintf(want, sizeof(want), "len=%lu crc=%08x\n", BIG,
		    (unsigned)crc);
		CU_ASSERT(ask(fd, NULL, &r, false) == 0 && r.status == 200);
		CU_ASSERT(r.body != NULL && strcmp(r.body, want) == 0);
		httpc_resp_free(&r);
	}
	close(fd);
	harness_free(h);
}

/* HEAD, 204 and 304 carry no body: the next answer is read whole. */
static void
test_no_body(void)
{
	struct harness		*h = setup(1, NULL);
	struct httpc_resp	 r;
	int			 fd;

	if (h == NULL || (fd = harness_connect(h->port)) == -1)
		CU_FAIL_FATAL("setup failed");
	CU_ASSERT(ask(fd, "HEAD /size/100 HTTP/1.1\r\nHost: x\r\n\r\n", &r,
	    true) == 0 && r.status == 200 && has(&r, "Content-Length", "100"));
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, "GET /status/204 HTTP/1.1\r\nHost: x\r\n\r\n", &r,
	    true) == 0 && r.status == 204);
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, "GET /status/304 HTTP/1.1\r\nHost: x\r\n\r\n", &r,
	    true) == 0 && r.status == 304);
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, "GET /size/10 HTTP/1.1\r\nHost: x\r\n\r\n", &r,
	    false) == 0 && r.status == 200 && r.bodylen == 10);
	httpc_resp_free(&r);
	close(fd);
	harness_free(h);
}

/* Three requests in one write: three answers, in order. */
static void
test_pipelined(void)
{
	struct harness		*h = setup(2, NULL);
	struct httpc_resp	 r;
	const char		*req = "GET /size/5 HTTP/1.1\r\nHost: x\r\n\r\n"
	    "GET /echo HTTP/1.1\r\nHost: y\r\n\r\n"
	    "GET /status/201 HTTP/1.1\r\nHost: x\r\n\r\n";
	int			 fd;

	if (h == NULL || (fd = harness_connect(h->port)) == -1)
		CU_FAIL_FATAL("setup failed");
	CU_ASSERT(ask(fd, req, &r, false) == 0 && r.status == 200 &&
	    r.bodylen == 5);
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, NULL, &r, false) == 0 && r.status == 200 &&
	    r.body != NULL && strstr(r.body, "Host: y\r\n") != NULL);
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, NULL, &r, false) == 0 && r.status == 201);
	httpc_resp_free(&r);
	/* The end of a pumped chunked body and the next request in one read. */
	CU_ASSERT(say(fd, "POST /upload HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n") == 0);
	harness_sleep_ms(100);
	CU_ASSERT(ask(fd, "1\r\nc\r\n0\r\n\r\nGET /size/7 HTTP/1.1\r\n"
	    "Host: x\r\n\r\n", &r, false) == 0 && r.status == 200 &&
	    r.body != NULL && strncmp(r.body, "len=3 ", 6) == 0);
	httpc_resp_free(&r);
	CU_ASSERT(ask(fd, NULL, &r, false) == 0 && r.status == 200 &&
	    r.bodylen == 7);
	httpc_resp_free(&r);
	close(fd);
	harness_free(h);
}

/* 101, then whatever is written comes back through the tunnel. */
static void
test_upgrade(void)
{
	struct harness		*h = setup(1, NULL);
	struct httpc_resp	 r;
	char			 buf[16];
	int			 fd;

	if (h == NULL || (fd = harness_connect(h->port)) == -1)
		CU_FAIL_FATAL("setup failed");
	CU_ASSERT(say(fd, "GET /upgrade HTTP/1.1\r\nHost: x\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\nearly") == 0);
	CU_ASSERT(read_head(fd, &r) == 0 && r.status == 101 &&
	    has(&r, "Upgrade", "websocket"));
	CU_ASSERT(harness_read(fd, buf, 5) == 0 && memcmp(buf, "early",
	    5) == 0);
	CU_ASSERT(harness_write(fd, "ping!", 5) == 0);
	CU_ASSERT(harness_read(fd, buf, 5) == 0 && memcmp(buf, "ping!",
	    5) == 0);
	close(fd);
	CU_ASSERT(harness_log_wait(h, "status=101", LOG_MS));
	harness_free(h);
}

/* curl sends the body only after the backend's 100 Continue. */
static void
test_continue(void)
{
	struct harness	*h = setup(1, NULL);
	char		 cmd[512], path[128], out[256] = "";
	uint8_t		*body = malloc(1 << 20);
	uint32_t	 crc;
	FILE		*f;

	if (h == NULL || body == NULL)
		CU_FAIL_FATAL("setup failed");
	if (system("curl --version >/dev/null 2>&1") != 0) {
		cunit_skip("curl is not installed");
		free(body);
		harness_free(h);
		return;
	}
	snprintf(path, sizeof(path), "%s/body", h->dir);
	origin_pattern_fill(body, 1 << 20, 0);
	crc = origin_crc32(0, body, 1 << 20);
	if ((f = fopen(path, "w")) != NULL) {
		fwrite(body, 1, 1 << 20, f);
		fclose(f);
	}
	snprintf(cmd, sizeof(cmd), "curl -sv --max-time 10 --data-binary @%s "
	    "-H 'Expect: 100-continue' http://127.0.0.1:%d/upload 2>&1 | "
	    "grep -a -e '100 Continue' -e 'len='", path, h->port);
	if ((f = popen(cmd, "r")) != NULL) {
		size_t n = fread(out, 1, sizeof(out) - 1, f);
		out[n] = '\0';
		pclose(f);
	}
	CU_ASSERT(strstr(out, "100 Continue") != NULL);
	snprintf(cmd, sizeof(cmd), "len=1048576 crc=%08x", (unsigned)crc);
	CU_ASSERT(strstr(out, cmd) != NULL);
	free(body);
	harness_free(h);
}

/* How many times backend name's -L log has a request for target. */
static int
logged(const struct harness *h, const char *name, const char *target)
{
	char	 path[128], line[512], t[128];
	FILE	*f;
	int	 n = 0;

	snprintf(path, sizeof(path), "%s/%s.log", h->dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	while (fgets(line, sizeof(line), f) != NULL)
		n += sscanf(line, "%*s %127s", t) == 1 &&
		    strcmp(t, target) == 0;
	fclose(f);
	return (n);
}

/*
 * The keep-alive race: the backend closes idle connections after 200 ms
 * (-k 200), and requests come about that far apart, so a pooled
 * connection is now and then closed just as a request goes out on it.
 * GETs are sent again on a new connection and never fail; a POST is
 * never sent twice (it may fail with 502 instead).
 */
static void
test_keepalive_race(void)
{
	struct harness		*h = setup(1, "-k");
	struct httpc_resp	 r;
	char			 req[128], target[32];
	int			 fd, fails = 0, posts = 0, twice = 0;

	if (h == NULL || (fd = harness_connect(h->port)) == -1)
		CU_FAIL_FATAL("setup failed");
	for (int i = 0; i < 20; i++) {
		harness_sleep_ms(190 + 5 * (i % 5));
		if (ask(fd, "GET /size/10 HTTP/1.1\r\nHost: x\r\n\r\n", &r,
		    false) == -1 || r.status != 200)
			fails++;
		httpc_resp_free(&r);
	}
	CU_ASSERT_EQUAL(fails, 0);
	for (int i = 0; i < 10 && fd != -1; i++) {
		harness_sleep_ms(190 + 5 * (i % 5));
		snprintf(req, sizeof(req), "POST /upload?%d HTTP/1.1\r\n"
		    "Host: x\r\nContent-Length: 2\r\n\r\nhi", i);
		if (ask(fd, req, &r, false) == 0 && r.status == 200)
			posts++;
		if (r.status != 200) {
			close(fd);
			fd = harness_connect(h->port);
		}
		httpc_resp_free(&r);
	}
	if (fd != -1)
		close(fd);
	for (int i = 0; i < 10; i++) {
		snprintf(target, sizeof(target), "/upload?%d", i);
		twice += logged(h, "a", target) > 1;
	}
	CU_ASSERT(posts > 0);
	CU_ASSERT_EQUAL(twice, 0);
	harness_free(h);
}

/* ab -k: 2000 keep-alive requests from 4 clients, none failed. */
static void
test_ab(void)
{
	struct harness	*h;
	char		 cmd[256], line[256];
	int		 complete = -1, failed = -1;
	FILE		*f;

	if (system("ab -V >/dev/null 2>&1") != 0) {
		cunit_skip("ab (apache2-utils) is not installed");
		return;
	}
	if ((h = setup(3, NULL)) == NULL)
		CU_FAIL_FATAL("setup failed");
	snprintf(cmd, sizeof(cmd), "ab -q -k -s 10 -n 2000 -c 4 "
	    "http://127.0.0.1:%d/size/100 2>&1", h->port);
	if ((f = popen(cmd, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			sscanf(line, "Complete requests: %d", &complete);
			sscanf(line, "Failed requests: %d", &failed);
		}
		pclose(f);
	}
	CU_ASSERT_EQUAL(complete, 2000);
	CU_ASSERT_EQUAL(failed, 0);
	harness_free(h);
}

/*
 * One keep-alive client for LOAD_MS: each answer must be a whole 200.  A
 * connection lbd closes between requests (idle at a stop, or after
 * Connection: close) is opened again, and a request it closed before any
 * answer byte is sent again, as HTTP clients do.  Exits with the number
 * of failed requests.
 */
static int
load(int port)
{
	struct httpc_resp	 r;
	uint64_t		 end = clock_ms() + LOAD_MS;
	int			 fd = -1, fails = 0, again = 0;

	while (clock_ms() < end && fails < 100) {
		if (fd == -1 && (fd = harness_connect(port)) == -1) {
			fails++;
			continue;
		}
		if (ask(fd, "GET /size/1000 HTTP/1.1\r\nHost: x\r\n\r\n", &r,
		    false) == -1 && r.head[0] == '\0' && again++ < 1) {
			httpc_resp_free(&r);
			close(fd);
			fd = -1;
			continue;
		}
		again = 0;
		if (r.status != 200 || r.bodylen != 1000)
			fails++;
		if (has(&r, "Connection", "close")) {
			close(fd);
			fd = -1;
		}
		httpc_resp_free(&r);
	}
	return (fails);
}

static void
test_reload_under_load(void)
{
	struct harness	*h = setup(2, NULL);
	pid_t		 pids[LOADERS];
	int		 st, fails = 0;

	if (h == NULL)
		CU_FAIL_FATAL("setup failed");
	for (int i = 0; i < LOADERS; i++)
		if ((pids[i] = fork()) == 0)
			_exit(load(h->port));
	harness_sleep_ms(LOAD_MS / 3);
	CU_ASSERT(harness_reload(h, OPTS, NULL) == 0);
	for (int i = 0; i < LOADERS; i++) {
		if (pids[i] == -1 || waitpid(pids[i], &st, 0) == -1 ||
		    !WIFEXITED(st))
			fails += 100;
		else
			fails += WEXITSTATUS(st);
	}
	CU_ASSERT_EQUAL(fails, 0);
	harness_free(h);
}

/*
 * A stop: the idle keep-alive client is closed at once, the one whose
 * request is in flight (/slow) gets its answer with Connection: close.
 */
static void
test_stop(void)
{
	struct harness		*h = setup(1, NULL);
	struct httpc_resp	 r;
	int			 idle = -1, busy = -1;

	if (h == NULL || (idle = harness_connect(h->port)) == -1 ||
	    (busy = harness_connect(h->port)) == -1)
		CU_FAIL_FATAL("setup failed");
	CU_ASSERT(ask(idle, "GET /size/1 HTTP/1.1\r\nHost: x\r\n\r\n", &r,
	    false) == 0 && r.status == 200);
	httpc_resp_free(&r);
	CU_ASSERT(say(busy, "GET /slow/800 HTTP/1.1\r\nHost: x\r\n\r\n") ==
	    0);
	harness_sleep_ms(200);
	CU_ASSERT(kill(h->lbd, SIGTERM) == 0);
	CU_ASSERT(harness_wait_closed(idle, 500) >= 0);
	CU_ASSERT(ask(busy, NULL, &r, false) == 0 && r.status == 200 &&
	    has(&r, "Connection", "close"));
	httpc_resp_free(&r);
	CU_ASSERT(harness_wait_closed(busy, 1000) >= 0);
	close(idle);
	close(busy);
	harness_free(h);
}

int
t_http_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("http", NULL, NULL)) == NULL ||
	    CU_add_test(s, "keep-alive: a backend per request, a b c a b c",
	    test_round_robin) == NULL ||
	    CU_add_test(s, "head forwarded as sent, hop-by-hop out, "
	    "X-Forwarded-For in", test_forward_headers) == NULL ||
	    CU_add_test(s, "64 MiB bodies both ways, both framings",
	    test_big_bodies) == NULL ||
	    CU_add_test(s, "HEAD, 204, 304: no body", test_no_body) == NULL ||
	    CU_add_test(s, "pipelined requests answered in order",
	    test_pipelined) == NULL ||
	    CU_add_test(s, "Upgrade: 101 then a tunnel", test_upgrade) ==
	    NULL ||
	    CU_add_test(s, "curl Expect: 100-continue", test_continue) ==
	    NULL ||
	    CU_add_test(s, "keep-alive race: GETs resent, POSTs never twice",
	    test_keepalive_race) == NULL ||
	    CU_add_test(s, "ab -k: no failed request", test_ab) == NULL ||
	    CU_add_test(s, "stop: idle client closed, busy one answered "
	    "with close", test_stop) == NULL ||
	    CU_add_test(s, "reload under keep-alive load: no failed request",
	    test_reload_under_load) == NULL)
		return (-1);
	return (0);
}
