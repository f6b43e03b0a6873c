/*
 * Idle timeouts.
 *
 * Config: one silent backend (accepts, never reads nor writes).
 * Client idle: client = 1s, server = 5s; the client connects and sends
 * nothing.  Expect: lbd closes it after 0.8 s to 2.5 s.
 * Server silent: client = 10s, server = 1s; the client sends a request.
 * Expect: lbd closes it after 0.8 s to 2.5 s, long before the client
 * timeout could.
 */
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "harness.h"

#define CLIENT_1S	"retries = 2; timeouts = { connect = \"1s\"; " \
			"client = \"1s\"; server = \"5s\"; };"
#define SERVER_1S	"retries = 2; timeouts = { connect = \"1s\"; " \
			"client = \"10s\"; server = \"1s\"; };"

/*
 * Connect through lbd to a silent backend, send request (unless NULL) and
 * return how many ms lbd took to close the connection, -1 if it did not
 * within 5 s.
 */
static long
time_to_close(const char *opts, const char *request)
{
	struct harness	*h = harness_new();
	long		 ms = -1;
	int		 fd;

	harness_backend(h, "a", 1, "silent", NULL);
	if (harness_start(h, opts) == -1) {
		harness_free(h);
		CU_FAIL("lbd did not start");
		return (-1);
	}
	if ((fd = harness_connect(h->port)) != -1 && (request == NULL ||
	    harness_write(fd, request, 8) == 0))
		ms = harness_wait_closed(fd, 5000);
	if (fd != -1)
		close(fd);
	harness_free(h);
	return (ms);
}

static void
test_client_idle(void)
{
	long	ms = time_to_close(CLIENT_1S, NULL);

	CU_ASSERT(ms >= 800);
	CU_ASSERT(ms < 2500);
}

static void
test_server_silent(void)
{
	long	ms = time_to_close(SERVER_1S, "request\n");

	CU_ASSERT(ms >= 800);
	CU_ASSERT(ms < 2500);
}

int
t_timeouts_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("timeouts", NULL, NULL)) == NULL ||
	    CU_add_test(s, "idle client closed after timeouts.client",
	    test_client_idle) == NULL ||
	    CU_add_test(s, "silent backend closed after timeouts.server",
	    test_server_silent) == NULL)
		return (-1);
	return (0);
}
