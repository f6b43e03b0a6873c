/*
 * Control commands and the socket that carries them.
 *
 *	show services
 *	show backends [SERVICE]
 *	disable SERVICE/BACKEND		maint: nothing new; open ones go on
 *	drain SERVICE/BACKEND		drain: nothing new; open ones finish
 *	enable SERVICE/BACKEND		back to up
 *	set weight SERVICE/BACKEND N	0..256, kept across reloads
 *	help
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "clock.h"
#include "config.h"
#include "control.h"
#include "evloop.h"
#include "lbd.h"
#include "log.h"
#include "runtime.h"
#include "shm.h"
#include "status.h"

#define CONTROL_LINEMAX	1024	/* one command */
#define CONTROL_CLIENTS	16	/* when full, the least active goes */
#define CONTROL_REPLY_MS 10000	/* lbd -x: bound on connect and reply */

static const char help_text[] =
    "show services                   services and their counts\n"
    "show backends [SERVICE]         backends, state and counts\n"
    "disable SERVICE/BACKEND         maint: nothing new, not an outage\n"
    "drain SERVICE/BACKEND           drain: nothing new, open ones finish\n"
    "enable SERVICE/BACKEND          back into rotation\n"
    "set weight SERVICE/BACKEND N    weight 0-256, kept across reloads\n"
    "help                            this list\n";

/* The shared slot of "service/backend", or NULL with a reply in out. */
static struct shm_backend *
find_backend(struct lbd *env, const char *spec, FILE *out,
    const struct service **sp, size_t *bp)
{
	const struct service_config	*sc;
	char				 svc[LBD_NAMELEN], be[LBD_NAMELEN];
	int				 j;

	if (sscanf(spec, "%63[^/]/%63s", svc, be) != 2) {
		fprintf(out, "error: expected SERVICE/BACKEND, not \"%s\"\n",
		    spec);
		return (NULL);
	}
	if ((sc = config_find_service(env->conf, svc)) == NULL) {
		fprintf(out, "error: no service \"%s\"\n", svc);
		return (NULL);
	}
	if ((j = config_backend_index(sc, be)) == -1) {
		fprintf(out, "error: no backend \"%s\" in service \"%s\"\n",
		    be, svc);
		return (NULL);
	}
	/* env->services[] is in the order of the configuration's. */
	*sp = &env->services[sc - env->conf->services];
	*bp = (size_t)j;
	return (backend_shm(env, *sp, (unsigned)j));
}

/* enable, disable or drain: set the admin state a of "service/backend". */
static void
cmd_admin(struct lbd *env, const char *spec, enum backend_admin a, FILE *out)
{
	static const char *const done[ADMIN_COUNT] = {
		"enabled", "disabled", "draining"
	};
	const struct service	*s;
	size_t			 j;

	if (find_backend(env, spec, out, &s, &j) == NULL)
		return;
	runtime_set_admin(env, s, j, a);
	log_notice("backend %s service=%s backend=%s by=control", done[a],
	    s->conf->name, s->conf->backends[j].name);
	fprintf(out, "%s %s\n", done[a], spec);
}

static void
cmd_weight(struct lbd *env, const char *spec, const char *value, FILE *out)
{
	const struct service	*s;
	char			*end;
	unsigned long		 w;
	size_t			 j;

	w = strtoul(value, &end, 10);
	if (value[0] < '0' || value[0] > '9' || *end != '\0' ||
	    w > LBD_MAX_WEIGHT) {
		fprintf(out, "error: weight must be 0-%d, not \"%s\"\n",
		    LBD_MAX_WEIGHT, value);
		return;
	}
	if (find_backend(env, spec, out, &s, &j) == NULL)
		return;
	runtime_set_weight(env, s, j, (unsigned)w);
	log_notice("backend weight service=%s backend=%s weight=%lu "
	    "by=control", s->conf->name, s->conf->backends[j].name, w);
	fprintf(out, "weight %s %lu\n", spec, w);
}

/* The backends table, then HTTP mode's counters when a service has them. */
static void
show_backends(const struct status *st, const char *service, FILE *out)
{
	if (status_backends_text(st, service, out) == 0)
		(void)status_http_backends_text(st, service, out);
}

