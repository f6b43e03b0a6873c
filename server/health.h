/*
 * Active health checks, in their own process ("lbd: health") so a slow
 * check never delays the master's signals or the workers' relaying.
 */
#ifndef LBD_HEALTH_H
#define LBD_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

struct lbd;

/* True when some service of env has active checks (type tcp or http). */
bool		health_is_needed(const struct lbd *env);

/*
 * Check every backend of every service with active checks, for ever,
 * writing up/down into the shared region.  Exits 0 on TERM or INT.
 */
_Noreturn void	health_main(struct lbd *env);

/*
 * Read the status code from the start of an HTTP response.  Returns it
 * (100..599), 0 when more bytes are needed, or -1 when it is not HTTP.
 */
int		health_http_status(const char *reply, size_t len);

/*
 * Words for a check's result and detail (enum check_result, as read from
 * the shared region): any value is accepted, and one out of range reads
 * "unknown".  Writes at most len bytes to buf.
 */
void		health_reason(int result, int detail, char *buf, size_t len);

#endif /* LBD_HEALTH_H */
