/*
 * Logging: syslog, standard error or files, as text or JSON lines.  The
 * only mutable state is this file's own, set at start, on reopen and
 * when a child adopts files.
 *
 * Files.  Every process writes its own lines, one write(2) each on a
 * descriptor opened with O_APPEND, so the lines of the master, the
 * workers and the checker never interleave.  Only the master opens a
 * file, by name and as root: the workers may run as a user who cannot
 * reach it (a root-only /var/log/lbd).  Children inherit the descriptor
 * at fork; on USR1 the master opens the file again and sends the new
 * descriptor to each child over a datagram socketpair made at its spawn
 * (SCM_RIGHTS).  So after logrotate renames a file and signals the
 * master, every process writes to the new file, whatever the rights on
 * its directory, and no file is handed to the workers' user (nginx
 * chowns its files instead, which needs a directory they can search).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "lbd_limits.h"
#include "log.h"

#define LOG_MSGLEN	2048	/* the formatted message */
#define LOG_FILE_MODE	0640
/*
 * No link followed (the directory may be writable by others), no
 * terminal taken, no wait on a FIFO without a reader.
 */
#define LOG_FILE_FLAGS	(O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | \
			    O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
#define CHAN_MAIN	0x1	/* a channel message carries the main file */
#define CHAN_ACCESS	0x2	/* ... and/or the access file */

enum dest_kind {
	DEST_SYSLOG = 0,
	DEST_FD			/* stderr's copy or a file */
};

/* Where one kind of line goes. */
struct dest {
	enum dest_kind	 kind;
	int		 fd;			/* DEST_FD */
	char		 path[LBD_PATHLEN];	/* a file's; "" otherwise */
};

static struct {
	const char	*ident;
	int		 level;
	int		 facility;
	enum log_format	 format;
	bool		 started;	/* lines go to main/access, not stderr */
	bool		 child;		/* files come from the master */
	bool		 access_own;	/* access lines have their own dest */
	struct dest	 main;
	struct dest	 access;
	int		 chan;		/* a child's channel, or -1 */
	int		*chans;		/* the master's end of each child's */
	size_t		 nchans;
	size_t		 capchans;
} log_state = {
	.ident = "lbd", .level = LOG_INFO, .facility = LOG_DAEMON,
	.main = { DEST_FD, STDERR_FILENO, "" },
	.access = { DEST_FD, STDERR_FILENO, "" },
	.chan = -1
};

/* Before log_start(): every line to stderr. */
static const struct dest	early = { DEST_FD, STDERR_FILENO, "" };

/* A word of the configuration and the value it stands for. */
struct name_value {
	const char	*name;
	int		 value;
};

static const struct name_value	levels[] = {
	{ "err", LOG_ERR }, { "error", LOG_ERR }, { "warning", LOG_WARNING },
	{ "warn", LOG_WARNING }, { "notice", LOG_NOTICE }, { "info", LOG_INFO },
	{ "debug", LOG_DEBUG }, { NULL, -1 }
}, facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 }, { NULL, -1 }
}, formats[] = {
	{ "text", LOG_FORMAT_TEXT }, { "json", LOG_FORMAT_JSON }, { NULL, -1 }
};

/* The value of name in table (NULL-ended), or -1. */
static int
lookup(const struct name_value *table, const char *name)
{
	for (; table->name != NULL; table++)
		if (strcmp(table->name, name) == 0)
			return (table->value);
	return (-1);
}

int
log_level_parse(const char *name)
{
	return (lookup(levels, name));
}

int
log_facility_parse(const char *name)
{
	return (lookup(facilities, name));
}

int
log_format_parse(const char *name)
{
	return (lookup(formats, name));
}

void
log_init(const char *ident, bool to_stderr, int level, int facility)
{
	log_state.ident = ident;
	log_state.level = level;
	log_state.facility = facility;
	log_state.started = !to_stderr;
	if (!to_stderr) {
		log_state.main.kind = DEST_SYSLOG;
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
	}
}