static void
cmd_show(struct lbd *env, int argc, char **argv, FILE *out)
{
	struct status	*st;

	if ((st = status_take(env)) == NULL) {
		fprintf(out, "error: out of memory\n");
		return;
	}
	if (argc == 2 && strcmp(argv[1], "services") == 0)
		(void)status_services_text(st, out);
	else if (argc == 3 && strcmp(argv[1], "backends") == 0 &&
	    config_find_service(env->conf, argv[2]) == NULL)
		fprintf(out, "error: no service \"%s\"\n", argv[2]);
	else if ((argc == 2 || argc == 3) && strcmp(argv[1], "backends") == 0)
		show_backends(st, argc == 3 ? argv[2] : NULL, out);
	else
		fprintf(out, "error: show services | "
		    "show backends [SERVICE]\n");
	status_free(st);
}

/*
 * Run one command line against env and write the reply (without the
 * final blank line) to out; a refused command's reply starts "error: ".
 */
static void
control_run(struct lbd *env, const char *line, FILE *out)
{
	char	 copy[CONTROL_LINEMAX], *argv[5], *save = NULL;
	int	 argc = 0;

	snprintf(copy, sizeof(copy), "%s", line);
	for (char *t = strtok_r(copy, " \t\r\n", &save); t != NULL && argc < 5;
	    t = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = t;
	if (argc == 0 || (argc == 1 && strcmp(argv[0], "help") == 0))
		fputs(help_text, out);
	else if (strcmp(argv[0], "show") == 0)
		cmd_show(env, argc, argv, out);
	else if (argc == 2 && strcmp(argv[0], "disable") == 0)
		cmd_admin(env, argv[1], ADMIN_MAINT, out);
	else if (argc == 2 && strcmp(argv[0], "drain") == 0)
		cmd_admin(env, argv[1], ADMIN_DRAIN, out);
	else if (argc == 2 && strcmp(argv[0], "enable") == 0)
		cmd_admin(env, argv[1], ADMIN_UP, out);
	else if (argc == 4 && strcmp(argv[0], "set") == 0 &&
	    strcmp(argv[1], "weight") == 0)
		cmd_weight(env, argv[2], argv[3], out);
	else
		fprintf(out, "error: unknown command \"%s\": try help\n",
		    argv[0]);
}

struct control_client {
	struct control	*ctl;
	int		 fd;
	unsigned	 index;
	bool		 eof;		/* peer done: close once flushed */
	uint64_t	 seen_ms;	/* last event: idle since */
	size_t		 inlen;
	char		 in[CONTROL_LINEMAX + 1];
	char		*out;
	size_t		 outlen;
	size_t		 sent;
};

struct control {
	struct lbd		*env;
	struct evloop		*loop;
	int			 fd;
	char			 path[LBD_PATHLEN];
	unsigned		 nclients;
	struct control_client	*clients[CONTROL_CLIENTS];
};

static void	on_event(struct evloop *, int, int, void *);

static void
client_free(struct control_client *c)
{
	struct control	*ctl = c->ctl;

	evloop_del(ctl->loop, c->fd, EV_READ | EV_WRITE);
	close(c->fd);
	ctl->clients[c->index] = ctl->clients[--ctl->nclients];
	ctl->clients[c->index]->index = c->index;
	free(c->out);
	free(c);
}

/* Run every whole line received; the replies queue up in c->out. */
static int
run_lines(struct control_client *c)
{
	char	*nl;
	FILE	*f;
	size_t	 used, oldlen = c->outlen;
	char	*old = c->out;

	if ((nl = strchr(c->in, '\n')) == NULL)
		return (c->inlen < CONTROL_LINEMAX ? 0 : -1);
	c->out = NULL;
	if ((f = open_memstream(&c->out, &c->outlen)) == NULL)
		return (-1);
	if (old != NULL)
		fwrite(old + c->sent, 1, oldlen - c->sent, f);
	free(old);
	c->sent = 0;
	for (; nl != NULL; nl = strchr(c->in, '\n')) {
		*nl = '\0';
		control_run(c->ctl->env, c->in, f);
		fputc('\n', f);			/* the blank line ends it */
		used = nl + 1 - c->in;
		memmove(c->in, nl + 1, c->inlen - used + 1);
		c->inlen -= used;
	}
	return (fclose(f) == EOF ? -1 : 1);
}

/* Send queued replies; -1 when the client is gone. */
static int
do_write(struct control_client *c)
{
	ssize_t	n;

	n = send(c->fd, c->out + c->sent, c->outlen - c->sent, MSG_NOSIGNAL);
	if (n == -1)
		return (errno == EAGAIN || errno == EINTR ? 0 : -1);
	c->sent += n;
	return (0);
}

/* Read and run commands; -1 when the client is gone or misbehaves. */
static int
do_read(struct control_client *c)
{
	ssize_t	n;

	n = read(c->fd, c->in + c->inlen, CONTROL_LINEMAX - c->inlen);
	if (n == -1)
		return (errno == EAGAIN || errno == EINTR ? 0 : -1);
	if (n == 0) {
		/* A last command without its newline still counts. */
		c->eof = true;
		if (c->inlen == 0)
			return (0);
		if (c->inlen >= CONTROL_LINEMAX)
			return (-1);
		c->in[c->inlen++] = '\n';
	} else
		c->inlen += n;
	c->in[c->inlen] = '\0';
	return (run_lines(c) == -1 ? -1 : 0);
}

/*
 * One callback for both directions (the loop keeps one per descriptor):
 * read commands, write replies, and close once the client has finished
 * and every reply is out.
 */
static void
on_event(struct evloop *loop, int fd, int events, void *arg)
{
	struct control_client	*c = arg;
	int			 mask;

	c->seen_ms = clock_ms();
	if (((events & (EV_READ | EV_ERROR)) && !c->eof && do_read(c) == -1) ||
	    (c->outlen > c->sent && do_write(c) == -1)) {
		client_free(c);
		return;
	}
	if (c->eof && c->sent == c->outlen) {
		client_free(c);
		return;
	}
	mask = (c->eof ? 0 : EV_READ) | (c->outlen > c->sent ? EV_WRITE : 0);
	if (evloop_set(loop, fd, mask, on_event, c) == -1)
		client_free(c);
}

/*
 * The table is full: close the client that has been quiet longest, so
 * that clients left open (or opened on purpose) cannot lock an operator
 * out until they time out.
 */
static void
close_least_active(struct control *ctl)
{
	struct control_client	*oldest = ctl->clients[0];

	for (unsigned i = 1; i < ctl->nclients; i++)
		if (ctl->clients[i]->seen_ms < oldest->seen_ms)
			oldest = ctl->clients[i];
	client_free(oldest);
}

static void
on_accept(struct evloop *loop, int fd, int events, void *arg)
{
	struct control		*ctl = arg;
	struct control_client	*c;
	int			 cfd;

	(void)events;
	if ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(cfd);
		return;
	}
	if (ctl->nclients >= CONTROL_CLIENTS)
		close_least_active(ctl);
	c->ctl = ctl;
	c->fd = cfd;
	c->seen_ms = clock_ms();
	c->index = ctl->nclients;
	ctl->clients[ctl->nclients++] = c;
	if (evloop_add(loop, cfd, EV_READ, on_event, c) == -1)
		client_free(c);
}

