/*
 * The parser child and the master's end of its pipe.  The child writes
 * one byte saying what follows ('C': a packed config, 'E': error text),
 * then the bytes, then exits; the master reads until end of file, at most
 * config_pack_max() bytes, and believes nothing until config_unpack()
 * has checked it.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_pack.h"
#include "confload.h"
#include "evloop.h"
#include "lbd_limits.h"
#include "log.h"

#define ANSWER_CONFIG	'C'
#define ANSWER_ERROR	'E'

struct confload {
	struct evloop	*loop;
	pid_t		 pid;		/* 0 once reaped or killed */
	int		 fd;		/* read end, -1 once at EOF */
	bool		 done;
	char		*buf;		/* what came so far */
	size_t		 len;
	size_t		 cap;
};

/* Write all of buf to fd; 0 or -1. */
static int
write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/* Log each of config_load()'s warnings, while the log is still open. */
static void
log_warnings(char *warn)
{
	char	*line, *next;

	for (line = warn; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		log_warnx("%s", line);
	}
	warn[0] = '\0';
}

/*
 * The child: parse, answer, exit without running the master's atexit.
 * It keeps no descriptor of the master's but its end of the pipe (stdin,
 * stdout and stderr aside): a listener the new configuration drops, or
 * a stats client the master closes, must not stay open in it.
 */
static _Noreturn void
child(int fd, const char *path)
{
	char		 err[LBD_ERRLEN] = "", kind;
	struct config	*conf;
	void		*packed = NULL;
	size_t		 len;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if ((conf = config_load(path, err, sizeof(err))) != NULL)
		log_warnings(err);
	if (fd > 3)
		(void)close_range(3, (unsigned)fd - 1, 0);
	(void)close_range((unsigned)fd + 1, ~0U, 0);
	if (conf != NULL && (packed = config_pack(conf, &len)) == NULL)
		snprintf(err, sizeof(err), "cannot pack the configuration: %s",
		    strerror(errno));
	kind = packed != NULL ? ANSWER_CONFIG : ANSWER_ERROR;
	if (packed == NULL)
		len = strlen(err);
	if (write_all(fd, &kind, 1) == -1 ||
	    write_all(fd, packed != NULL ? packed : err, len) == -1)
		_exit(1);
	_exit(0);
}

/* Keep at most config_pack_max() bytes plus the kind byte. */
static int
grow(struct confload *cl)
{
	size_t	 max = config_pack_max() + 1, cap;
	char	*nb;

	if (cl->len < cl->cap)
		return (0);
	if (cl->cap >= max)
		return (-1);
	cap = cl->cap == 0 ? 65536 : cl->cap * 2;
	if (cap > max)
		cap = max;
	if ((nb = realloc(cl->buf, cap)) == NULL)
		return (-1);
	cl->buf = nb;
	cl->cap = cap;
	return (0);
}

static void
finish(struct confload *cl)
{
	evloop_del(cl->loop, cl->fd, EV_READ);
	close(cl->fd);
	cl->fd = -1;
	cl->done = true;
}

static void
on_read(struct evloop *loop, int fd, int events, void *arg)
{
	struct confload	*cl = arg;
	ssize_t		 n;

	(void)loop;
	(void)events;
	for (;;) {
		if (grow(cl) == -1) {
			cl->len = 0;	/* too long: no answer */
			finish(cl);
			return;
		}
		n = read(fd, cl->buf + cl->len, cl->cap - cl->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			if (n == -1)
				cl->len = 0;
			finish(cl);
			return;
		}
		cl->len += (size_t)n;
	}
}

struct confload *
confload_start(struct evloop *loop, const char *path)
{
	struct confload	*cl;
	int		 fds[2] = { -1, -1 }, saved;

	if ((cl = calloc(1, sizeof(*cl))) == NULL)
		return (NULL);
	cl->loop = loop;
	cl->fd = -1;
	if (pipe2(fds, O_CLOEXEC) == -1 ||
	    fcntl(fds[0], F_SETFL, O_NONBLOCK) == -1 ||
	    (cl->pid = fork()) == -1)
		goto fail;
	if (cl->pid == 0) {
		close(fds[0]);
		child(fds[1], path);
	}
	close(fds[1]);
	cl->fd = fds[0];
	if (evloop_add(loop, cl->fd, EV_READ, on_read, cl) == -1) {
		fds[1] = -1;
		goto fail;
	}
	return (cl);
fail:
	saved = errno;
	if (fds[0] != -1)
		close(fds[0]);
	if (fds[1] != -1)
		close(fds[1]);
	if (cl->pid > 0)
		kill(cl->pid, SIGKILL);
	free(cl);
	errno = saved;
	return (NULL);
}

bool
confload_is_done(const struct confload *cl)
{
	return (cl->done);
}

struct config *
confload_result(struct confload *cl, char *err, size_t errlen)
{
	if (cl->len == 0) {
		snprintf(err, errlen, "the parser exited without an answer");
		return (NULL);
	}
	if (cl->buf[0] == ANSWER_CONFIG)
		return (config_unpack(cl->buf + 1, cl->len - 1, err, errlen));
	if (cl->buf[0] != ANSWER_ERROR || cl->len - 1 >= errlen ||
	    memchr(cl->buf + 1, '\0', cl->len - 1) != NULL)
		snprintf(err, errlen, "malformed answer from the parser");
	else
		snprintf(err, errlen, "%.*s", (int)(cl->len - 1), cl->buf + 1);
	return (NULL);
}

pid_t
confload_pid(const struct confload *cl)
{
	return (cl->pid);
}

void
confload_reaped(struct confload *cl)
{
	cl->pid = 0;
}

void
confload_free(struct confload *cl)
{
	if (cl == NULL)
		return;
	/* Done or not, the child has nothing more to say: end it. */
	if (!cl->done && cl->pid != 0 && kill(cl->pid, SIGKILL) == -1)
		log_warn("kill() failed parser pid=%d", (int)cl->pid);
	if (cl->fd != -1) {
		evloop_del(cl->loop, cl->fd, EV_READ);
		close(cl->fd);
	}
	free(cl->buf);
	free(cl);
}
