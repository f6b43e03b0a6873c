/*
 * libFuzzer target: the chunked-body validator.  Each input is fed whole
 * and again in pieces of a length taken from the input; both must end the
 * same way after the same number of body bytes.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"
#include "http1.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static enum http1_result
feed(const char *buf, size_t size, size_t step, size_t *used)
{
	struct http1_chunked	c;
	enum http1_result	rc = HTTP1_NEED_MORE;
	size_t			off = 0, n, u;

	http1_chunked_init(&c);
	while (rc == HTTP1_NEED_MORE && off < size) {
		n = size - off < step ? size - off : step;
		rc = http1_chunked_feed(&c, buf + off, n, &u);
		fuzz_assert(u <= n && (rc != HTTP1_NEED_MORE || u == n));
		off += u;
	}
	fuzz_assert(rc != HTTP1_ERROR || c.reason != NULL);
	fuzz_assert(rc != HTTP1_OK || c.data < off);	/* data is framed */
	*used = off;
	return (rc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*buf = (const char *)data;
	enum http1_result	 rc;
	size_t			 whole, part;

	rc = feed(buf, size, size, &whole);
	fuzz_assert(feed(buf, size, 1 + fuzz_split(data, size) % 7, &part) ==
	    rc);
	fuzz_assert(rc != HTTP1_OK || part == whole);
	return (0);
}
