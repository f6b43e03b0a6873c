/*
 * Access log: one line per closed connection, with the right fields.
 *
 * Config: log.access = true; identity backends "a" and "b" (roundrobin).
 * Client and expectations:
 *  - 8 connections to web, connection i reading its greeting, sending
 *    SIZES[i] bytes and reading them back, then closing: exactly 8 access
 *    lines, one per client port, each with service=web, the backend that
 *    greeted, bytes_in = the bytes sent, bytes_out = greeting and echo,
 *    a duration_ms and result=ok;
 *  - service "dead" (retries = 0, one backend where nothing listens,
 *    default passive checks): 5 connections, each closed by lbd, each
 *    logged once with backend=-, no bytes, and result=connect_failed (the
 *    first) or no_backend (once passive checks left it out);
 *  - timeouts.client = 500ms and a client that reads its greeting, then
 *    idles: closed after about 500 ms and logged result=client_timeout,
 *    bytes_in=0, bytes_out=2;
 *  - timeouts.server = 500ms, a silent backend and a client that sends 5
 *    bytes: logged result=server_timeout, bytes_in=5, bytes_out=0.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "harness.h"

#define NCONN		8
#define NDEAD		5
#define CHUNK		4096
#define LOG_MS		5000	/* for an access line to appear */
#define ACCESS		" access service="
#define SHORT_TIMEOUTS	"retries = 2; timeouts = { connect = \"1s\"; " \
			"client = \"%s\"; server = \"%s\"; };"

static const size_t sizes[NCONN] = {
	1, 17, 512, 4095, 4096, 4097, 20000, 65537
};

/* What one connection should have logged. */
struct want {
	int		 port;		/* the client's */
	char		 backend[32];
	size_t		 in;
	size_t		 out;
};

/* A harness whose lbd logs access lines; NULL if it failed. */
static struct harness *
setup(void)
{
	struct harness	*h = harness_new();

	if (h != NULL)
		snprintf(h->logopts, sizeof(h->logopts), "access = true;");
	return (h);
}

/* Start lbd with opts in web; false (h freed) when it did not start. */
static bool
launch(struct harness *h, const char *opts)
{
	if (harness_start(h, opts) == 0)
		return (true);
	harness_free(h);
	return (false);
}


/* Send size bytes a chunk at a time, reading each back; 0 or -1. */
static int
exchange(int fd, size_t size)
{
	char	out[CHUNK], in[CHUNK];
	size_t	off, n;

	for (off = 0; off < size; off += n) {
		n = size - off < CHUNK ? size - off : CHUNK;
		for (size_t k = 0; k < n; k++)
			out[k] = (char)('a' + (off + k) % 26);
		if (harness_write(fd, out, n) == -1 ||
		    harness_read(fd, in, n) == -1 || memcmp(in, out, n) != 0)
			return (-1);
	}
	return (0);
}

/* Connection i to web, noted in w; 0 or -1. */
static int
one_conn(const struct harness *h, size_t i, struct want *w)
{
	int	fd, rc = -1;

	if ((fd = harness_connect(h->port)) == -1)
		return (-1);
	w->port = harness_local_port(fd);
	if (harness_read_line(fd, w->backend, sizeof(w->backend)) != -1 &&
	    exchange(fd, sizes[i]) == 0 && shutdown(fd, SHUT_WR) == 0 &&
	    harness_wait_closed(fd, 5000) >= 0) {
		w->in = sizes[i];
		w->out = sizes[i] + strlen(w->backend) + 1;
		rc = 0;
	}
	close(fd);
	return (rc);
}

/*
 * The access line of the client at port, copied into out, once lbd has
 * logged it (LOG_MS at most); how many such lines the log holds.
 */
