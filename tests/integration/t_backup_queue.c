/*
 * Backups, maxconn and the queue.
 *
 * Backup: identity primaries "a" and "b" and backup "spare", tcp health
 * checks every 200 ms (rise 1, fall 1).  With the primaries up, 30
 * connections never reach "spare"; with both stopped and seen down, 20
 * connections all reach it; once "a" is started again and seen up, 20
 * connections all reach "a".
 *
 * Queue: one identity backend "a" with maxconn = 1.  With
 * timeouts.queue = "3s", a held connection fills it; a second client gets
 * no greeting while it waits, and gets it promptly (well under the queue
 * timeout) once the first closes.  With queue = "500ms", the second is
 * closed after about 500 ms without a byte and counted in
 * lbd_service_rejected_total.
 *
 * Queue counts: while a client waits, lbd_service_queued_connections,
 * the JSON's "queued" and the page's column say 1, and 0 once it is
 * served.  With queue = "2s", NQUEUED clients wait (whichever worker
 * took each) and are counted so until each is closed unserved; then the
 * gauge is 0 and NQUEUED queue timeouts and rejections are counted.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"
#include "httpc.h"
#include "json.h"

#define HEALTH_OPTS	"retries = 2; timeouts = { connect = \"1s\"; " \
			"client = \"10s\"; server = \"10s\"; }; " \
			"health = { type = \"tcp\"; interval = \"200ms\"; " \
			"timeout = \"100ms\"; rise = 1; fall = 1; };"
#define QUEUE_OPTS	"retries = 2; timeouts = { connect = \"1s\"; " \
			"client = \"10s\"; server = \"10s\"; queue = \"%s\"; };"
#define UP		"lbd_backend_up"
#define ACTIVE		"lbd_backend_active_connections"
#define REJECTED	"lbd_service_rejected_total{service=\"web\"}"
#define QUEUED		"lbd_service_queued_connections{service=\"web\"}"
#define QTIMEOUTS	"lbd_service_queue_timeouts_total{service=\"web\"}"
#define SPARE		2
#define NQUEUED		3

/* Wait until backend i is up (1) or down (0); true when it is. */
static bool
wait_up(const struct harness *h, size_t i, int up)
{
	return (harness_backend_metric_wait(h, UP, i, up, 2000) == up);
}

/* n connections; expect every one served by backend only. */
static void
all_to(const struct harness *h, int n, size_t only)
{
	int	counts[3] = { 0 };

	CU_ASSERT_EQUAL(harness_tally(h, n, counts), 0);
	CU_ASSERT_EQUAL(counts[only], n);
}

static void
test_backup(void)
{
	struct harness	*h = harness_new();
	int		 counts[3] = { 0 };

	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	harness_backend(h, "b", 1, "identity", "-n", "b", NULL);
	harness_backend(h, "spare", 1, "identity", "-n", "spare", NULL);
	harness_backend_opts(h, SPARE, "backup = true;");
	if (harness_start(h, HEALTH_OPTS) == -1 || !wait_up(h, 0, 1) ||
	    !wait_up(h, 1, 1) || !wait_up(h, SPARE, 1)) {
		harness_free(h);
		CU_FAIL_FATAL("lbd did not start with every backend up");
	}
	CU_ASSERT_EQUAL(harness_tally(h, 30, counts), 0);
	CU_ASSERT_EQUAL(counts[SPARE], 0);
	CU_ASSERT(counts[0] > 0 && counts[1] > 0);
	CU_ASSERT_EQUAL(harness_backend_stop(h, 0), 0);
	CU_ASSERT_EQUAL(harness_backend_stop(h, 1), 0);
	CU_ASSERT(wait_up(h, 0, 0) && wait_up(h, 1, 0));
	all_to(h, 20, SPARE);
	CU_ASSERT_EQUAL(harness_backend_restart(h, 0), 0);
	CU_ASSERT(wait_up(h, 0, 1));
	all_to(h, 20, 0);
	harness_free(h);
}

/* One backend "a" with maxconn = 1 and this queue timeout; NULL on error. */
static struct harness *
setup_queue(const char *queue)
{
	struct harness	*h = harness_new();
	char		 opts[256];

	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	harness_backend_opts(h, 0, "maxconn = 1;");
	snprintf(opts, sizeof(opts), QUEUE_OPTS, queue);
	if (harness_start(h, opts) == -1) {
		harness_free(h);
		return (NULL);
	}
	return (h);
}

/* A connection that got its greeting "a"; -1 otherwise. */
static int
served(const struct harness *h)
{
	char	line[32];
	int	fd;

	if ((fd = harness_connect(h->port)) == -1)
		return (-1);
	if (harness_read_line(fd, line, sizeof(line)) == -1 ||
	    strcmp(line, "a") != 0) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Number key of the service web in /status.json; -1 when absent. */
static double
web_json(const struct harness *h, const char *key)
{
	struct httpc_resp	 r;
	struct json		*j = NULL;
	const struct json	*m;
	double			 v = -1;

	if (httpc_get(h->stats_port, "GET", "/status.json", &r) == 0 &&
	    r.body != NULL)
		j = json_parse(r.body, r.bodylen, NULL, 0);
	m = json_get(json_find(json_get(j, "services"), "name", "web"), key);
	if (m != NULL && m->type == JSON_NUMBER)
		v = m->num;
	json_free(j);
	httpc_resp_free(&r);
	return (v);
}

/* The page's services table has a queued column, which says n > 0. */
static bool
page_queued(const struct harness *h, unsigned n)
{
	struct httpc_resp	r;
	char			cell[64];
	bool			ok;

	snprintf(cell, sizeof(cell), "<td class=\"warn\">%u ", n);
	ok = httpc_get(h->stats_port, "GET", "/", &r) == 0 && r.body != NULL &&
	    strstr(r.body, "<th>queued</th>") != NULL &&
	    strstr(r.body, cell) != NULL;
	httpc_resp_free(&r);
	return (ok);
}

/* True when fd stays without a byte or EOF for ms. */
static bool
quiet(int fd, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };

	return (poll(&pfd, 1, ms) == 0);
}

