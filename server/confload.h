/*
 * Parsing a configuration file away from the master's loop.  A reload
 * forks a short-lived child that runs config_load() and sends the result
 * back through a pipe (config_pack.h), so the master goes on reaping,
 * answering signals and serving stats while a large file is parsed, and
 * whatever libconfig leaks dies with the child.
 */
#ifndef LBD_CONFLOAD_H
#define LBD_CONFLOAD_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

struct config;
struct evloop;
struct confload;

/*
 * Fork the parser for path; its answer is read through loop.
 * NULL with errno when the pipe or fork(2) failed.
 */
struct confload	*confload_start(struct evloop *loop, const char *path);

/* True once the answer is complete, or the child went without one. */
bool		 confload_is_done(const struct confload *cl);

/*
 * The answer, once done: a new config (the caller frees it), or NULL
 * with the parser's errors, one "FILE:LINE: message" a line, in err.
 */
struct config	*confload_result(struct confload *cl, char *err,
		    size_t errlen);

/*
 * The parser's pid (0 once reaped), for the master's reaping; the master
 * calls confload_reaped() when waitpid(2) returned it, so that no later
 * kill(2) can reach a recycled pid.
 */
pid_t		 confload_pid(const struct confload *cl);
void		 confload_reaped(struct confload *cl);

/*
 * Stop listening to the parser and free cl; a child still parsing is
 * killed (the master reaps it).  NULL is allowed.
 */
void		 confload_free(struct confload *cl);

#endif /* LBD_CONFLOAD_H */
