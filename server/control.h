/*
 * The control socket: a Unix stream socket (mode 0600) where an operator
 * sends one command a line and reads one reply ending in a blank line.
 * Served from the master's loop; what it changes lives in the shared
 * region, so every worker sees it at once.
 */
#ifndef LBD_CONTROL_H
#define LBD_CONTROL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct evloop;
struct lbd;

struct control;

/*
 * Listen at env->conf->control, replacing a stale socket there.  NULL
 * with the reason in err (the path is in use, cannot bind, ...).
 */
struct control	*control_new(struct lbd *env, struct evloop *loop,
		    char *err, size_t errlen);

/*
 * Close the clients idle for env->admin_timeout_ms at now_ms, so that
 * none can hold a place for ever.  NULL allowed.
 */
void		 control_sweep(struct control *ctl, uint64_t now_ms);

/* Close every control connection and remove the socket.  NULL allowed. */
void		 control_free(struct control *ctl);

/*
 * lbd -x: send command to the socket at path and print the reply on
 * stdout.  Returns the exit status: 0, 2 when the command was refused,
 * 3 when no lbd answers there.
 */
int		 control_send(const char *path, const char *command);

#endif /* LBD_CONTROL_H */
