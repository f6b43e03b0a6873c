/*
 * Half-close: a client that shuts down its writing side still gets the
 * whole reply, then EOF.
 *
 * Config: one echo backend (or a slow one that holds each chunk 300 ms).
 * Client: writes N bytes without reading, shutdown(SHUT_WR), then reads.
 * Expect: the same N bytes back, then a clean EOF (read returns 0).
 */
#include <sys/socket.h>

#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "harness.h"

/* Small enough to sit in socket buffers while the client is not reading. */
#define N	(64 * 1024)

/* Start a backend PROG (with its option) and lbd; NULL on error. */
static struct harness *
setup(const char *prog, const char *opt, const char *val)
{
	struct harness	*h = harness_new();

	harness_backend(h, "a", 1, prog, opt, val, NULL);
	if (harness_start(h, NULL) == -1) {
		harness_free(h);
		return (NULL);
	}
	return (h);
}

/* Write n <= N bytes, half-close, read them back and the EOF after. */
static void
roundtrip(const struct harness *h, size_t n)
{
	static char	out[N], in[N];
	char		c;
	int		fd = harness_connect(h->port);

	for (size_t i = 0; i < n; i++)
		out[i] = (char)('a' + i % 23);
	CU_ASSERT(fd != -1);
	CU_ASSERT(harness_write(fd, out, n) == 0);
	CU_ASSERT(shutdown(fd, SHUT_WR) == 0);
	CU_ASSERT(harness_read(fd, in, n) == 0);
	CU_ASSERT(memcmp(in, out, n) == 0);
	CU_ASSERT(read(fd, &c, 1) == 0);
	close(fd);
}

static void
test_halfclose_echo(void)
{
	struct harness	*h = setup("echo", NULL, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	roundtrip(h, N);
	harness_free(h);
}

/* The reply comes 300 ms after the client's FIN reached lbd. */
static void
test_halfclose_late_reply(void)
{
	struct harness	*h = setup("slow", "-d", "300");

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	roundtrip(h, 1000);
	harness_free(h);
}

int
t_halfclose_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("halfclose", NULL, NULL)) == NULL ||
	    CU_add_test(s, "64 KiB echoed after SHUT_WR, then EOF",
	    test_halfclose_echo) == NULL ||
	    CU_add_test(s, "late reply after SHUT_WR, then EOF",
	    test_halfclose_late_reply) == NULL)
		return (-1);
	return (0);
}
