/*
 * Logging to syslog or, in the foreground, to stderr.  Levels are syslog's
 * (LOG_ERR ... LOG_DEBUG).  Every call preserves errno.
 */
#ifndef LBD_LOG_H
#define LBD_LOG_H

#include <stdbool.h>
#include <stddef.h>

#define LOG_PRINTF(a, b)	__attribute__((format(printf, a, b)))
#define LOG_VALUELEN		512	/* a buffer for log_quote() */

/*
 * Start logging as ident ("lbd").  With to_stderr, lines go to stderr with
 * a timestamp; otherwise to syslog with the given facility (LOG_DAEMON...).
 */
void		log_init(const char *ident, bool to_stderr, int level,
		    int facility);

/* Map "debug".."err" and "daemon", "local0".."local7", "user" to values. */
int		log_level_parse(const char *name);	/* -1 if unknown */
int		log_facility_parse(const char *name);	/* -1 if unknown */

/*
 * Format value for a key=value pair of a log line into buf[len]: as it
 * is when it is a plain token (not empty; no space, '"', '\', '=' or
 * control byte), else in double quotes, with '"' and '\' escaped by a
 * backslash and control bytes as \n, \r, \t or \xHH.  A value too long
 * is cut short, still quoted.  Returns buf, to pass to log_*() as a %s.
 */
const char	*log_quote(char *buf, size_t len, const char *value);

/* Close and reopen the log target (SIGUSR1). */
void		log_reopen(void);

void		log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);  /* + errno */
void		log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void		log_err(const char *fmt, ...) LOG_PRINTF(1, 2);
void		log_notice(const char *fmt, ...) LOG_PRINTF(1, 2);
void		log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void		log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
_Noreturn void	fatal(const char *fmt, ...) LOG_PRINTF(1, 2);	/* + errno */

#endif /* LBD_LOG_H */
