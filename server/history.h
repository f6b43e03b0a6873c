/*
 * The master's record of recent traffic, for the status page's rates and
 * charts: every HISTORY_STEP_MS it samples each service's and backend's
 * counters into rings in its own memory.  Values come from the shared
 * region, so they are only ever subtracted (with a floor at zero) and
 * printed, never used to size or index anything.
 */
#ifndef LBD_HISTORY_H
#define LBD_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#define HISTORY_STEP_MS	2000	/* one sample every 2 s */
#define HISTORY_POINTS	150	/* 5 minutes of them */
#define HISTORY_RATE_STEPS 5	/* rates shown: over the last 10 s */

struct history;
struct lbd;

/* A new, empty history; NULL on allocation failure.  history_free frees. */
struct history	*history_new(void);
void		 history_free(struct history *h);

/* Sample the counters of env's services and backends at now_ms. */
void		 history_sample(struct history *h, struct lbd *env,
		    uint64_t now_ms);

/*
 * Service slot's connections per second in each step, oldest first, into
 * out (room for HISTORY_POINTS); returns how many.  Its rate over the
 * last HISTORY_RATE_STEPS steps (fewer at first) and the most active
 * connections seen at a sample are in *rate and *peak (0 without
 * samples).
 */
size_t		 history_service(const struct history *h, unsigned slot,
		    double *out, double *rate, unsigned *peak);

/* The same rate and peak for backend slot. */
void		 history_backend(const struct history *h, unsigned slot,
		    double *rate, unsigned *peak);

#endif /* LBD_HISTORY_H */