static int
access_line(const struct harness *h, int port, char *out, size_t len)
{
	char	 needle[64], *log, *p, *bol, *eol;
	int	 n = 0;

	out[0] = '\0';
	snprintf(needle, sizeof(needle), "client=127.0.0.1:%d ", port);
	(void)harness_log_wait(h, needle, LOG_MS);
	if ((log = harness_read_file(h->log)) == NULL)
		return (0);
	for (p = log; (p = strstr(p, needle)) != NULL; p = eol) {
		for (bol = p; bol > log && bol[-1] != '\n'; bol--)
			;
		eol = p + strcspn(p, "\n");
		if (memmem(bol, (size_t)(eol - bol), ACCESS,
		    strlen(ACCESS)) == NULL)
			continue;
		if (n++ == 0)
			snprintf(out, len, "%.*s", (int)(eol - bol), bol);
	}
	free(log);
	return (n);
}

/* The value of key=value in an access line, copied; "" when absent. */
static const char *
field(const char *line, const char *key, char *out, size_t len)
{
	char		 k[32];
	const char	*p;

	snprintf(k, sizeof(k), " %s=", key);
	out[0] = '\0';
	if ((p = strstr(line, k)) != NULL) {
		p += strlen(k);
		snprintf(out, len, "%.*s", (int)strcspn(p, " \n"), p);
	}
	return (out);
}

/* True when key's value in line is want. */
static bool
field_is(const char *line, const char *key, const char *want)
{
	char	v[64];

	if (strcmp(field(line, key, v, sizeof(v)), want) == 0)
		return (true);
	fprintf(stderr, "\n%s=%s, want %s in: %s\n", key, v, want, line);
	return (false);
}

static bool
field_num(const char *line, const char *key, size_t want)
{
	char	v[32];

	snprintf(v, sizeof(v), "%zu", want);
	return (field_is(line, key, v));
}

/* True when the value of key is a decimal number. */
static bool
field_digits(const char *line, const char *key)
{
	char	v[32];

	field(line, key, v, sizeof(v));
	return (v[0] != '\0' && strspn(v, "0123456789") == strlen(v));
}

static void
test_one_line_per_connection(void)
{
	struct harness	*h = setup();
	struct want	 w[NCONN];
	char		 line[512], client[64];

	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	harness_backend(h, "b", 1, "identity", "-n", "b", NULL);
	if (!launch(h, NULL))
		CU_FAIL_FATAL("lbd did not start");
	memset(w, 0, sizeof(w));
	for (size_t i = 0; i < NCONN; i++)
		CU_ASSERT_EQUAL(one_conn(h, i, &w[i]), 0);
	for (size_t i = 0; i < NCONN; i++) {
		CU_ASSERT_EQUAL(access_line(h, w[i].port, line, sizeof(line)),
		    1);
		snprintf(client, sizeof(client), "127.0.0.1:%d", w[i].port);
		CU_ASSERT(field_is(line, "service", "web"));
		CU_ASSERT(field_is(line, "client", client));
		CU_ASSERT(field_is(line, "backend", w[i].backend));
		CU_ASSERT(field_num(line, "bytes_in", w[i].in));
		CU_ASSERT(field_num(line, "bytes_out", w[i].out));
		CU_ASSERT(field_digits(line, "duration_ms"));
		CU_ASSERT(field_is(line, "result", "ok"));
	}
	CU_ASSERT_EQUAL(harness_log_count(h, ACCESS), NCONN);
	harness_free(h);
}

