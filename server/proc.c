/*
 * The process table, spawning and signalling children, and naming them.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "daemon.h"
#include "evloop.h"
#include "health.h"
#include "lbd.h"
#include "log.h"
#include "proc.h"
#include "shm.h"
#include "worker.h"

static char	*title_base;	/* argv[0], overwritten by titles */
static size_t	 title_room;	/* bytes of contiguous argv and environ */

/* The end of the strings of v that follow end without a gap. */
static char *
strings_end(char *end, char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		if (v[i] == end + 1)
			end = v[i] + strlen(v[i]);
	return (end);
}

/*
 * Move the environment's strings to the heap, so that a title may grow
 * over them as well as over argv (nginx and OpenSSH do the same): a title
 * naming the configuration file is longer than "lbd" alone.  0 or -1.
 */
static int
environ_move(void)
{
	size_t	 n = 0;
	char	**copy;

	while (environ != NULL && environ[n] != NULL)
		n++;
	if ((copy = calloc(n + 1, sizeof(*copy))) == NULL)
		return (-1);
	for (size_t i = 0; i < n; i++)
		if ((copy[i] = strdup(environ[i])) == NULL)
			goto fail;
	environ = copy;
	return (0);
fail:
	for (size_t i = 0; i < n; i++)
		free(copy[i]);
	free(copy);
	return (-1);
}

void
proc_title_init(int argc, char **argv)
{
	char	*end;

	if (argc == 0)
		return;
	end = strings_end(argv[0] + strlen(argv[0]), argv + 1);
	if (environ != NULL && environ[0] == end + 1) {
		char	*env_end = strings_end(end, environ);

		if (environ_move() == 0)
			end = env_end;
	}
	title_base = argv[0];
	title_room = end - argv[0] + 1;
}

void
proc_title_set(const char *fmt, ...)
{
	char	title[LBD_PATHLEN + 64];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(title, sizeof(title), fmt, ap);
	va_end(ap);
	/* comm is what top(1) and ps -o comm show; 15 bytes at most. */
	prctl(PR_SET_NAME, title);
	if (title_base == NULL)
		return;
	memset(title_base, 0, title_room);
	snprintf(title_base, title_room, "%s", title);
}

/*
 * Tests only: LBD_TEST_FAIL_GENERATION=N makes every child of generation
 * N exit 1 at start, so that a test can watch a reload whose workers
 * cannot start (lbd(8), ENVIRONMENT).
 */
static bool
told_to_fail(const struct proc *p)
{
	const char	*gen = getenv("LBD_TEST_FAIL_GENERATION");

	return (gen != NULL && strtoul(gen, NULL, 10) == p->generation);
}

static _Noreturn void
child(struct lbd *env, struct proc *p)
{
	/* Stats and control sockets and their clients are the master's. */
	evloop_close_all(env->master_loop);
	env->master_loop = NULL;
	if (env->ready_fd != -1)
		close(env->ready_fd);
	if (env->pidfile_fd != -1)
		close(env->pidfile_fd);
	if (env->conf->user[0] != '\0' &&
	    daemon_drop_privileges(env->conf->uid, env->conf->gid) == -1)
		fatal("cannot run as user %s", env->conf->user);
	/*
	 * Never outlive the master.  After the drop: a change of uid clears
	 * the death signal.  The check covers a master already gone.
	 */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != env->master_pid)
		_exit(0);
	if (told_to_fail(p))
		_exit(1);
	if (p->kind == PROC_CHECKER) {
		proc_title_set("lbd: health [gen %u]", p->generation);
		health_main(env);
	}
	proc_title_set("lbd: worker %u [gen %u]", p->id, p->generation);
	worker_main(env, p->id, (unsigned)p->wslot);
}

pid_t
proc_spawn(struct lbd *env, struct proc *p)
{
	pid_t	pid;
	int	slot, saved;

	if ((slot = shm_worker_alloc(env->shm)) == -1)
		return (-1);
	if (p->kind == PROC_WORKER)
		shm_worker_label(env->shm, (unsigned)slot, p->id,
		    p->generation);
	switch ((pid = fork())) {
	case -1:
		saved = errno;
		shm_reclaim_worker(env->shm, (unsigned)slot);
		errno = saved;
		return (-1);
	case 0:
		p->wslot = slot;
		child(env, p);
		/* NOTREACHED */
	default:
		break;
	}
	p->pid = pid;
	p->wslot = slot;
	p->started_ms = clock_ms();
	p->exiting = false;
	p->killed = false;
	p->kill_errno = 0;
	p->respawn_at_ms = 0;
	return (pid);
}

struct proc *
proc_alloc(struct proc_table *t, enum proc_kind kind, unsigned id,
    unsigned gen)
{
	for (size_t i = 0; i < PROC_MAX; i++) {
		struct proc	*p = &t->procs[i];

		if (p->used)
			continue;
		memset(p, 0, sizeof(*p));
		p->used = true;
		p->kind = kind;
		p->id = id;
		p->generation = gen;
		p->wslot = -1;
		return (p);
	}
	return (NULL);
}

void
proc_release(struct proc *p)
{
	p->used = false;
}

struct proc *
proc_find(struct proc_table *t, pid_t pid)
{
	struct proc	*p;

	for (p = proc_next(t, NULL); p != NULL; p = proc_next(t, p))
		if (p->pid == pid && pid != 0)
			return (p);
	return (NULL);
}

struct proc *
proc_next(struct proc_table *t, struct proc *prev)
{
	size_t	i = prev == NULL ? 0 : (size_t)(prev - t->procs) + 1;

	for (; i < PROC_MAX; i++)
		if (t->procs[i].used)
			return (&t->procs[i]);
	return (NULL);
}

unsigned
proc_count(struct proc_table *t, enum proc_kind kind, unsigned gen)
{
	struct proc	*p;
	unsigned	 n = 0;

	for (p = proc_next(t, NULL); p != NULL; p = proc_next(t, p))
		if (p->pid != 0 && (kind == PROC_ANY || p->kind == kind) &&
		    (gen == 0 || p->generation == gen))
			n++;
	return (n);
}

unsigned
proc_free_entries(struct proc_table *t)
{
	unsigned	n = 0;

	for (size_t i = 0; i < PROC_MAX; i++)
		if (!t->procs[i].used)
			n++;
	return (n);
}

int
proc_signal(struct proc *p, int sig)
{
	if (p->pid == 0)
		return (0);
	if (kill(p->pid, sig) == 0)
		return (0);
	/*
	 * A master without CAP_KILL over workers of another user fails
	 * here at every retry of a stop: say so once per pid and errno.
	 */
	if (errno != p->kill_errno)
		log_warn("kill() failed %s=%u pid=%d signal=%d", proc_name(p),
		    p->id, (int)p->pid, sig);
	p->kill_errno = errno;
	return (-1);
}

const char *
proc_name(const struct proc *p)
{
	return (p->kind == PROC_CHECKER ? "checker" : "worker");
}
