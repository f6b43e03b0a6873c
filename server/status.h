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
#include "shm.h"

struct lbd;

/* HTTP mode's counters of a backend; on is false in tcp mode. */
struct status_http_backend {
	bool			on;
	unsigned long long	responses[LBD_SHM_HTTP_CLASSES]; /* 1xx.. */
	unsigned long long	reuses;
	unsigned		idle;		/* pooled connections now */
};

/* HTTP mode's counters of a service; on is false in tcp mode. */
struct status_http_service {
	bool			on;
	unsigned long long	requests;
	unsigned long long	retries;
	unsigned long long	responses[LBD_SHM_HTTP_CLASSES]; /* 1xx.. */
	unsigned long long	buckets[LBD_SHM_HTTP_BUCKETS];	/* each
								   alone */
	unsigned long long	duration_us;	/* sum of the samples */
};

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
	struct status_http_backend http;
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
	struct status_http_service http;
};

struct status_worker {
	unsigned		id;
	unsigned		generation;
	unsigned long long	accepted;
	unsigned		active;
};

struct status {
	size_t			 nprocs;	/* running, all generations */
	struct status_worker	*procs;
	unsigned		 generation;
	unsigned		 workers;
	unsigned long long	 restarts;
	unsigned long long	 reloads;
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

/*
 * "show backends [SERVICE]"'s second table: HTTP response classes, reuses
 * and idle pooled connections of the http-mode services' backends.
 * Writes nothing when no service shown is in http mode.
 */
int		 status_http_backends_text(const struct status *st,
		    const char *service, FILE *f);

#endif /* LBD_STATUS_H */
