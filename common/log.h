/*
 * Logging to syslog, standard error or files, as text or JSON lines.
 * Levels are syslog's (LOG_ERR ... LOG_DEBUG).  Every call preserves
 * errno.  Files are opened by the master and handed to its children
 * (log_channel_*), which never open them by name: see log.c.
 */
#ifndef LBD_LOG_H
#define LBD_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "log_line.h"

#define LOG_PRINTF(a, b)	__attribute__((format(printf, a, b)))
#define LOG_TARGET_SYSLOG	"syslog"
#define LOG_TARGET_STDERR	"stderr"
#define LOG_SYSLOG_PATH		"/dev/log"

enum log_format {
	LOG_FORMAT_TEXT = 0,
	LOG_FORMAT_JSON
};

/*
 * Start logging as ident ("lbd").  With to_stderr, lines go to stderr with
 * a timestamp; otherwise to syslog with the given facility (LOG_DAEMON...).
 */
void		log_init(const char *ident, bool to_stderr, int level,
		    int facility);

/*
 * A reload's level and facility: lines take the level at once, and a
 * syslog target reconnects under a new facility.  Children forked after
 * inherit both.
 */
void		log_set_level(int level, int facility);

/* Map "debug".."err" and "daemon", "local0".."local7", "user" to values. */
int		log_level_parse(const char *name);	/* -1 if unknown */
int		log_facility_parse(const char *name);	/* -1 if unknown */
int		log_format_parse(const char *name);	/* "text", "json" */

/*
 * Open the targets, each "syslog", "stderr" or an absolute file path
 * (opened for appending, created 0640): target for every line, access
 * for access lines ("" or the same text: target's).  In the foreground
 * "syslog" means stderr.  Lines take format at once, but go on to stderr
 * until log_start().  0, or -1 with "cannot open log file ..." in err.
 */
int		log_open(const char *target, const char *access,
		    enum log_format format, bool foreground, char *err,
		    size_t errlen);

/* From now on lines go to the targets log_open() opened. */
void		log_start(void);

/* Whether a target log_open() opened is syslog. */
bool		log_uses_syslog(void);

/* Whether a syslog daemon takes datagrams (or a stream) at path. */
bool		log_syslog_is_listening(const char *path);

/*
 * USR1.  The master reopens its files and sends them to every child's
 * channel; a child only reconnects to syslog (its files come on the
 * channel).
 */
void		log_reopen(void);

/*
 * Master, before forking a child: a channel to send it reopened files
 * on.  0 with both ends -1 when no target is a file, 0 with the ends,
 * or -1 with errno.
 */
int		log_channel_open(int *master_end, int *child_end);

/* Master: the child of master_end is gone; close it (-1 is allowed). */
void		log_channel_close(int master_end);

/*
 * Child, right after fork: keep child_end (may be -1) as its channel and
 * close the master's ends of every channel.
 */
void		log_channel_child(int child_end);

/* Child: its channel, to watch for reading, or -1. */
int		log_channel_fd(void);

/* Child: the channel is readable; take the files that came on it. */
void		log_channel_receive(void);

void		log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);  /* + errno */
void		log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void		log_err(const char *fmt, ...) LOG_PRINTF(1, 2);
void		log_notice(const char *fmt, ...) LOG_PRINTF(1, 2);
void		log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void		log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
/* An access line: info level, to the access target. */
void		log_access_line(const char *fmt, ...) LOG_PRINTF(1, 2);
_Noreturn void	fatal(const char *fmt, ...) LOG_PRINTF(1, 2);	/* + errno */

#endif /* LBD_LOG_H */
