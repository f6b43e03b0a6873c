/*
 * Rings of samples, one per shared service slot, and the last two
 * samples of each backend slot.  Slots outlive reloads, so a history
 * does too; a slot that a reload zeroed for a new user shows as a
 * counter going backwards, which starts its history afresh.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "history.h"
#include "lbd.h"
#include "shm.h"

struct sample {
	uint64_t	ms;		/* 0: none */
	uint64_t	total;		/* connections accepted */
};

struct service_ring {
	struct sample	s[HISTORY_POINTS];
	size_t		next;		/* where the next sample goes */
	size_t		n;
	unsigned	peak;		/* active, most seen */
};

/* A backend's last HISTORY_RATE_STEPS + 1 samples, for its rate. */
struct backend_ring {
	struct sample	s[HISTORY_RATE_STEPS + 1];
	size_t		next;
	unsigned	peak;
};

struct history {
	struct service_ring	svc[LBD_SHM_SERVICES];
	struct backend_ring	be[LBD_SHM_BACKENDS];
};

struct history *
history_new(void)
{
	return (calloc(1, sizeof(struct history)));
}

void
history_free(struct history *h)
{
	free(h);
}

/* Per second between two samples; 0 when the counter went backwards. */
static double
per_second(const struct sample *a, const struct sample *b)
{
	if (a->ms == 0 || b->ms <= a->ms || b->total < a->total)
		return (0);
	return ((double)(b->total - a->total) * 1000 / (double)(b->ms -
	    a->ms));
}

static void
sample_service(struct service_ring *r, uint64_t total, unsigned active,
    uint64_t now_ms)
{
	const struct sample	*last;

	last = &r->s[(r->next + HISTORY_POINTS - 1) % HISTORY_POINTS];
	if (r->n > 0 && total < last->total)
		memset(r, 0, sizeof(*r));	/* the slot was reused */
	r->s[r->next].ms = now_ms;
	r->s[r->next].total = total;
	r->next = (r->next + 1) % HISTORY_POINTS;
	if (r->n < HISTORY_POINTS)
		r->n++;
	if (active > r->peak)
		r->peak = active;
}

static void
sample_backend(struct backend_ring *r, uint64_t total, unsigned active,
    uint64_t now_ms)
{
	size_t	last;

	last = (r->next + HISTORY_RATE_STEPS) % (HISTORY_RATE_STEPS + 1);

	if (total < r->s[last].total)
		memset(r, 0, sizeof(*r));	/* the slot was reused */
	r->s[r->next].ms = now_ms;
	r->s[r->next].total = total;
	r->next = (r->next + 1) % (HISTORY_RATE_STEPS + 1);
	if (active > r->peak)
		r->peak = active;
}

void
history_sample(struct history *h, struct lbd *env, uint64_t now_ms)
{
	for (size_t i = 0; i < env->conf->nservices; i++) {
		const struct service	*s = &env->services[i];
		struct shm_service	*ss = shm_service(env->shm, s->slot);

		sample_service(&h->svc[s->slot], shm_service_total(ss),
		    shm_service_active(ss), now_ms);
		for (size_t j = 0; j < s->conf->nbackends; j++) {
			struct shm_backend *sb = shm_backend(env->shm,
			    s->be_slot[j]);

			sample_backend(&h->be[s->be_slot[j]],
			    shm_backend_total(sb), shm_backend_active(sb),
			    now_ms);
		}
	}
}

size_t
history_service(const struct history *h, unsigned slot, double *out,
    double *rate, unsigned *peak)
{
	const struct service_ring	*r = &h->svc[slot];
	size_t				 first, span, k = 0;

	*rate = 0;
	*peak = r->peak;
	if (r->n < 2)
		return (0);
	first = (r->next + HISTORY_POINTS - r->n) % HISTORY_POINTS;
	for (size_t i = 1; i < r->n; i++, k++)
		out[k] = per_second(&r->s[(first + i - 1) % HISTORY_POINTS],
		    &r->s[(first + i) % HISTORY_POINTS]);
	/* The rate shown: over the last few steps, steadier than one. */
	span = r->n - 1 < HISTORY_RATE_STEPS ? r->n - 1 : HISTORY_RATE_STEPS;
	*rate = per_second(&r->s[(r->next + HISTORY_POINTS - 1 - span) %
	    HISTORY_POINTS], &r->s[(r->next + HISTORY_POINTS - 1) %
	    HISTORY_POINTS]);
	return (k);
}

void
history_backend(const struct history *h, unsigned slot, double *rate,
    unsigned *peak)
{
	const struct backend_ring	*r = &h->be[slot];
	size_t				 old = r->next;

	/* From the oldest sample taken (the one at next, once full). */
	for (size_t i = 0; i < HISTORY_RATE_STEPS && r->s[old].ms == 0; i++)
		old = (old + 1) % (HISTORY_RATE_STEPS + 1);
	*rate = per_second(&r->s[old], &r->s[(r->next +
	    HISTORY_RATE_STEPS) % (HISTORY_RATE_STEPS + 1)]);
	*peak = r->peak;
}
