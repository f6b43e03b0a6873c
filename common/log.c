/*
 * Logging: syslog, or stderr in the foreground.  The only mutable state is
 * this file's own, set once at start and on reopen.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static struct {
	const char	*ident;
	bool		 to_stderr;
	int		 level;
	int		 facility;
} log_state = { "lbd", true, LOG_INFO, LOG_DAEMON };

static const struct {
	const char	*name;
	int		 value;
} levels[] = {
	{ "err", LOG_ERR }, { "error", LOG_ERR }, { "warning", LOG_WARNING },
	{ "warn", LOG_WARNING }, { "notice", LOG_NOTICE }, { "info", LOG_INFO },
	{ "debug", LOG_DEBUG }
}, facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 }
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

int
log_level_parse(const char *name)
{
	for (size_t i = 0; i < NELEM(levels); i++)
		if (strcmp(levels[i].name, name) == 0)
			return (levels[i].value);
	return (-1);
}

int
log_facility_parse(const char *name)
{
	for (size_t i = 0; i < NELEM(facilities); i++)
		if (strcmp(facilities[i].name, name) == 0)
			return (facilities[i].value);
	return (-1);
}

void
log_init(const char *ident, bool to_stderr, int level, int facility)
{
	log_state.ident = ident;
	log_state.to_stderr = to_stderr;
	log_state.level = level;
	log_state.facility = facility;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

void
log_reopen(void)
{
	if (log_state.to_stderr)
		return;
	closelog();
	openlog(log_state.ident, LOG_PID | LOG_NDELAY, log_state.facility);
}

/* A byte that a key=value pair can carry bare. */
static bool
is_token_char(unsigned char c)
{
	return (c > ' ' && c != 0x7f && c != '"' && c != '\\' && c != '=');
}

/* Write byte c as it stands in a quoted value to out; its length. */
static size_t
escape_char(unsigned char c, char out[5])
{
	static const char	from[] = "\"\\\n\r\t", to[] = "\"\\nrt";
	const char		*at;

	if (c != '\0' && (at = strchr(from, c)) != NULL) {
		out[0] = '\\';
		out[1] = to[at - from];
		return (2);
	}
	if (c < ' ' || c == 0x7f)
		return ((size_t)snprintf(out, 5, "\\x%02x", c));
	out[0] = (char)c;
	return (1);
}

const char *
log_quote(char *buf, size_t len, const char *value)
{
	const unsigned char	*v = (const unsigned char *)value;
	char			 e[5];
	size_t			 n = 0, k;
	bool			 bare = *v != '\0';

	for (const unsigned char *c = v; *c != '\0' && bare; c++)
		bare = is_token_char(*c);
	if (bare || len < 3) {
		snprintf(buf, len, "%s", bare ? value : "");
		return (buf);
	}
	buf[n++] = '"';
	/* Room is left for the closing quote and the NUL. */
	for (; *v != '\0' && n + (k = escape_char(*v, e)) + 2 <= len; v++) {
		memcpy(buf + n, e, k);
		n += k;
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return (buf);
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

/* Format one line; with errnum >= 0 append ": strerror(errnum)". */
static void
vlog(int pri, int errnum, const char *fmt, va_list ap)
{
	char		msg[2048];
	struct timespec	ts;
	struct tm	tm;
	int		saved = errno, n;

	if (pri > log_state.level)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum >= 0 && n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(errnum));
	if (log_state.to_stderr) {
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		/* One write per line keeps lines whole across processes. */
		dprintf(STDERR_FILENO, "%04d-%02d-%02d %02d:%02d:%02d.%03ld "
		    "%s[%d] %s: %s\n", tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    ts.tv_nsec / 1000000, log_state.ident, (int)getpid(),
		    level_tag(pri), msg);
	} else
		syslog(pri, "%s", msg);
	errno = saved;
}

#define LOG_FN(fn, pri, errnum)				\
void							\
fn(const char *fmt, ...)				\
{							\
	va_list	ap;					\
	int	e = (errnum);				\
							\
	va_start(ap, fmt);				\
	vlog((pri), e, fmt, ap);			\
	va_end(ap);					\
}

LOG_FN(log_warn, LOG_WARNING, errno)
LOG_FN(log_warnx, LOG_WARNING, -1)
LOG_FN(log_err, LOG_ERR, -1)
LOG_FN(log_notice, LOG_NOTICE, -1)
LOG_FN(log_info, LOG_INFO, -1)
LOG_FN(log_debug, LOG_DEBUG, -1)

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	e = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, e, fmt, ap);
	va_end(ap);
	exit(3);
}