/* sun for path; -1 with ENAMETOOLONG when it does not fit. */
static int
unix_addr(const char *path, struct sockaddr_un *sun)
{
	size_t	len = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (len >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memcpy(sun->sun_path, path, len + 1);
	return (0);
}

/* Bind path as a stream socket nobody else may use (mode 0600). */
static int
bind_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	sun;
	mode_t			old;
	int			fd, rc;

	if (unix_addr(path, &sun) == -1) {
		snprintf(err, errlen, "control socket path %s is too long",
		    path);
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		goto fail;
	/* A socket that answers belongs to a running lbd: leave it alone. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		snprintf(err, errlen, "control socket %s is in use by another "
		    "lbd", path);
		close(fd);
		return (-1);
	}
	unlink(path);
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc == -1 || chmod(path, 0600) == -1 || listen(fd, 16) == -1)
		goto fail;
	return (fd);
fail:
	snprintf(err, errlen, "cannot listen on control socket %s: %s", path,
	    strerror(errno));
	if (fd != -1)
		close(fd);
	return (-1);
}

struct control *
control_new(struct lbd *env, struct evloop *loop, char *err, size_t errlen)
{
	struct control	*ctl;

	if ((ctl = calloc(1, sizeof(*ctl))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	ctl->env = env;
	ctl->loop = loop;
	snprintf(ctl->path, sizeof(ctl->path), "%s", env->conf->control);
	if ((ctl->fd = bind_socket(ctl->path, err, errlen)) == -1 ||
	    evloop_add(loop, ctl->fd, EV_READ, on_accept, ctl) == -1) {
		if (ctl->fd != -1) {
			close(ctl->fd);
			unlink(ctl->path);
		}
		free(ctl);
		return (NULL);
	}
	return (ctl);
}

void
control_sweep(struct control *ctl, uint64_t now_ms)
{
	for (unsigned i = 0; ctl != NULL && i < ctl->nclients; )
		if (now_ms - ctl->clients[i]->seen_ms >=
		    ctl->env->admin_timeout_ms)
			client_free(ctl->clients[i]);	/* i: another now */
		else
			i++;
}

void
control_free(struct control *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->nclients > 0)
		client_free(ctl->clients[0]);
	evloop_del(ctl->loop, ctl->fd, EV_READ);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
}