static void
test_no_backend(void)
{
	struct harness	*h = setup();
	char		 line[512], result[32];
	int		 port = -1, fd, ports[NDEAD];

	for (int i = 0; i < 10 && (port == -1 || port == h->port ||
	    port == h->stats_port); i++)
		port = harness_free_port();
	snprintf(h->services, sizeof(h->services), "{ name = \"dead\"; "
	    "listen = \"127.0.0.1:%d\"; retries = 0; backends = ( { name = "
	    "\"x\"; address = \"127.0.0.1:%d\"; } ); }", port,
	    harness_free_port());
	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	if (!launch(h, NULL))
		CU_FAIL_FATAL("lbd did not start");
	for (int i = 0; i < NDEAD; i++) {
		ports[i] = -1;
		if ((fd = harness_connect(port)) == -1)
			continue;
		ports[i] = harness_local_port(fd);
		CU_ASSERT(harness_wait_closed(fd, 5000) >= 0);
		close(fd);
	}
	for (int i = 0; i < NDEAD; i++) {
		CU_ASSERT_EQUAL(access_line(h, ports[i], line, sizeof(line)),
		    1);
		CU_ASSERT(field_is(line, "service", "dead"));
		CU_ASSERT(field_is(line, "backend", "-"));
		CU_ASSERT(field_num(line, "bytes_in", 0));
		CU_ASSERT(field_num(line, "bytes_out", 0));
		field(line, "result", result, sizeof(result));
		if (i == 0)
			CU_ASSERT(strcmp(result, "connect_failed") == 0);
		CU_ASSERT(strcmp(result, "connect_failed") == 0 ||
		    strcmp(result, "no_backend") == 0);
	}
	CU_ASSERT_EQUAL(harness_log_count(h, ACCESS), NDEAD);
	harness_free(h);
}

static void
test_client_timeout(void)
{
	struct harness	*h = setup();
	char		 opts[256], line[512], name[16];
	long		 ms = -1;
	int		 fd, port = -1;

	snprintf(opts, sizeof(opts), SHORT_TIMEOUTS, "500ms", "10s");
	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	if (!launch(h, opts))
		CU_FAIL_FATAL("lbd did not start");
	if ((fd = harness_connect(h->port)) != -1) {
		port = harness_local_port(fd);
		CU_ASSERT(harness_read_line(fd, name, sizeof(name)) == 1);
		ms = harness_wait_closed(fd, 5000);
		close(fd);
	}
	CU_ASSERT(ms >= 400 && ms < 3000);
	CU_ASSERT_EQUAL(access_line(h, port, line, sizeof(line)), 1);
	CU_ASSERT(field_is(line, "backend", "a"));
	CU_ASSERT(field_num(line, "bytes_in", 0));
	CU_ASSERT(field_num(line, "bytes_out", 2));
	CU_ASSERT(field_is(line, "result", "client_timeout"));
	harness_free(h);
}

static void
test_server_timeout(void)
{
	struct harness	*h = setup();
	char		 opts[256], line[512];
	long		 ms = -1;
	int		 fd, port = -1;

	snprintf(opts, sizeof(opts), SHORT_TIMEOUTS, "10s", "500ms");
	harness_backend(h, "s", 1, "silent", NULL);
	if (!launch(h, opts))
		CU_FAIL_FATAL("lbd did not start");
	if ((fd = harness_connect(h->port)) != -1) {
		port = harness_local_port(fd);
		CU_ASSERT(harness_write(fd, "hello", 5) == 0);
		ms = harness_wait_closed(fd, 5000);
		close(fd);
	}
	CU_ASSERT(ms >= 400 && ms < 3000);
	CU_ASSERT_EQUAL(access_line(h, port, line, sizeof(line)), 1);
	CU_ASSERT(field_is(line, "backend", "s"));
	CU_ASSERT(field_num(line, "bytes_in", 5));
	CU_ASSERT(field_num(line, "bytes_out", 0));
	CU_ASSERT(field_is(line, "result", "server_timeout"));
	harness_free(h);
}

int
t_access_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("access", NULL, NULL)) == NULL ||
	    CU_add_test(s, "one line per connection, exact bytes, ok",
	    test_one_line_per_connection) == NULL ||
	    CU_add_test(s, "dead service: backend=-, no_backend or "
	    "connect_failed", test_no_backend) == NULL ||
	    CU_add_test(s, "idle client: client_timeout",
	    test_client_timeout) == NULL ||
	    CU_add_test(s, "silent backend: server_timeout",
	    test_server_timeout) == NULL)
		return (-1);
	return (0);
}