void
log_set_level(int level, int facility)
{
	log_state.level = level;
	if (facility == log_state.facility)
		return;
	log_state.facility = facility;
	if (log_uses_syslog()) {
		closelog();
		openlog(log_state.ident, LOG_PID | LOG_NDELAY, facility);
	}
}

/* Open path for appending; the fd, or -1 with errno. */
static int
file_open(const char *path)
{
	struct stat	st;
	int		fd, saved;

	if ((fd = open(path, LOG_FILE_FLAGS, LOG_FILE_MODE)) == -1)
		return (-1);
	/* A FIFO must not drop lines when full: block like a file. */
	if (fcntl(fd, F_SETFL, O_WRONLY | O_APPEND) == -1 ||
	    fstat(fd, &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	return (fd);
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}

/* Set d up for target; 0, or -1 with err. */
static int
dest_open(struct dest *d, const char *target, bool foreground, char *err,
    size_t errlen)
{
	memset(d, 0, sizeof(*d));
	if (strcmp(target, LOG_TARGET_SYSLOG) == 0 && !foreground) {
		d->kind = DEST_SYSLOG;
		return (0);
	}
	d->kind = DEST_FD;
	if (strcmp(target, LOG_TARGET_SYSLOG) == 0 ||
	    strcmp(target, LOG_TARGET_STDERR) == 0) {
		/* A copy: detaching points stderr itself at /dev/null. */
		if ((d->fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) != -1)
			return (0);
		snprintf(err, errlen, "cannot copy stderr: %s",
		    strerror(errno));
		return (-1);
	}
	snprintf(d->path, sizeof(d->path), "%s", target);
	if ((d->fd = file_open(target)) != -1)
		return (0);
	snprintf(err, errlen, "cannot open log file %s: %s", target,
	    strerror(errno));
	return (-1);
}

int
log_open(const char *target, const char *access, enum log_format format,
    bool foreground, char *err, size_t errlen)
{
	log_state.format = format;
	if (dest_open(&log_state.main, target, foreground, err, errlen) ==
	    -1)
		return (-1);
	log_state.access_own = access[0] != '\0' &&
	    strcmp(access, target) != 0;
	if (log_state.access_own && dest_open(&log_state.access, access,
	    foreground, err, errlen) == -1)
		return (-1);
	if (log_uses_syslog())
		openlog(log_state.ident, LOG_PID | LOG_NDELAY,
		    log_state.facility);
	return (0);
}

void
log_start(void)
{
	log_state.started = true;
}

bool
log_uses_syslog(void)
{
	return (log_state.main.kind == DEST_SYSLOG || (log_state.access_own &&
	    log_state.access.kind == DEST_SYSLOG));
}

/* Can a socket of type connect to sun? */
static bool
can_connect(const struct sockaddr_un *sun, int type)
{
	int	fd;
	bool	ok;

	if ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) == -1)
		return (false);
	ok = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return (ok);
}

bool
log_syslog_is_listening(const char *path)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sun.sun_path))
		return (false);
	memcpy(sun.sun_path, path, strlen(path));
	/* syslog(3) tries a stream when the socket takes no datagrams. */
	return (can_connect(&sun, SOCK_DGRAM) ||
	    can_connect(&sun, SOCK_STREAM));
}

static const char *
level_tag(int pri)
{
	switch (pri) {
	case LOG_CRIT:
	case LOG_ERR:
		return ("error");
	case LOG_WARNING:
		return ("warning");
	case LOG_NOTICE:
		return ("notice");
	case LOG_INFO:
		return ("info");
	default:
		return ("debug");
	}
}

/*
 * One line for d, in buf[len]: JSON, or text after a local timestamp,
 * ident[pid] and the level (syslog adds its own); a newline ends it
 * unless it goes to syslog.  Its length.
 */
