/*
 * Reloads and stops that answer.
 *
 * Config: 2 workers, identity backend "a", a pidfile in the test's
 * directory, shutdown_timeout 2 s.
 *
 * reload: at start /status.json says reload {generation 1, result "ok"}
 * and lbd_reload_failures_total is 0.  "lbd -s foo" exits 2 naming the
 * valid words; "lbd --help" exits 0 with them.  An unparsable file:
 * "lbd -s reload" exits 1 and sends no HUP.  A file that parses but adds
 * a service on a port the test holds: it exits 1 saying the address;
 * lbd serves on through a, /status.json says generation 1, "failed",
 * a non-empty error, and lbd_reload_failures_total is 1.  A good file
 * naming backend "b": it exits 0 printing "reloaded generation=2" (the
 * failure used no number) and new connections reach b.
 *
 * start_fails: lbd runs with LBD_TEST_FAIL_GENERATION=2, so generation
 * 2's workers exit at start.  "lbd -s reload" with a good file exits 1
 * within the start bound plus a margin, saying the workers did not run;
 * a still serves, and /status.json says generation 1, "failed".
 *
 * stop: with a client connection open (the graceful stop waits for it
 * up to shutdown_timeout), "lbd -s stop" exits 0, and at that moment the
 * master has exited: it is reaped at once, with status 0.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "expo.h"
#include "harness.h"
#include "httpc.h"
#include "json.h"

#define RUN_MS		10000
#define START_RUN_MS	30000	/* the master's start bound is 10 s */

/*
 * lbd on backend "a" with a pidfile in its directory, and backend "b"
 * started beside for a reload to name; NULL when that failed.
 */
static struct harness *
start(char *pidfile, size_t len)
{
	struct harness	*h = harness_new();

	if (h == NULL)
		return (NULL);
	harness_backend(h, "a", 1, "identity", "-n", "a", NULL);
	snprintf(pidfile, len, "%s/lbd.pid", h->dir);
	snprintf(h->top, sizeof(h->top), "pidfile = \"%s\"; "
	    "shutdown_timeout = \"2s\";", pidfile);
	if (harness_start(h, NULL) == -1 ||
	    harness_backend(h, "b", 1, "identity", "-n", "b", NULL) == -1) {
		harness_free(h);
		return (NULL);
	}
	return (h);
}

/* "lbd -s WORD" with this file and pidfile; its status, output in out. */
static int
run_signal(struct harness *h, const char *pidfile, const char *word,
    char *out, size_t len, int ms)
{
	return (harness_run(out, len, ms, "-s", word, "-c", h->conf, "-p",
	    pidfile, NULL));
}

/* /status.json's "reload" object checked against what is expected. */
static void
check_reload_json(struct harness *h, unsigned generation, const char *result)
{
	struct httpc_resp	 r;
	struct json		*j = NULL;
	const struct json	*o, *g, *res, *e, *t;
	char			 err[128];

	if (httpc_get(h->stats_port, "GET", "/status.json", &r) == -1) {
		CU_FAIL("GET /status.json");
		return;
	}
	if (r.body != NULL)
		j = json_parse(r.body, strlen(r.body), err, sizeof(err));
	o = json_get(j, "reload");
	g = json_get(o, "generation");
	res = json_get(o, "result");
	e = json_get(o, "error");
	t = json_get(o, "time");
	CU_ASSERT(g != NULL && g->type == JSON_NUMBER &&
	    g->num == generation);
	CU_ASSERT(res != NULL && res->type == JSON_STRING &&
	    strcmp(res->str, result) == 0);
	CU_ASSERT(t != NULL && t->type == JSON_NUMBER &&
	    t->num > 1.6e9 && t->num <= (double)time(NULL) + 1);
	CU_ASSERT(e != NULL && e->type == JSON_STRING);
	if (e != NULL && e->type == JSON_STRING)
		CU_ASSERT_EQUAL(strcmp(result, "ok") == 0, e->str[0] == '\0');
	if (o == NULL)
		fprintf(stderr, "\n  /status.json: %s\n", r.body != NULL ?
		    r.body : "(none)");
	json_free(j);
	httpc_resp_free(&r);
}

