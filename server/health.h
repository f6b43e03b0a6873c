/*
 * Active health checks, in their own process ("lbd: health") so a slow
 * check never delays the master's signals or the workers' relaying.
 */
#ifndef LBD_HEALTH_H
#define LBD_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

struct http1_response;
struct lbd;
struct net_addr;

/* True when some service of env has active checks (type tcp or http). */
bool		health_is_needed(const struct lbd *env);

/*
 * Check every backend of every service with active checks, for ever,
 * writing up/down into the shared region.  Exits 0 on TERM or INT.
 */
_Noreturn void	health_main(struct lbd *env);

/*
 * Parse what arrived of an http check's answer, reply[0..len), into resp
 * (http1_response_init'ed for GET; pass it again with the grown buffer).
 * Returns the status code (100..599) once the head is whole and valid, 0
 * while it is not all here, or -1 with the parser's reason in *reason.
 */
int		health_http_status(struct http1_response *resp,
		    const char *reply, size_t len, const char **reason);

/*
 * The check's Host value for a backend at address (as written, with its
 * port) resolved to addr: the host part as written, or, when that holds
 * a byte no host name or IP literal may (the resolver may accept more
 * than the config's checks), the numeric address; never a byte that
 * could end the header.  Written to out, len bytes at most.
 */
void		health_host(const char *address, const struct net_addr *addr,
		    char *out, size_t len);

/*
 * Words for a check's result and detail (enum check_result, as read from
 * the shared region): any value is accepted, and one out of range reads
 * "unknown".  Writes at most len bytes to buf.
 */
void		health_reason(int result, int detail, char *buf, size_t len);

#endif /* LBD_HEALTH_H */