/* Connect to path with both directions bounded by CONTROL_REPLY_MS. */
static int
connect_socket(const char *path)
{
	struct sockaddr_un	sun;
	struct timeval		tv = { .tv_sec = CONTROL_REPLY_MS / 1000 };
	int			fd, saved;

	if (unix_addr(path, &sun) == -1)
		return (-1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	/* A hung master must not hang us: these bound connect(2) too. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}

/* Send len bytes of buf whole; -1 with errno (EPIPE: the peer closed). */
static int
send_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	for (size_t off = 0; off < len; off += n)
		/* No SIGPIPE: a closed socket is an answer to report. */
		if ((n = send(fd, buf + off, len - off, MSG_NOSIGNAL)) == -1)
			return (-1);
	return (0);
}

/*
 * Read until the blank line that ends one reply; its length, or -1 with
 * errno (ECONNRESET when the socket closed before any byte).
 */
static ssize_t
read_reply(int fd, char *buf, size_t len)
{
	size_t	got = 0;
	ssize_t	n;

	while (got < len - 1) {
		if ((n = read(fd, buf + got, len - 1 - got)) == -1)
			return (-1);
		if (n == 0) {
			if (got > 0)
				return ((ssize_t)got);
			errno = ECONNRESET;
			return (-1);
		}
		got += n;
		buf[got] = '\0';
		if (strstr(buf, "\n\n") != NULL)
			return ((ssize_t)got);
	}
	return ((ssize_t)got);
}

/* Why nothing answered, in words for the operator. */
static const char *
why(int err)
{
	if (err == EAGAIN || err == EWOULDBLOCK)
		return ("timed out");
	if (err == EPIPE || err == ECONNRESET)
		return ("connection closed");
	return (strerror(err));
}

int
control_send(const char *path, const char *command)
{
	char	reply[65536];
	ssize_t	n = -1;
	int	fd;

	if (path[0] == '\0') {
		fprintf(stderr, "lbd: no control socket: set \"control\" in "
		    "the configuration\n");
		return (3);
	}
	if ((fd = connect_socket(path)) == -1) {
		fprintf(stderr, "lbd: cannot connect to %s: %s\n", path,
		    why(errno));
		return (3);
	}
	if (send_all(fd, command, strlen(command)) == -1 ||
	    send_all(fd, "\n", 1) == -1 ||
	    (n = read_reply(fd, reply, sizeof(reply))) == -1) {
		fprintf(stderr, "lbd: no reply from %s: %s\n", path,
		    why(errno));
		close(fd);
		return (3);
	}
	close(fd);
	if (n >= 2 && reply[n - 1] == '\n' && reply[n - 2] == '\n')
		reply[n - 1] = '\0';		/* drop the blank line */
	fputs(reply, stdout);
	return (strncmp(reply, "error: ", 7) == 0 ? 2 : 0);
}
