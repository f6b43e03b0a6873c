/*
 * libFuzzer target: the PROXY protocol decoder.  Each input is decoded
 * whole and as every prefix the input's own split point picks: a prefix
 * gives NEED_MORE or ERROR (ERROR only when the whole fails too), a whole
 * header lies inside the input, and what it decoded encodes and decodes
 * back to the same addresses.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "proxyproto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_round_trip(const struct proxy_header *h)
{
	unsigned char		buf[PROXY_MAX];
	struct proxy_header	back;
	size_t			n;

	if (!h->has_addr)
		return;
	n = proxy_encode(h->version, &h->src, &h->dst, buf, sizeof(buf));
	fuzz_assert(n > 0 && proxy_decode(buf, n, &back) == PROXY_OK);
	fuzz_assert(back.len == n && back.has_addr &&
	    net_addr_equal(&back.src, &h->src) &&
	    net_addr_equal(&back.dst, &h->dst));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_header	h, part;
	enum proxy_result	rc, prc;
	size_t			cut;

	rc = proxy_decode(data, size, &h);
	fuzz_assert(rc == PROXY_OK || rc == PROXY_NEED_MORE ||
	    rc == PROXY_ERROR);
	fuzz_assert(rc != PROXY_NEED_MORE || size < PROXY_MAX);
	cut = fuzz_split(data, size);
	prc = proxy_decode(data, cut, &part);
	if (rc == PROXY_OK) {
		fuzz_assert(h.len > 0 && h.len <= size && h.len <= PROXY_MAX);
		/* The header alone decodes the same; less of it does not. */
		fuzz_assert(proxy_decode(data, h.len, &part) == PROXY_OK &&
		    part.len == h.len);
		fuzz_assert(cut >= h.len ? prc == PROXY_OK :
		    prc == PROXY_NEED_MORE);
		check_round_trip(&h);
	} else
		fuzz_assert(prc == PROXY_NEED_MORE || prc == rc);
	return (0);
}
