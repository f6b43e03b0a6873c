/*
 * The PROXY protocol, out to backends (send_proxy) and in from clients
 * (accept_proxy).
 *
 *  - send: service send_proxy = "v2", backend "a" (proxy backend) takes
 *    it, backend "b" says "v1": each of 4 connections is greeted with
 *    "proxy_src=127.0.0.1:PORT vN", PORT the client socket's own, both
 *    versions seen, and the bytes after it echo;
 *  - accept: accept_proxy with send_proxy v1 to a proxy backend; a v1 and
 *    a v2 header naming 203.0.113.9:5555 (whole with data behind it, and
 *    cut in two writes): the backend is told 203.0.113.9:5555, data
 *    echoes, and the access lines say client=203.0.113.9:5555;
 *  - source balancing by the claimed address: two identity backends, 24
 *    claimed sources each connecting twice (other ports): the same source
 *    reaches the same backend, and both backends are reached;
 *  - malformed: bad v2 signature, bad v1 spacing, v2 truncated then EOF,
 *    v2 length 65535, no header (an HTTP request): each closed within 2 s,
 *    logged result=bad_proxy, counted rejected, and the backend never
 *    connected to (lbd_backend_connections_total stays 0);
 *  - deadline: timeouts.http_request = 500ms (or the 10 s default when
 *    that key is not known yet) and a client that sends half a v1 header:
 *    closed at the deadline, not before;
 *  - health checks: tcp checks of a backend with send_proxy v1 that the
 *    test serves: a check connection brings no byte, a client's brings
 *    the header;
 *  - HAProxy, when installed: lbd (send_proxy v1, v2) -> HAProxy
 *    (accept-proxy, send-proxy-v2) -> proxy backend, and HAProxy
 *    (send-proxy-v2, send-proxy) -> lbd (accept_proxy, send_proxy v1, v2)
 *    -> proxy backend: the backend is told the client's own address, so
 *    each hop parsed the previous one's header.
 */
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "../cunit_run.h"
#include "harness.h"

#define SIG		"\r\n\r\n\0\r\nQUIT\n"
#define V1_HDR		"PROXY TCP4 203.0.113.9 192.0.2.1 5555 80\r\n"
#define V2_HDR		SIG "\x21\x11\x00\x0c" "\xcb\x00\x71\x09" \
			"\xc0\x00\x02\x01" "\x15\xb3\x00\x50"
#define CLAIMED		"proxy_src=203.0.113.9:5555 v1"
#define TIMEOUTS	"retries = 2; timeouts = { connect = \"1s\"; " \
			"client = \"10s\"; server = \"10s\"; %s};"
#define CONNS		"lbd_backend_connections_total"
#define REJECTED	"lbd_service_rejected_total{service=\"web\"}"
#define NSOURCES	24
#define HAPROXY		"/usr/sbin/haproxy"

/* Start lbd with opts; false (h freed) when it did not start. */
static bool
launch(struct harness *h, const char *opts)
{
	if (harness_start(h, opts) == 0)
		return (true);
	harness_free(h);
	CU_FAIL("lbd did not start");
	return (false);
}

/* Read the greeting line on fd and compare it with want. */
static bool
greeted(int fd, const char *want)
{
	char	line[256];

	if (harness_read_line(fd, line, sizeof(line)) < 0) {
		fprintf(stderr, "\nno greeting, want \"%s\"\n", want);
		return (false);
	}
	if (strcmp(line, want) != 0) {
		fprintf(stderr, "\ngreeting \"%s\", want \"%s\"\n", line, want);
		return (false);
	}
	return (true);
}

