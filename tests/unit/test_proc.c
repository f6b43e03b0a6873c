/*
 * The process table: entries, lookup, counts, iteration; and that a
 * kill(2) the master is not allowed to make is logged once per pid and
 * errno, not at every retry.
 */
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/capability.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "../cunit_run.h"
#include "log.h"
#include "proc.h"
#include "unit.h"

static void
test_table(void)
{
	struct proc_table	*t = calloc(1, sizeof(*t));
	struct proc		*a, *b, *c, *p;
	unsigned		 n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(proc_free_entries(t), PROC_MAX);
	a = proc_alloc(t, PROC_WORKER, 1, 7);
	b = proc_alloc(t, PROC_WORKER, 2, 7);
	c = proc_alloc(t, PROC_CHECKER, 1, 8);
	CU_ASSERT_TRUE_FATAL(a != NULL && b != NULL && c != NULL);
	a->pid = 100;
	c->pid = 300;
	CU_ASSERT_PTR_EQUAL(proc_find(t, 300), c);
	CU_ASSERT_PTR_NULL(proc_find(t, 200));
	CU_ASSERT_PTR_NULL(proc_find(t, 0));	/* b is not running */
	CU_ASSERT_EQUAL(proc_count(t, PROC_WORKER, 7), 1);
	CU_ASSERT_EQUAL(proc_count(t, PROC_ANY, 0), 2);
	CU_ASSERT_EQUAL(proc_count(t, PROC_CHECKER, 7), 0);
	CU_ASSERT_STRING_EQUAL(proc_name(c), "checker");
	/* Releasing the current entry while iterating is allowed. */
	for (p = proc_next(t, NULL); p != NULL; p = proc_next(t, p)) {
		n++;
		if (p == b)
			proc_release(p);
	}
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(proc_free_entries(t), PROC_MAX - 2);
	for (unsigned i = 0; i < PROC_MAX - 2; i++)
		CU_ASSERT_PTR_NOT_NULL(proc_alloc(t, PROC_WORKER, i, 9));
	CU_ASSERT_PTR_NULL(proc_alloc(t, PROC_WORKER, 1, 9));
	free(t);
}

/* Drop CAP_KILL from this process, as a master without it; 0 or -1. */
static int
drop_cap_kill(void)
{
	struct __user_cap_header_struct	hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct	data[2];

	if (syscall(SYS_capget, &hdr, data) == -1)
		return (-1);
	for (int i = 0; i < 2; i++)
		data[i].effective = 0;	/* CAP_KILL among them */
	return (syscall(SYS_capset, &hdr, data) == -1 ? -1 : 0);
}

/*
 * In a child that cannot signal target: proc_signal three times, logging
 * to the file at path.  Exits 0 when each call failed with EPERM.
 */
static _Noreturn void
signal_thrice(pid_t target, const char *path)
{
	struct proc	p = { .used = true, .pid = target, .id = 1 };
	int		fd, bad = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1 || drop_cap_kill() == -1)
		_exit(2);
	log_init("lbd", true, LOG_DEBUG, LOG_DAEMON);
	for (int i = 0; i < 3; i++)
		bad += proc_signal(&p, SIGTERM) != -1 || errno != EPERM;
	_exit(bad == 0 ? 0 : 1);
}

/* How many lines of the file at path hold needle; -1 if unreadable. */
static int
count_lines(const char *path, const char *needle)
{
	char	 line[512];
	FILE	*f;
	int	 n = 0;

	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, needle) != NULL;
	fclose(f);
	return (n);
}

/* Wait up to 2 s for pid to run as NOBODY. */
static bool
became_nobody(pid_t pid)
{
	char	path[64], want[32];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	snprintf(want, sizeof(want), "Uid:\t%d\t", NOBODY);
	for (int i = 0; i < 200; i++) {
		if (count_lines(path, want) == 1)
			return (true);
		usleep(10000);
	}
	return (false);
}

static void
test_kill_failure_logged_once(void)
{
	char	path[64];
	pid_t	target, signaller;
	int	st = -1;

	if (geteuid() != 0) {
		cunit_skip("signalling a process of another user needs root");
		return;
	}
	snprintf(path, sizeof(path), "/tmp/lbd-unit-kill-%d.log",
	    (int)getpid());
	if ((target = fork()) == 0) {
		if (setresuid(NOBODY, NOBODY, NOBODY) == -1)
			_exit(2);
		pause();
		_exit(0);
	}
	CU_ASSERT_TRUE_FATAL(target > 0);
	CU_ASSERT_TRUE(became_nobody(target));
	if ((signaller = fork()) == 0)
		signal_thrice(target, path);
	CU_ASSERT_TRUE(signaller > 0 && waitpid(signaller, &st, 0) ==
	    signaller);
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT_EQUAL(count_lines(path, "kill() failed"), 1);
	CU_ASSERT_EQUAL(count_lines(path, "Operation not permitted"), 1);
	kill(target, SIGKILL);
	waitpid(target, NULL, 0);
	unlink(path);
}

int
test_proc_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("proc", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "process table", test_table) == NULL ||
	    CU_add_test(s, "a failed kill is logged once",
	    test_kill_failure_logged_once) == NULL)
		return (-1);
	return (0);
}