/* A listening socket on 127.0.0.1 that lbd cannot bind; its port. */
static int
hold_port(int *fd)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((*fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (bind(*fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(*fd, 1) == -1) {
		close(*fd);
		*fd = -1;
		return (-1);
	}
	return (harness_local_port(*fd));
}

/* Usage: unknown words are refused naming the valid ones. */
static void
check_usage(struct harness *h, const char *pidfile)
{
	char	out[2048];

	CU_ASSERT_EQUAL(run_signal(h, pidfile, "foo", out, sizeof(out),
	    RUN_MS), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "reload, stop, quit or reopen"));
	CU_ASSERT_EQUAL(harness_run(out, sizeof(out), RUN_MS, "--help",
	    NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "-s reload"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "-s stop"));
}

/* A file that does not parse: 1, and no HUP. */
static void
check_unparsable(struct harness *h, const char *pidfile)
{
	char	out[2048];
	FILE	*f;

	if ((f = fopen(h->conf, "a")) == NULL) {
		CU_FAIL("cannot write the configuration");
		return;
	}
	fputs("this is not libconfig\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(run_signal(h, pidfile, "reload", out, sizeof(out),
	    RUN_MS), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, h->conf));
	CU_ASSERT_EQUAL(harness_log_count(h, "reloading generation="), 0);
}

/* A file that parses but cannot bind: 1 with the reason, gen 1 serves. */
static void
check_unbindable(struct harness *h, const char *pidfile)
{
	char	out[2048], addr[64];
	int	fd, port, counts[2] = { 0 }, rc;

	if ((port = hold_port(&fd)) == -1) {
		CU_FAIL("cannot hold a port");
		return;
	}
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	snprintf(h->services, sizeof(h->services), "{ name = \"held\"; "
	    "listen = \"%s\"; backends = ( { address = \"127.0.0.1:%d\"; } "
	    "); }", addr, h->backends[0].port);
	if (harness_config(h, NULL, "a") == -1)
		CU_FAIL("cannot write the configuration");
	h->services[0] = '\0';
	rc = run_signal(h, pidfile, "reload", out, sizeof(out), RUN_MS);
	close(fd);
	CU_ASSERT_EQUAL(rc, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "reload failed"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, addr));
	if (rc != 1 || strstr(out, addr) == NULL)
		fprintf(stderr, "\n  lbd -s reload: status %d, output \"%s\"\n",
		    rc, out);
	check_reload_json(h, 1, "failed");
	CU_ASSERT_EQUAL(harness_metric(h, "lbd_reload_failures_total"), 1);
	CU_ASSERT_EQUAL(harness_metric(h, "lbd_reload_last_result"), 0);
	CU_ASSERT_EQUAL(harness_tally(h, 6, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 6);
}

/* A good file: 0 and the generation, the next number after 1. */
static void
check_good(struct harness *h, const char *pidfile)
{
	char	out[2048];
	pid_t	old[16];
	size_t	nold = harness_workers(h, old, 16);
	int	counts[2] = { 0 }, rc;

	if (harness_config(h, NULL, "b") == -1)
		CU_FAIL("cannot write the configuration");
	rc = run_signal(h, pidfile, "reload", out, sizeof(out), RUN_MS);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "reloaded generation=2\n"));
	if (rc != 0 || strstr(out, "reloaded generation=2\n") == NULL)
		fprintf(stderr, "\n  lbd -s reload: status %d, output \"%s\"\n",
		    rc, out);
	check_reload_json(h, 2, "ok");
	CU_ASSERT_EQUAL(harness_metric(h, "lbd_reload_failures_total"), 1);
	CU_ASSERT_EQUAL(harness_metric(h, "lbd_reload_last_result"), 1);
	CU_ASSERT(harness_wait_draining(h, old, nold, clock_ms() + 5000));
	CU_ASSERT_EQUAL(harness_tally(h, 6, counts), 0);
	CU_ASSERT_EQUAL(counts[1], 6);
}

