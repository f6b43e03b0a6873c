/*
 * A snapshot of what lbd is doing, and its renderings: Prometheus text,
 * JSON, an HTML page and the control socket's tables.  Rendering is pure
 * (a snapshot in, text out), so tests can build a snapshot by hand.
 */
#ifndef LBD_STATUS_H
#define LBD_STATUS_H

#include <stdbool.h>
#include <stdio.h>

#include "history.h"
#include "lbd_limits.h"
#include "shm.h"

#define STATUS_AGE_UNKNOWN	(-1.0)

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
	unsigned		slot;		/* shared slot: history key */
	char			name[LBD_NAMELEN];
	char			address[LBD_ADDRLEN];
	const char		*state;		/* maint, drain, down, paused,
						   up */
	const char		*health;	/* up, down, paused */
	const char		*admin;		/* up, maint, drain */
	bool			up;		/* may be chosen now */
	bool			health_up;	/* checks pass, not paused */
	bool			backup;
	bool			checked;	/* has active checks */
	bool			weight_set;	/* by control, kept */
	bool			admin_set;	/* maint or drain, kept */
	unsigned		weight;		/* in force */
	unsigned		active;
	unsigned		peak;		/* active, most sampled */
	double			rate;		/* connections/s, last step */
	char			check[64];	/* last check's result */
	double			check_age;	/* s since, or AGE_UNKNOWN */
	double			state_age;	/* s in health state, or
						   AGE_UNKNOWN */
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
	unsigned long long	 timeouts;	/* client, server, queue */
	unsigned long long	 resets;
	unsigned		 queued;	/* waiting for a slot now */
	unsigned		 queued_peak;	/* most at once, since start */
	unsigned long long	 queue_timeouts; /* also in rejected */
	unsigned long long	 retries;	/* connects after a failed
						   one */
	unsigned		 slot;		/* shared slot: history key */
	size_t			 nup;		/* backends that may be
						   chosen */
	bool			 alarm;		/* none may: nup == 0 */
	unsigned		 peak;		/* active, most sampled */
	double			 rate;		/* connections/s, last step */
	size_t			 npoints;	/* in series */
	double			 series[HISTORY_POINTS]; /* conns/s, oldest
							    first */
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
	int			 pid;		/* the master's */
	double			 uptime;	/* seconds */
	long long		 time;		/* of the snapshot, UNIX s */
	bool			 alarm;		/* some service has one */
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

/* Add the rates, peaks and series of h (may be NULL) to st. */
void		 status_add_history(struct status *st,
		    const struct history *h);

/* Write st to f in each format; -1 on a write error. */
int		 status_metrics(const struct status *st, FILE *f);
int		 status_json(const struct status *st, FILE *f);
int		 status_html(const struct status *st, FILE *f);

/*
 * Seconds as "42s", "3m05s", "2h10m", "4d03h", or "-" when unknown; and a
 * backend's last check as "connect refused 12s ago" ("-" when none).
 */
void		 status_duration(double seconds, char *buf, size_t len);
void		 status_check_text(const struct status_backend *b, char *buf,
		    size_t len);

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