static void
test_send(void)
{
	struct harness	*h = harness_new();
	char		 line[128], want[128];
	int		 fd, seen[3] = { 0 };

	harness_backend(h, "a", 1, "proxy", NULL);
	harness_backend(h, "b", 1, "proxy", NULL);
	harness_backend_opts(h, 1, "send_proxy = \"v1\";");
	if (!launch(h, "send_proxy = \"v2\";"))
		return;
	for (int i = 0; i < 4; i++) {
		if ((fd = harness_connect(h->port)) == -1) {
			CU_FAIL("connect");
			continue;
		}
		/* "... vN": a's v2 or b's v1, roundrobin. */
		CU_ASSERT(harness_read_line(fd, line, sizeof(line)) > 0);
		for (int v = 1; v <= 2; v++) {
			snprintf(want, sizeof(want), "proxy_src=127.0.0.1:%d "
			    "v%d", harness_local_port(fd), v);
			if (strcmp(line, want) == 0)
				seen[v]++;
		}
		CU_ASSERT(harness_echo(fd, "after the header"));
		close(fd);
	}
	CU_ASSERT_EQUAL(seen[1], 2);
	CU_ASSERT_EQUAL(seen[2], 2);
	harness_free(h);
}

/* Send the header (cut at cut bytes when not 0), then data; check all. */
static void
claim(const struct harness *h, const char *hdr, size_t len, size_t cut)
{
	int	fd;

	if ((fd = harness_connect(h->port)) == -1) {
		CU_FAIL("connect");
		return;
	}
	if (cut == 0) {
		/* Header and data in one segment: lbd must not eat data. */
		char	buf[128];

		memcpy(buf, hdr, len);
		memcpy(buf + len, "x", 1);
		CU_ASSERT(harness_write(fd, buf, len + 1) == 0);
		CU_ASSERT(greeted(fd, CLAIMED));
		CU_ASSERT(harness_read(fd, buf, 1) == 0 && buf[0] == 'x');
	} else {
		CU_ASSERT(harness_write(fd, hdr, cut) == 0);
		harness_sleep_ms(50);	/* two segments, two reads */
		CU_ASSERT(harness_write(fd, hdr + cut, len - cut) == 0);
		CU_ASSERT(greeted(fd, CLAIMED));
	}
	CU_ASSERT(harness_echo(fd, "payload"));
	close(fd);
}

static void
test_accept(void)
{
	struct harness	*h = harness_new();

	snprintf(h->logopts, sizeof(h->logopts), "access = true;");
	harness_backend(h, "a", 1, "proxy", NULL);
	if (!launch(h, "accept_proxy = true; send_proxy = \"v1\";"))
		return;
	claim(h, V1_HDR, sizeof(V1_HDR) - 1, 0);
	claim(h, V1_HDR, sizeof(V1_HDR) - 1, 9);
	claim(h, V2_HDR, sizeof(V2_HDR) - 1, 0);
	claim(h, V2_HDR, sizeof(V2_HDR) - 1, 14);
	CU_ASSERT(harness_log_wait(h, "client=203.0.113.9:5555 backend=a", 5000));
	for (int i = 0; i < 50 && harness_log_count(h,
	    "client=203.0.113.9:5555 backend=a") < 4; i++)
		harness_sleep_ms(100);
	CU_ASSERT_EQUAL(harness_log_count(h, "client=203.0.113.9:5555 "
	    "backend=a"), 4);
	CU_ASSERT_EQUAL(harness_log_count(h, "client=127.0.0.1:"), 0);
	harness_free(h);
}

/* The identity backend reached with source 203.0.113.N: its index or -1. */
static int
reached(const struct harness *h, int n, int port)
{
	char	hdr[96], line[64];
	int	fd, len, be = -1;

	if ((fd = harness_connect(h->port)) == -1)
		return (-1);
	len = snprintf(hdr, sizeof(hdr), "PROXY TCP4 203.0.113.%d 192.0.2.1 "
	    "%d 80\r\n", n, port);
	if (harness_write(fd, hdr, (size_t)len) == 0 &&
	    harness_read_line(fd, line, sizeof(line)) > 0)
		for (size_t i = 0; i < h->nbackends; i++)
			if (strcmp(line, h->backends[i].name) == 0)
				be = (int)i;
	close(fd);
	return (be);
}

