/*
 * The HTTP health check's reading of an answer (the strict parser's
 * verdict on its head), the Host value it sends, and the words for a
 * check's result as the master reads it back from the region.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "health.h"
#include "http1.h"
#include "lbd_limits.h"
#include "net.h"
#include "shm.h"
#include "unit.h"

#define HEADERS	16

/* The status of reply fed whole, or -1 with why in *reason. */
static int
status(const char *reply, const char **reason)
{
	struct http1_header	hdrs[HEADERS];
	struct http1_response	resp;
	const char		*why = NULL;
	int			 code;

	http1_response_init(&resp, hdrs, HEADERS, 1024, HTTP1_GET);
	code = health_http_status(&resp, reply, strlen(reply), &why);
	if (reason != NULL)
		*reason = why;
	return (code);
}

static void
test_status_line(void)
{
	CU_ASSERT_EQUAL(status("HTTP/1.1 200 OK\r\n\r\n", NULL), 200);
	CU_ASSERT_EQUAL(status("HTTP/1.0 503 Service Unavailable\r\n\r\n",
	    NULL), 503);
	CU_ASSERT_EQUAL(status("HTTP/1.1 302 Found\r\nLocation: /\r\n\r\nx",
	    NULL), 302);
	CU_ASSERT_EQUAL(status("HTTP/1.1 204 \r\n\r\n", NULL), 204);
	/* Wait for the whole head. */
	CU_ASSERT_EQUAL(status("HTTP/1.1 200 OK\r\n", NULL), 0);
	CU_ASSERT_EQUAL(status("HTTP/1.1 2", NULL), 0);
	CU_ASSERT_EQUAL(status("", NULL), 0);
	CU_ASSERT_EQUAL(status("SSH-2.0-OpenSSH_9.2\r\n", NULL), -1);
	CU_ASSERT_EQUAL(status("HTTP/2 200\r\n", NULL), -1);
	CU_ASSERT_EQUAL(status("HTTP/1.1 999 Nope\r\n", NULL), -1);
	CU_ASSERT_EQUAL(status("HTTP/1.1 abc\r\n\r\n", NULL), -1);
	CU_ASSERT_EQUAL(status("junk\n", NULL), -1);
}

/* A status line the old reader took, with a head the parser refuses. */
static void
test_invalid_head(void)
{
	const char	*why = NULL;

	CU_ASSERT_EQUAL(status("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	    "Content-Length: 2\r\n\r\n", &why), -1);
	CU_ASSERT_PTR_NOT_NULL(why);
	why = NULL;
	CU_ASSERT_EQUAL(status("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", &why),
	    -1);
	CU_ASSERT_PTR_NOT_NULL(why);
	CU_ASSERT_EQUAL(status("HTTP/1.1 200 OK\nServer: x\n\n", NULL), -1);
	CU_ASSERT_EQUAL(status("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", NULL),
	    -1);
}

/* Host: the address as written without its port, unless it is unsafe. */
static void
test_host(void)
{
	struct net_addr	 a;
	char		 err[256], host[LBD_ADDRLEN];

	CU_ASSERT_FATAL(net_addr_parse("127.0.0.1:8080", &a, err,
	    sizeof(err)) == 0);
	health_host("127.0.0.1:8080", &a, host, sizeof(host));
	CU_ASSERT_STRING_EQUAL(host, "127.0.0.1");
	health_host("localhost:8080", &a, host, sizeof(host));
	CU_ASSERT_STRING_EQUAL(host, "localhost");
	health_host("[::1]:8080", &a, host, sizeof(host));
	CU_ASSERT_STRING_EQUAL(host, "[::1]");
	/* Bytes that would break the header: the numeric address instead. */
	health_host("evil\r\nX-Injected: 1:8080", &a, host, sizeof(host));
	CU_ASSERT_STRING_EQUAL(host, "127.0.0.1");
	health_host("a b:8080", &a, host, sizeof(host));
	CU_ASSERT_STRING_EQUAL(host, "127.0.0.1");
	health_host(":8080", &a, host, sizeof(host));
	CU_ASSERT_STRING_EQUAL(host, "127.0.0.1");
	CU_ASSERT_FATAL(net_addr_parse("[::1]:80", &a, err,
	    sizeof(err)) == 0);
	health_host("bad\thost:80", &a, host, sizeof(host));
	CU_ASSERT_STRING_EQUAL(host, "[::1]");
}

/* Whatever a worker wrote there, the words are bounded and plain. */
static bool
reason_is(int result, int detail, const char *want)
{
	char	buf[64];

	memset(buf, 'x', sizeof(buf));
	health_reason(result, detail, buf, sizeof(buf));
	return (strcmp(buf, want) == 0);
}

static void
test_reason(void)
{
	CU_ASSERT(reason_is(CHECK_PASSED, 0, "check passed"));
	CU_ASSERT(reason_is(CHECK_CONNECT, ECONNREFUSED, "connect refused"));
	CU_ASSERT(reason_is(CHECK_CONNECT, -7, "connect failed"));
	CU_ASSERT(reason_is(CHECK_CONNECT, INT_MAX, "connect failed"));
	CU_ASSERT(reason_is(CHECK_TIMEOUT, 0, "timeout"));
	CU_ASSERT(reason_is(CHECK_STATUS, 503, "status 503"));
	CU_ASSERT(reason_is(CHECK_STATUS, 99999, "unexpected status"));
	CU_ASSERT(reason_is(CHECK_READ, 0, "read failed"));
	CU_ASSERT(reason_is(-1, 0, "unknown"));
	CU_ASSERT(reason_is(CHECK_RESULT_COUNT, 0, "unknown"));
	CU_ASSERT(reason_is(INT_MIN, INT_MIN, "unknown"));
}

int
test_health_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("health", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "http status line", test_status_line) == NULL ||
	    CU_add_test(s, "check results in words, bounded",
	    test_reason) == NULL ||
	    CU_add_test(s, "invalid response head", test_invalid_head) ==
	    NULL ||
	    CU_add_test(s, "Host value", test_host) == NULL)
		return (-1);
	return (0);
}