static size_t
format_line(const struct dest *d, int pri, const char *msg,
    const char *error, char *buf, size_t len)
{
	struct timespec	ts;
	struct tm	tm;
	char		when[32];
	int		n;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (log_state.format == LOG_FORMAT_JSON) {
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(when + strlen(when), sizeof(when) - strlen(when),
		    ".%03ldZ", ts.tv_nsec / 1000000);
		n = (int)strlen(log_json(buf, len - 1, when, level_tag(pri),
		    msg, error));
	} else if (d->kind == DEST_SYSLOG)
		n = snprintf(buf, len, "%s%s%s", msg, error != NULL ? ": " :
		    "", error != NULL ? error : "");
	else {
		localtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		n = snprintf(buf, len, "%s.%03ld %s[%d] %s: %s%s%s", when,
		    ts.tv_nsec / 1000000, log_state.ident, (int)getpid(),
		    level_tag(pri), msg, error != NULL ? ": " : "",
		    error != NULL ? error : "");
	}
	if (n < 0)
		n = 0;
	if ((size_t)n >= len - 1)
		n = (int)len - 2;	/* cut short, room for the newline */
	if (d->kind != DEST_SYSLOG)
		buf[n++] = '\n';
	buf[n] = '\0';
	return ((size_t)n);
}

/* Format and send one line; with errnum >= 0 it carries strerror(). */
static void
vlog(int pri, int errnum, bool access, const char *fmt, va_list ap)
{
	const struct dest	*d = &log_state.main;
	char			 msg[LOG_MSGLEN], line[LOG_LINEMAX];
	int			 saved = errno;
	size_t			 n;

	if (pri > log_state.level)
		return;
	if (!log_state.started)
		d = &early;
	else if (access && log_state.access_own)
		d = &log_state.access;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = format_line(d, pri, msg, errnum >= 0 ? strerror(errnum) : NULL,
	    line, sizeof(line));
	if (d->kind == DEST_SYSLOG)
		syslog(pri, "%s", line);
	else	/* One write per line keeps lines whole across processes. */
		(void)write(d->fd, line, n);
	errno = saved;
}

#define LOG_FN(fn, pri, errnum, access)			\
void							\
fn(const char *fmt, ...)				\
{							\
	va_list	ap;					\
	int	e = (errnum);				\
							\
	va_start(ap, fmt);				\
	vlog((pri), e, (access), fmt, ap);		\
	va_end(ap);					\
}

LOG_FN(log_warn, LOG_WARNING, errno, false)
LOG_FN(log_warnx, LOG_WARNING, -1, false)
LOG_FN(log_err, LOG_ERR, -1, false)
LOG_FN(log_notice, LOG_NOTICE, -1, false)
LOG_FN(log_info, LOG_INFO, -1, false)
LOG_FN(log_debug, LOG_DEBUG, -1, false)
LOG_FN(log_access_line, LOG_INFO, -1, true)

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	e = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, e, false, fmt, ap);
	va_end(ap);
	exit(3);
}

/* Is d a file (rather than syslog or stderr)? */
static bool
is_file(const struct dest *d)
{
	return (d->kind == DEST_FD && d->path[0] != '\0');
}

static bool
has_files(void)
{
	return (is_file(&log_state.main) ||
	    (log_state.access_own && is_file(&log_state.access)));
}

/* Open d's file again; keep the old one when that fails (and say so). */
static void
dest_reopen(struct dest *d)
{
	char	path[LOG_VALUELEN];
	int	fd;

	if (!is_file(d))
		return;
	if ((fd = file_open(d->path)) == -1) {
		log_warn("cannot reopen log file=%s",
		    log_quote(path, sizeof(path), d->path));
		return;
	}
	close(d->fd);
	d->fd = fd;
}

/* Send one child the files, in one datagram; 0 or -1 with errno. */
static int
chan_send(int chan)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(2 * sizeof(int))];
	}		 cm;
	struct msghdr	 msg = { 0 };
	struct iovec	 iov;
	struct cmsghdr	*c;
	unsigned char	 mask = 0;
	int		 fds[2];
	size_t		 n = 0;

	if (is_file(&log_state.main)) {
		fds[n++] = log_state.main.fd;
		mask |= CHAN_MAIN;
	}
	if (log_state.access_own && is_file(&log_state.access)) {
		fds[n++] = log_state.access.fd;
		mask |= CHAN_ACCESS;
	}
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = &mask;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	return (sendmsg(chan, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) == -1 ?
	    -1 : 0);
}

