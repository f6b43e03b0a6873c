/*
 * Parsing the status line of an HTTP health-check answer, and the words
 * for a check's result as the master reads it back from the region.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "health.h"
#include "shm.h"
#include "unit.h"

static int
status(const char *reply)
{
	return (health_http_status(reply, strlen(reply)));
}

static void
test_status_line(void)
{
	CU_ASSERT_EQUAL(status("HTTP/1.1 200 OK\r\n"), 200);
	CU_ASSERT_EQUAL(status("HTTP/1.0 503 Service Unavailable\r\n"), 503);
	CU_ASSERT_EQUAL(status("HTTP/1.1 302 Found\r\nLocation: /\r\n"), 302);
	CU_ASSERT_EQUAL(status("HTTP/1.1 200"), 200);
	CU_ASSERT_EQUAL(status("HTTP/1.1 2"), 0);		/* wait for more */
	CU_ASSERT_EQUAL(status(""), 0);
	CU_ASSERT_EQUAL(status("SSH-2.0-OpenSSH_9.2\r\n"), -1);
	CU_ASSERT_EQUAL(status("HTTP/2 200\r\n"), -1);
	CU_ASSERT_EQUAL(status("HTTP/1.1 999 Nope\r\n"), -1);
	CU_ASSERT_EQUAL(status("HTTP/1.1 abc\r\n\r\n"), -1);
	CU_ASSERT_EQUAL(status("junk\n"), -1);
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
	    test_reason) == NULL)
		return (-1);
	return (0);
}
