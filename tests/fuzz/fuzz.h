/*
 * What the HTTP/1.1 fuzz targets share: a crash on any broken invariant,
 * so libFuzzer records the input, and the comparison of two parses of the
 * same bytes fed in different pieces.
 */
#ifndef LBD_FUZZ_H
#define LBD_FUZZ_H

#include <stdlib.h>
#include <string.h>

#include "http1.h"

#define FUZZ_MAX_HEADERS	32
#define FUZZ_MAX_SIZE		1024	/* small, so 414 and 431 are reached */

/* Abort (and let libFuzzer keep the input) when cond is false. */
static inline void
fuzz_assert(int cond)
{
	if (!cond)
		abort();
}

/* A piece length taken from the input itself, 0..size. */
static inline size_t
fuzz_split(const unsigned char *data, size_t size)
{
	if (size == 0)
		return (0);
	return (((size_t)data[0] << 8 | data[size - 1]) % (size + 1));
}

static inline int
fuzz_span_same(struct http1_span a, struct http1_span b)
{
	return (a.off == b.off && a.len == b.len);
}

static inline void
fuzz_span_inside(struct http1_span sp, size_t len)
{
	fuzz_assert((size_t)sp.off + sp.len <= len);
}

/*
 * Two parses of the same bytes must agree; a complete head's spans must
 * lie inside it.
 */
static inline void
fuzz_head_same(const struct http1_head *a, const struct http1_head *b,
    enum http1_result rc, size_t size)
{
	const struct http1_header	*f, *g;

	if (rc == HTTP1_ERROR) {
		fuzz_assert(a->status == b->status && a->reason != NULL &&
		    a->reason == b->reason);
		return;
	}
	if (rc != HTTP1_OK)
		return;
	fuzz_assert(a->len <= size && a->len == b->len &&
	    a->nheaders == b->nheaders && a->version == b->version &&
	    a->framing == b->framing &&
	    a->content_length == b->content_length &&
	    a->keep_alive == b->keep_alive);
	for (size_t i = 0; i < a->nheaders; i++) {
		f = &a->headers[i];
		g = &b->headers[i];
		fuzz_assert(fuzz_span_same(f->name, g->name) &&
		    fuzz_span_same(f->value, g->value) &&
		    fuzz_span_same(f->line, g->line) && f->kind == g->kind &&
		    f->hop == g->hop);
		fuzz_span_inside(f->line, a->len);
		fuzz_assert(f->name.off >= f->line.off &&
		    f->value.off + f->value.len <= f->line.off + f->line.len);
	}
}

#endif /* LBD_FUZZ_H */