/* Send every child the files; a child already gone does not count. */
static void
chans_send(void)
{
	unsigned	failed = 0;

	for (size_t i = 0; i < log_state.nchans; i++)
		if (chan_send(log_state.chans[i]) == -1 &&
		    errno != ECONNREFUSED && errno != EPIPE)
			failed++;
	if (failed > 0)
		log_warnx("reopened log files not sent children=%u", failed);
}

void
log_reopen(void)
{
	if (log_uses_syslog()) {
		closelog();
		openlog(log_state.ident, LOG_PID | LOG_NDELAY,
		    log_state.facility);
	}
	if (log_state.child || !has_files())
		return;
	dest_reopen(&log_state.main);
	if (log_state.access_own)
		dest_reopen(&log_state.access);
	chans_send();
	log_notice("log files reopened pid=%d", (int)getpid());
}

int
log_channel_open(int *master_end, int *child_end)
{
	size_t	 cap;
	int	 sv[2], *grown;

	*master_end = *child_end = -1;
	if (!has_files())
		return (0);
	if (log_state.nchans == log_state.capchans) {
		cap = log_state.capchans == 0 ? 16 : 2 * log_state.capchans;
		if ((grown = reallocarray(log_state.chans, cap,
		    sizeof(*grown))) == NULL)
			return (-1);
		log_state.chans = grown;
		log_state.capchans = cap;
	}
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == -1)
		return (-1);
	/* The master reads nothing: no child can queue anything for it. */
	(void)shutdown(sv[0], SHUT_RD);
	log_state.chans[log_state.nchans++] = sv[0];
	*master_end = sv[0];
	*child_end = sv[1];
	return (0);
}

void
log_channel_close(int master_end)
{
	for (size_t i = 0; i < log_state.nchans; i++) {
		if (log_state.chans[i] != master_end)
			continue;
		log_state.chans[i] = log_state.chans[--log_state.nchans];
		close(master_end);
		return;
	}
}

void
log_channel_child(int child_end)
{
	for (size_t i = 0; i < log_state.nchans; i++)
		close(log_state.chans[i]);
	free(log_state.chans);
	log_state.chans = NULL;
	log_state.nchans = log_state.capchans = 0;
	log_state.child = true;
	log_state.chan = child_end;
}

int
log_channel_fd(void)
{
	return (log_state.chan);
}

/* Put fd in d's place, when d is a file; else fd is not wanted. */
static void
adopt(struct dest *d, int fd)
{
	if (!is_file(d)) {
		close(fd);
		return;
	}
	close(d->fd);
	d->fd = fd;
}

/* Receive one datagram's descriptors into fds[2]; their count, or -1. */
static int
chan_receive(int chan, unsigned char *mask, int fds[2])
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(2 * sizeof(int))];
	}		 cm;
	struct msghdr	 msg = { 0 };
	struct iovec	 iov = { mask, 1 };
	struct cmsghdr	*c;
	int		 n = 0, fd;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	if (recvmsg(chan, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0)
		return (-1);
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; CMSG_LEN((i + 1) * sizeof(int)) <=
		    c->cmsg_len; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (n < 2)
				fds[n++] = fd;
			else
				close(fd);
		}
	}
	return (n);
}

void
log_channel_receive(void)
{
	unsigned char	mask = 0;
	int		fds[2], n, i = 0;

	if (log_state.chan == -1 ||
	    (n = chan_receive(log_state.chan, &mask, fds)) == -1)
		return;
	if ((mask & CHAN_MAIN) && i < n)
		adopt(&log_state.main, fds[i++]);
	if ((mask & CHAN_ACCESS) && i < n)
		adopt(&log_state.access, fds[i++]);
	while (i < n)
		close(fds[i++]);
	log_notice("log files reopened pid=%d", (int)getpid());
}
