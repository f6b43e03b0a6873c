/*
 * Reloads parse away from the master's loop.
 *
 * Slow parse.  Config: 2 workers, stats on; the file then gets one more
 * group of SLOW_KEYS settings whose names share a PREFIX-byte prefix:
 * libconfig compares each new name with every one before it, so its
 * parse takes seconds (4 s here), though the file is 288 KB and holds
 * fewer settings than lbd's limits allow.  Client: HUP, then until the
 * reload's outcome is logged, GET /metrics every 100 ms, timing each
 * answer; once, SIGKILL a worker.  Expect: every answer within
 * ANSWER_MS; the killed worker replaced (lbd_worker_restarts_total 1,
 * lbd_workers 2) before the outcome; then the outcome, "reload failed"
 * (the group's name is an unknown key).
 *
 * Bad reloads.  The file becomes one LEAK_STRING-byte string where a
 * setting name belongs: a syntax error after which libconfig 1.5 never
 * frees the string.  Client: BAD_RELOADS reloads, each "reload failed".
 * Expect: the master's VmRSS grew by less than RSS_MARGIN_KB, twice that
 * under ASan (a leak of the string per reload would be 8 MB).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "harness.h"

#define SLOW_KEYS	8000		/* about 4 s of parsing */
#define PREFIX		25
#define ANSWER_MS	1000
#define OUTCOME_MS	90000		/* the parser's deadline is 60 s */
#define RESPAWN_MS	3000
#define LEAK_STRING	(400 << 10)
#define BAD_RELOADS	20
#define RSS_MARGIN_KB	2048		/* twice that under ASan's quarantine */
#define RESTARTS	"lbd_worker_restarts_total"

/*
 * Write (mode "w") or append ("a") head, then a string of n x's between
 * quotes when n > 0, then tail; 0 or -1.
 */
static int
write_string(const char *path, const char *mode, const char *head,
    size_t n, const char *tail)
{
	FILE	*f;
	int	 rc;

	if ((f = fopen(path, mode)) == NULL)
		return (-1);
	rc = fputs(head, f) == EOF || (n > 0 && fputc('"', f) == EOF);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = fputc('x', f) == EOF;
	rc |= (n > 0 && fputc('"', f) == EOF) || fputs(tail, f) == EOF;
	rc |= fclose(f) == EOF;
	return (rc ? -1 : 0);
}

/* Append "big = { kkk...00000 = 1; ... };" to the file; 0 or -1. */
static int
append_slow_group(const char *path)
{
	FILE	*f;
	int	 rc;

	if ((f = fopen(path, "a")) == NULL)
		return (-1);
	rc = fputs("\nbig = {\n", f) == EOF;
	for (int i = 0; i < SLOW_KEYS && rc == 0; i++)
		rc = fprintf(f, "%.*s%05d = 1;\n", PREFIX,
		    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk", i) < 0;
	rc |= fputs("};\n", f) == EOF;
	rc |= fclose(f) == EOF;
	return (rc ? -1 : 0);
}

/* The first child titled "lbd: worker", or -1. */
static pid_t
a_worker(const struct harness *h)
{
	pid_t	 pids[64];
	size_t	 n = harness_workers(h, pids, 64);
	char	 path[64], *cmd;
	pid_t	 found = -1;

	for (size_t i = 0; i < n && found == -1; i++) {
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pids[i]);
		if ((cmd = harness_read_file(path)) != NULL &&
		    strncmp(cmd, "lbd: worker", 11) == 0)
			found = pids[i];
		free(cmd);
	}
	return (found);
}

/* What the client saw while the parser ran. */
struct watch {
	uint64_t	worst_ms;	/* slowest /metrics answer */
	int		unanswered;
	pid_t		victim;
	bool		replaced;	/* before the outcome */
};

/*
 * One round: time /metrics; kill a worker once; see it replaced, which
 * counts only while the reload's outcome is not logged yet (failed is
 * the count of "reload failed" lines before it).
 */
static void
watch_round(const struct harness *h, struct watch *w, int failed)
{
	uint64_t	t = clock_ms();
	double		restarts = harness_metric(h, RESTARTS);

	if (restarts < 0)
		w->unanswered++;
	if (clock_ms() - t > w->worst_ms)
		w->worst_ms = clock_ms() - t;
	if (w->victim == -1 && (w->victim = a_worker(h)) != -1)
		kill(w->victim, SIGKILL);
	else if (w->victim > 0 && restarts == 1 &&
	    harness_metric(h, "lbd_workers") == 2 &&
	    !harness_pid_alive(w->victim) &&
	    harness_log_count(h, "reload failed") == failed)
		w->replaced = true;
}

static void
test_slow_parse(void)
{
	struct harness	*h;
	struct watch	 w = { 0, 0, -1, false };
	uint64_t	 end;
	int		 failed;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h = harness_new());
	harness_backend(h, "a", 1, "echo", NULL);
	if (harness_start(h, NULL) == -1 ||
	    append_slow_group(h->conf) == -1) {
		CU_FAIL("lbd start");
		goto out;
	}
	failed = harness_log_count(h, "reload failed");
	CU_ASSERT_EQUAL_FATAL(kill(h->lbd, SIGHUP), 0);
	/* The kill must land while the file is being parsed. */
	CU_ASSERT_TRUE(harness_log_wait(h, "reloading generation", 5000));
	end = clock_ms() + OUTCOME_MS;
	while (harness_log_count(h, "reload failed") == failed &&
	    !harness_log_has(h, "reload done") && clock_ms() < end) {
		watch_round(h, &w, failed);
		harness_sleep_ms(100);
	}
	fprintf(stderr, "slowest answer %llu ms, replaced %d\n",
	    (unsigned long long)w.worst_ms, w.replaced);
	CU_ASSERT_EQUAL(harness_log_count(h, "reload failed"), failed + 1);
	CU_ASSERT_TRUE(w.worst_ms < ANSWER_MS);
	CU_ASSERT_EQUAL(w.unanswered, 0);
	CU_ASSERT_TRUE(w.replaced);
out:
	harness_free(h);
}

static void
test_bad_reloads(void)
{
	struct harness	*h;
	long		 before = -1, after;
	int		 failed = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h = harness_new());
	harness_backend(h, "a", 1, "echo", NULL);
	if (harness_start(h, NULL) == -1 ||
	    write_string(h->conf, "w", "", LEAK_STRING, "\n") == -1) {
		CU_FAIL("lbd start");
		goto out;
	}
	/* Two rounds first: buffers that are reused, not leaked, settle. */
	for (int i = 0; i < BAD_RELOADS + 2; i++) {
		if (i == 2)
			before = harness_vm_rss_kb(h->lbd);
		failed += harness_hup(h) == -1;
	}
	after = harness_vm_rss_kb(h->lbd);
	fprintf(stderr, "master VmRSS %ld kB -> %ld kB\n", before, after);
	CU_ASSERT_EQUAL(failed, BAD_RELOADS + 2);
	CU_ASSERT_EQUAL(harness_log_count(h, "reload failed"),
	    BAD_RELOADS + 2);
	CU_ASSERT_TRUE(before > 0 && after > 0);
	CU_ASSERT_TRUE(after - before < (harness_asan() ? 2 : 1) *
	    RSS_MARGIN_KB);
out:
	harness_free(h);
}

int
t_reload_parse_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("reload_parse", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "a slow parse: metrics answer, a dead worker is "
	    "replaced meanwhile", test_slow_parse) == NULL ||
	    CU_add_test(s, "20 bad reloads: the master does not grow",
	    test_bad_reloads) == NULL)
		return (-1);
	return (0);
}