static void
test_reload(void)
{
	struct harness	*h;
	char		 pidfile[128];

	if ((h = start(pidfile, sizeof(pidfile))) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	check_reload_json(h, 1, "ok");
	CU_ASSERT_EQUAL(harness_metric(h, "lbd_reload_failures_total"), 0);
	check_usage(h, pidfile);
	check_unparsable(h, pidfile);
	check_unbindable(h, pidfile);
	check_good(h, pidfile);
	harness_free(h);
}

/*
 * After the failed start the old configuration runs again as generation
 * 3, whose workers come back when they die: before, the master held
 * the failed configuration and replaced no dead worker.
 */
static void
check_reverted(struct harness *h)
{
	pid_t		pids[64], victim = -1;
	size_t		n;
	int		respawns, counts[2] = { 0 };
	uint64_t	end = clock_ms() + START_RUN_MS;

	while (!harness_log_has(h, "reverted generation=3") &&
	    clock_ms() < end)
		harness_sleep_ms(50);
	CU_ASSERT_FATAL(harness_log_has(h, "reverted generation=3"));
	CU_ASSERT_EQUAL(harness_metric(h, "lbd_reload_last_result"), 0);
	n = harness_workers(h, pids, 64);
	for (size_t i = 0; i < n && victim == -1; i++)
		if (harness_pid_titled(pids[i], "lbd: worker 1 [gen 3]"))
			victim = pids[i];
	CU_ASSERT_FATAL(victim > 0);
	respawns = harness_log_count(h, " respawned worker=1 ");
	CU_ASSERT_EQUAL(kill(victim, SIGKILL), 0);
	while (harness_log_count(h, " respawned worker=1 ") == respawns &&
	    clock_ms() < end)
		harness_sleep_ms(50);
	CU_ASSERT_EQUAL(harness_log_count(h, " respawned worker=1 "),
	    respawns + 1);
	CU_ASSERT_EQUAL(harness_tally(h, 6, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 6);
}

static void
test_start_fails(void)
{
	struct harness	*h;
	char		 pidfile[128], out[2048];
	int		 counts[2] = { 0 }, rc;
	uint64_t	 t0;

	setenv("LBD_TEST_FAIL_GENERATION", "2", 1);
	h = start(pidfile, sizeof(pidfile));
	unsetenv("LBD_TEST_FAIL_GENERATION");
	if (h == NULL)
		CU_FAIL_FATAL("lbd did not start");
	if (harness_config(h, NULL, "b") == -1)
		CU_FAIL("cannot write the configuration");
	t0 = clock_ms();
	rc = run_signal(h, pidfile, "reload", out, sizeof(out), START_RUN_MS);
	CU_ASSERT_EQUAL(rc, 1);
	CU_ASSERT(clock_ms() - t0 < START_RUN_MS);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "not all running"));
	if (rc != 1)
		fprintf(stderr, "\n  lbd -s reload: status %d, output \"%s\"\n",
		    rc, out);
	CU_ASSERT(harness_log_has(h, "reload failed, keeping generation=1"));
	check_reload_json(h, 1, "failed");
	CU_ASSERT_EQUAL(harness_metric(h, "lbd_reload_failures_total"), 1);
	CU_ASSERT_EQUAL(harness_tally(h, 6, counts), 0);
	CU_ASSERT_EQUAL(counts[0], 6);
	check_reverted(h);
	harness_free(h);
}

static void
test_stop(void)
{
	struct harness	*h;
	char		 pidfile[128], out[2048];
	int		 fd, rc;

	if ((h = start(pidfile, sizeof(pidfile))) == NULL)
		CU_FAIL_FATAL("lbd did not start");
	/* An open connection: the graceful stop waits for it. */
	fd = harness_connect(h->port);
	CU_ASSERT(fd != -1);
	rc = run_signal(h, pidfile, "stop", out, sizeof(out), RUN_MS);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc != 0)
		fprintf(stderr, "\n  lbd -s stop: status %d, output \"%s\"\n",
		    rc, out);
	/* Exited already: reaped without waiting, status 0. */
	CU_ASSERT_EQUAL(harness_wait_exit(h, 0), 0);
	CU_ASSERT(access(pidfile, F_OK) == -1);
	if (fd != -1)
		close(fd);
	harness_free(h);
}

int
t_reload_answer_register(void)
{
	CU_pSuite	s = CU_add_suite("reload_answer", NULL, NULL);

	if (s == NULL ||
	    CU_add_test(s, "-s reload: ok, unparsable, unbindable",
	    test_reload) == NULL ||
	    CU_add_test(s, "-s reload: workers that cannot start",
	    test_start_fails) == NULL ||
	    CU_add_test(s, "-s stop waits for the exit", test_stop) == NULL)
		return (-1);
	return (0);
}