static void
test_queue_served(void)
{
	struct harness	*h = setup_queue("3s");
	char		 line[32];
	uint64_t	 start;
	int		 first, second = -1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	if ((first = served(h)) == -1 ||
	    (second = harness_connect(h->port)) == -1) {
		CU_FAIL("the first client was not served, or the second "
		    "could not connect");
		goto out;
	}
	CU_ASSERT(quiet(second, 500));
	CU_ASSERT_EQUAL(harness_backend_metric(h, ACTIVE, 0), 1);
	CU_ASSERT_EQUAL(harness_metric_wait(h, QUEUED, 1, 1000), 1);
	CU_ASSERT_EQUAL(web_json(h, "queued"), 1);
	CU_ASSERT(page_queued(h, 1));
	close(first);
	first = -1;
	start = clock_ms();
	CU_ASSERT(harness_read_line(second, line, sizeof(line)) == 1 &&
	    strcmp(line, "a") == 0);
	CU_ASSERT(clock_ms() - start < 1000);
	CU_ASSERT(harness_echo(second, "served\n"));
	CU_ASSERT_EQUAL(harness_metric(h, REJECTED), 0);
	CU_ASSERT_EQUAL(harness_metric_wait(h, QUEUED, 0, 1000), 0);
	CU_ASSERT_EQUAL(web_json(h, "queued"), 0);
	CU_ASSERT_EQUAL(web_json(h, "queued_peak"), 1);
	CU_ASSERT_EQUAL(harness_metric(h, QTIMEOUTS), 0);
out:
	if (first != -1)
		close(first);
	if (second != -1)
		close(second);
	harness_free(h);
}

/* Wait for EOF or a reset on fd without a byte; ms taken, or -1. */
static long
closed_unread(int fd)
{
	uint64_t	start = clock_ms();
	char		c;
	ssize_t		n;

	while ((n = recv(fd, &c, 1, 0)) == -1 && errno == EINTR)
		;
	if (n > 0 || (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)))
		return (-1);
	return ((long)(clock_ms() - start));
}

static void
test_queue_timeout(void)
{
	struct harness	*h = setup_queue("500ms");
	long		 ms;
	int		 first, second = -1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(harness_metric(h, REJECTED), 0);
	if ((first = served(h)) == -1 ||
	    (second = harness_connect(h->port)) == -1) {
		CU_FAIL("the first client was not served, or the second "
		    "could not connect");
		goto out;
	}
	ms = closed_unread(second);
	CU_ASSERT(ms >= 300 && ms <= 2000);
	if (ms < 300 || ms > 2000)
		fprintf(stderr, "\nqueued client closed after %ld ms\n", ms);
	CU_ASSERT_EQUAL(harness_metric_wait(h, REJECTED, 1, 1000), 1);
	CU_ASSERT(harness_echo(first, "still served\n"));
out:
	if (first != -1)
		close(first);
	if (second != -1)
		close(second);
	harness_free(h);
}

static void
test_queue_counted(void)
{
	struct harness	*h = setup_queue("2s");
	int		 first, fds[NQUEUED];
	size_t		 n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_FATAL((first = served(h)) != -1);
	for (; n < NQUEUED; n++)
		if ((fds[n] = harness_connect(h->port)) == -1)
			break;
	CU_ASSERT_EQUAL(n, NQUEUED);
	CU_ASSERT_EQUAL(harness_metric_wait(h, QUEUED, NQUEUED, 1500),
	    NQUEUED);
	CU_ASSERT_EQUAL(web_json(h, "queued"), NQUEUED);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT(closed_unread(fds[i]) >= 0);
		close(fds[i]);
	}
	CU_ASSERT_EQUAL(harness_metric_wait(h, QUEUED, 0, 1000), 0);
	CU_ASSERT_EQUAL(harness_metric_wait(h, QTIMEOUTS, NQUEUED, 1000),
	    NQUEUED);
	CU_ASSERT_EQUAL(harness_metric(h, REJECTED), NQUEUED);
	CU_ASSERT_EQUAL(web_json(h, "queue_timeouts_total"), NQUEUED);
	CU_ASSERT_EQUAL(web_json(h, "queued_peak"), NQUEUED);
	CU_ASSERT(harness_echo(first, "still served\n"));
	close(first);
	harness_free(h);
}

int
t_backup_queue_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("backup_queue", NULL, NULL)) == NULL ||
	    CU_add_test(s, "backup only while no primary is up",
	    test_backup) == NULL ||
	    CU_add_test(s, "maxconn 1: a queued client is served when a slot "
	    "frees", test_queue_served) == NULL ||
	    CU_add_test(s, "maxconn 1, queue 500ms: closed and rejected",
	    test_queue_timeout) == NULL ||
	    CU_add_test(s, "queued clients counted until they time out",
	    test_queue_counted) == NULL)
		return (-1);
	return (0);
}
