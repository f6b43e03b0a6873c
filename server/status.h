/*
 * A snapshot of what lbd is doing, and its renderings: Prometheus text,
 * JSON, an HTML page and the control socket's tables.  Rendering is pure
 * (a snapshot in, text out), so tests can build a snapshot by hand.
 */
#ifndef LBD_STATUS_H
#define LBD_STATUS_H

#include <stdbool.h>
#include <stdio.h>

#include "lbd_limits.h"

struct lbd;

struct status_backend {
	char			name[LBD_NAMELEN];
	char			address[LBD_ADDRLEN];
	const char		*state;		/* up, down, paused, disabled */
	bool			up;		/* may be chosen now */
	bool			backup;
	unsigned		weight;		/* in force */
	unsigned		active;
	unsigned long long	total;
	unsigned long long	connect_failures;
	unsigned long long	bytes_in;	/* client -> backend */
	unsigned long long	bytes_out;	/* backend -> client */
	double			rt_seconds;	/* moving average, 0 = none */
};

struct status_service {
	char			 name[LBD_NAMELEN];
	const char		*mode;
	const char		*balance;
	unsigned		 active;
	unsigned long long	 total;
	unsigned long long	 rejected;
	size_t			 nbackends;
	struct status_backend	*backends;
};

struct status_worker {
	unsigned		id;
	unsigned		generation;
	unsigned long long	accepted;
	unsigned		active;
};

/* The newest reload's outcome (at start: generation 1, ok). */
struct status_reload {
	unsigned		generation;	/* serving after it */
	long long		time;		/* Unix seconds */
	bool			failed;
	unsigned long long	failures;	/* since start */
	char			error[512];	/* one line; "" if ok */
};

struct status {
	size_t			 nprocs;	/* running, all generations */
	struct status_worker	*procs;
	unsigned		 generation;
	unsigned		 workers;
	unsigned long long	 restarts;
	unsigned long long	 reloads;
	struct status_reload	 reload;
	size_t			 nservices;
	struct status_service	*services;
};

/* Read env's counters into a new snapshot; NULL on allocation failure. */
struct status	*status_take(struct lbd *env);
void		 status_free(struct status *st);

/* Write st to f in each format; -1 on a write error. */
int		 status_metrics(const struct status *st, FILE *f);
int		 status_json(const struct status *st, FILE *f);
int		 status_html(const struct status *st, FILE *f);

/* The control socket's "show services" and "show backends [SERVICE]". */
int		 status_services_text(const struct status *st, FILE *f);
int		 status_backends_text(const struct status *st,
		    const char *service, FILE *f);

#endif /* LBD_STATUS_H */
