/*
 * Parsing the status line of an HTTP health-check answer.
 */
#include <string.h>

#include <CUnit/CUnit.h>

#include "health.h"
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

int
test_health_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("health", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "http status line", test_status_line) == NULL)
		return (-1);
	return (0);
}