static void
test_source(void)
{
	struct harness	*h = harness_new();
	int		 first, again, count[2] = { 0 };

	snprintf(h->balance, sizeof(h->balance), "source");
	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	harness_backend(h, "b", 1, "identity", "-n", "b", NULL);
	if (!launch(h, "accept_proxy = true;"))
		return;
	for (int n = 1; n <= NSOURCES; n++) {
		first = reached(h, n, 1000 + n);
		again = reached(h, n, 2000 + n);
		CU_ASSERT(first >= 0);
		CU_ASSERT_EQUAL(first, again);
		if (first >= 0)
			count[first]++;
	}
	/* 24 sources all on one of two backends: 2 in 2^24 by chance. */
	CU_ASSERT(count[0] > 0 && count[1] > 0);
	harness_free(h);
}

struct bad {
	const char	*name;
	const char	*bytes;
	size_t		 len;
	bool		 eof;		/* then half-close */
};

#define B(x)	x, sizeof(x) - 1
static const struct bad bads[] = {
	{ "bad v2 signature", B("\r\n\r\n\0\r\nQUIX\n" "\x21\x11\x00\x0c"
	    "\xcb\x00\x71\x09" "\xc0\x00\x02\x01" "\x15\xb3\x00\x50"), false },
	{ "bad v1 spacing", B("PROXY TCP4  203.0.113.9 192.0.2.1 5555 80\r\n"),
	    false },
	{ "truncated v2", B(SIG "\x21\x11\x00\x0c" "\xcb\x00\x71\x09"), true },
	{ "oversized v2", B(SIG "\x21\x11\xff\xff" "\xcb\x00\x71\x09"), false },
	{ "no header", B("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), false }
};
#define NBAD	(sizeof(bads) / sizeof(bads[0]))

static void
test_malformed(void)
{
	struct harness	*h = harness_new();
	double		 before;
	int		 fd;

	snprintf(h->logopts, sizeof(h->logopts), "access = true;");
	harness_backend(h, "a", 1, "proxy", NULL);
	if (!launch(h, "accept_proxy = true; send_proxy = \"v1\";"))
		return;
	before = harness_metric(h, REJECTED);
	for (size_t i = 0; i < NBAD; i++) {
		if ((fd = harness_connect(h->port)) == -1) {
			CU_FAIL("connect");
			continue;
		}
		CU_ASSERT(harness_write(fd, bads[i].bytes, bads[i].len) == 0);
		if (bads[i].eof)
			shutdown(fd, SHUT_WR);
		if (harness_wait_closed(fd, 2000) < 0) {
			CU_FAIL("a malformed header was not closed");
			fprintf(stderr, "\n%s: not closed\n", bads[i].name);
		}
		close(fd);
	}
	CU_ASSERT_EQUAL(harness_metric_wait(h, REJECTED, before + NBAD, 3000),
	    before + NBAD);
	CU_ASSERT(harness_log_wait(h, "result=bad_proxy", 3000));
	for (int i = 0; i < 30 && harness_log_count(h, "result=bad_proxy") <
	    (int)NBAD; i++)
		harness_sleep_ms(100);
	CU_ASSERT_EQUAL(harness_log_count(h, "result=bad_proxy"), (int)NBAD);
	CU_ASSERT_EQUAL(harness_backend_metric(h, CONNS, 0), 0);
	harness_free(h);
}

static void
test_deadline(void)
{
	struct harness	*h = harness_new();
	char		 opts[256], out[1024];
	long		 ms, want = 500;
	int		 fd;

	snprintf(h->logopts, sizeof(h->logopts), "access = true;");
	harness_backend(h, "a", 1, "proxy", NULL);
	snprintf(opts, sizeof(opts), "accept_proxy = true; " TIMEOUTS,
	    "http_request = \"500ms\"; ");
	/* The key comes with HTTP mode; without it the default stands. */
	if (harness_config(h, opts, NULL) == -1 || harness_run(out,
	    sizeof(out), 5000, "-t", "-c", h->conf, (char *)NULL) != 0) {
		snprintf(opts, sizeof(opts), "accept_proxy = true; " TIMEOUTS,
		    "");
		want = 10000;
	}
	if (!launch(h, opts))
		return;
	if ((fd = harness_connect(h->port)) == -1) {
		CU_FAIL("connect");
		harness_free(h);
		return;
	}
	CU_ASSERT(harness_write(fd, "PROXY TCP4 ", 11) == 0);
	ms = harness_wait_closed(fd, (int)want + 3000);
	CU_ASSERT(ms >= want - 100 && ms <= want + 2000);
	if (ms < want - 100 || ms > want + 2000)
		fprintf(stderr, "\nclosed after %ld ms, deadline %ld\n", ms,
		    want);
	close(fd);
	CU_ASSERT(harness_log_wait(h, "result=bad_proxy", 5000));
	CU_ASSERT_EQUAL(harness_backend_metric(h, CONNS, 0), 0);
	harness_free(h);
}

/*
 * Accept one connection on lfd within ms and read what it brings until
 * EOF or a pause of 300 ms: the byte count, the first bytes in buf; -1
 * when none came.
 */
static long
take_conn(int lfd, int ms, char *buf, size_t len)
{
	struct pollfd	pfd = { .fd = lfd, .events = POLLIN };
	long		total = 0;
	ssize_t		n;
	int		fd;

	if (poll(&pfd, 1, ms) != 1 || (fd = accept(lfd, NULL, NULL)) == -1)
		return (-1);
	pfd.fd = fd;
	while (poll(&pfd, 1, 300) == 1) {
		if ((n = read(fd, buf + total, len - (size_t)total)) <= 0)
			break;
		total += n;
		if ((size_t)total == len)
			break;
	}
	close(fd);
	return (total);
}

static void
test_health(void)
{
	struct harness	*h = harness_new();
	char		 buf[128];
	int		 lfd, port, fd, clean = 0;
	long		 n;
	bool		 header = false;

	if ((lfd = harness_listen(&port)) == -1) {
		CU_FAIL("listen");
		harness_free(h);
		return;
	}
	harness_port_backend(h, "a", 1, port);
	harness_backend_opts(h, 0, "send_proxy = \"v1\";");
	if (!launch(h, "health = { type = \"tcp\"; interval = \"200ms\"; "
	    "timeout = \"200ms\"; rise = 1; fall = 1; };")) {
		close(lfd);
		return;
	}
	/* Checks come every 200 ms: three without a byte. */
	for (int i = 0; i < 20 && clean < 3; i++)
		if ((n = take_conn(lfd, 2000, buf, sizeof(buf))) == 0)
			clean++;
	CU_ASSERT_EQUAL(clean, 3);
	/* A client's connection among the checks brings the header. */
	if ((fd = harness_connect(h->port)) != -1) {
		for (int i = 0; i < 20 && !header; i++)
			if ((n = take_conn(lfd, 2000, buf, sizeof(buf))) > 6)
				header = memcmp(buf, "PROXY ", 6) == 0;
		close(fd);
	}
	CU_ASSERT(header);
	close(lfd);
	harness_free(h);
}

/* Wait up to ms for 127.0.0.1:port to take connections. */
static bool
port_ready(int port, int ms)
{
	uint64_t	end = clock_ms() + (uint64_t)ms;
	int		fd;

	while (clock_ms() < end) {
		if ((fd = harness_connect(port)) != -1) {
			close(fd);
			return (true);
		}
		harness_sleep_ms(50);
	}
	return (false);
}

/* Start HAProxy on the configuration at path; its pid, or -1. */
static pid_t
haproxy_start(const char *path)
{
	pid_t	pid;
	int	null;

	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0) {
		if ((null = open("/dev/null", O_WRONLY)) != -1) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execl(HAPROXY, "haproxy", "-db", "-f", path, (char *)NULL);
		_exit(127);
	}
	return (pid);
}

static void
haproxy_stop(pid_t pid)
{
	int	st;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return;
		harness_sleep_ms(100);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

/*
 * HAProxy listens on :front (sending in_opt's header to lbd) and on :back
 * (accept-proxy, then send-proxy-v2 to the proxy backend p).  With out_hop
 * set the client goes client -> lbd (send_proxy out) -> :back -> p, and
 * HAProxy must have parsed lbd's header; else client -> :front -> lbd
 * (accept_proxy, send_proxy out) -> p, and lbd must have parsed
 * HAProxy's: its own header has version out, which differs from in_opt's,
 * so a header passed through unread would show.
 */
static void
haproxy_chain(bool out_hop, const char *in_opt, int out)
{
	struct harness	*h = harness_new();
	char		 path[128], opts[128], want[128];
	FILE		*f;
	pid_t		 hap = -1;
	int		 front = harness_free_port(), back, p, fd;

	p = harness_backend(h, "p", out_hop ? 0 : 1, "proxy", NULL);
	back = harness_free_port();
	snprintf(path, sizeof(path), "%s/haproxy.cfg", h->dir);
	if (front == -1 || back == -1 || p == -1 ||
	    (f = fopen(path, "w")) == NULL) {
		CU_FAIL("setup");
		harness_free(h);
		return;
	}
	fprintf(f, "defaults\n  mode tcp\n  timeout connect 2s\n"
	    "  timeout client 10s\n  timeout server 10s\n"
	    "listen front\n  bind 127.0.0.1:%d\n"
	    "  server lbd 127.0.0.1:%d %s\n"
	    "listen back\n  bind 127.0.0.1:%d accept-proxy\n"
	    "  server p 127.0.0.1:%d send-proxy-v2\n", front, h->port, in_opt,
	    back, p);
	fclose(f);
	if (out_hop)
		harness_port_backend(h, "hap", 1, back);
	snprintf(opts, sizeof(opts), "%s send_proxy = \"v%d\";", out_hop ? "" :
	    "accept_proxy = true;", out);
	if ((hap = haproxy_start(path)) == -1 || !port_ready(front, 5000) ||
	    !port_ready(back, 5000)) {
		CU_FAIL("haproxy did not start");
		haproxy_stop(hap);
		harness_free(h);
		return;
	}
	if (!launch(h, opts)) {
		haproxy_stop(hap);
		return;
	}
	if ((fd = harness_connect(out_hop ? h->port : front)) == -1) {
		CU_FAIL("connect");
	} else {
		snprintf(want, sizeof(want), "proxy_src=127.0.0.1:%d v%d",
		    harness_local_port(fd), out_hop ? 2 : out);
		CU_ASSERT(greeted(fd, want));
		CU_ASSERT(harness_echo(fd, "through HAProxy"));
		close(fd);
	}
	haproxy_stop(hap);
	harness_free(h);
}

static void
test_haproxy(void)
{
	if (access(HAPROXY, X_OK) == -1) {
		cunit_skip("haproxy is not installed");
		return;
	}
	haproxy_chain(true, "", 1);
	haproxy_chain(true, "", 2);
	haproxy_chain(false, "send-proxy-v2", 1);
	haproxy_chain(false, "send-proxy", 2);
}

int
t_proxy_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("proxy", NULL, NULL)) == NULL ||
	    CU_add_test(s, "send_proxy v1 and v2 carry the client",
	    test_send) == NULL ||
	    CU_add_test(s, "accept_proxy v1 and v2: the claimed client",
	    test_accept) == NULL ||
	    CU_add_test(s, "source balancing by the claimed address",
	    test_source) == NULL ||
	    CU_add_test(s, "malformed headers closed, nothing forwarded",
	    test_malformed) == NULL ||
	    CU_add_test(s, "a missing header closed at the deadline",
	    test_deadline) == NULL ||
	    CU_add_test(s, "health checks send no header",
	    test_health) == NULL ||
	    CU_add_test(s, "HAProxy both ways", test_haproxy) == NULL)
		return (-1);
	return (0);
}
