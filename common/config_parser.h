/*
 * The reading half of config_load(), shared by the files that know the
 * keys: one parse's error list, and typed getters over libconfig settings
 * that check a value and report each mistake as "FILE:LINE: message".
 * Private to common/config*.c; nothing here logs.
 */
#ifndef LBD_CONFIG_PARSER_H
#define LBD_CONFIG_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define MAX_MAXCONN	1000000	/* global and per-backend maxconn */
#define NETERRLEN	512	/* net_addr_parse()'s messages */
/*
 * A bare integer duration below this many milliseconds was most likely
 * meant as seconds ("connect = 2;"): it loads, with a warning.
 */
#define DURATION_SUSPECT_MS	100

struct config;
struct config_setting_t;	/* libconfig's config_setting_t */

/* One load: where errors go and the config being filled. */
struct parser {
	const char	*path;		/* as given to config_load() */
	char		*err;
	size_t		 errlen;
	size_t		 used;		/* bytes of err written */
	int		 nerrors;	/* counted even when err is full */
	char		*warn;		/* warnings, "FILE:LINE: warning: ..." */
	size_t		 warnlen;
	size_t		 wused;
	struct config	*conf;
};

/*
 * Count an error and append "FILE:LINE: message\n" to p->err, or
 * "FILE: message\n" when line is 0.  A full buffer truncates the line and
 * keeps the NUL; later errors are still counted.
 */
void		parser_report_at(struct parser *p, const char *file,
		    unsigned line, const char *fmt, ...) LOG_PRINTF(4, 5);

/* The same at setting s; the root, which has no line, reports line 1. */
void		parser_report(struct parser *p,
		    const struct config_setting_t *s, const char *fmt, ...)
		    LOG_PRINTF(3, 4);

/*
 * Append "FILE:LINE: message\n" at setting s to the warnings, which do not
 * count as errors: the file still loads.  Start message with "warning: ".
 */
void		parser_warn(struct parser *p,
		    const struct config_setting_t *s, const char *fmt, ...)
		    LOG_PRINTF(3, 4);

/*
 * Report each member of group g not named in known (NULL-terminated) as
 * unknown "where".
 */
void		parser_check_keys(struct parser *p,
		    const struct config_setting_t *g, const char *const *known,
		    const char *where);

/*
 * Member name of g when present and of libconfig type (CONFIG_TYPE_INT also
 * takes INT64).  NULL when absent, or of another type, reported as
 * "NAME" must be WHAT.
 */
const struct config_setting_t *
		parser_want(struct parser *p, const struct config_setting_t *g,
		    const char *name, int type, const char *what);

/* Set *out from integer member name of g, within [min, max], if present. */
void		parser_get_uint(struct parser *p,
		    const struct config_setting_t *g, const char *name,
		    long long min, long long max, unsigned *out);

/* Set *out from boolean member name of g, if present. */
void		parser_get_bool(struct parser *p,
		    const struct config_setting_t *g, const char *name,
		    bool *out);

/*
 * Copy string setting s, called name in messages, into out[len].
 * Returns 0, or -1 on a wrong type or a string too long (reported).
 */
int		parser_copy_string(struct parser *p,
		    const struct config_setting_t *s, const char *name,
		    char *out, size_t len);

/*
 * Set *ms from duration member name of g: an integer is milliseconds, a
 * string takes a unit ("250ms", "2s", "1m", "1h").  Returns 1 when set, 0
 * when absent, -1 on an error (reported).  An integer from 1 to
 * DURATION_SUSPECT_MS - 1 is set, with a warning.
 */
int		parser_get_duration(struct parser *p,
		    const struct config_setting_t *g, const char *name,
		    uint64_t *ms);

/* Like parser_get_duration(), but 0 is an error too: a timeout must wait. */
int		parser_get_timeout(struct parser *p,
		    const struct config_setting_t *g, const char *name,
		    uint64_t *ms);

#endif /* LBD_CONFIG_PARSER_H */
