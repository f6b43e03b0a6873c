/*
 * What the test origin server (origin.c) and the tests that read it agree
 * on: the bytes of its generated bodies and the checksum it reports.
 *
 * Byte i (from 0) of /size/N, /chunked/N and /close/N is (i * 7 + 3) mod
 * 251; in Python, bytes((i * 7 + 3) % 251 for i in range(n)).  The CRC is
 * CRC-32 as zlib's crc32() and Python's zlib.crc32() compute it, printed
 * as 8 lower-case hex digits.
 */
#ifndef LBD_ORIGIN_H
#define LBD_ORIGIN_H

#include <stddef.h>
#include <stdint.h>

#define ORIGIN_PATTERN_MOD	251	/* prime: no power-of-two period */

/* Byte i of every generated body. */
static inline uint8_t
origin_pattern_byte(uint64_t i)
{
	return ((uint8_t)((i % ORIGIN_PATTERN_MOD * 7 + 3) %
	    ORIGIN_PATTERN_MOD));
}

/* Fill buf with the len pattern bytes that start at body offset off. */
static inline void
origin_pattern_fill(uint8_t *buf, size_t len, uint64_t off)
{
	unsigned	b = origin_pattern_byte(off);

	for (size_t i = 0; i < len; i++) {
		buf[i] = (uint8_t)b;
		b += 7;
		if (b >= ORIGIN_PATTERN_MOD)
			b -= ORIGIN_PATTERN_MOD;
	}
}

/*
 * CRC-32 of buf continued from crc: start from 0 and feed the pieces in
 * order, as with zlib's crc32().
 */
static inline uint32_t
origin_crc32(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t	 table[256];
	const uint8_t	*p = buf;
	uint32_t	 t;

	if (table[1] == 0) {
		for (uint32_t i = 0; i < 256; i++) {
			t = i;
			for (int k = 0; k < 8; k++)
				t = t & 1 ? 0xedb88320U ^ (t >> 1) : t >> 1;
			table[i] = t;
		}
	}
	crc = ~crc;
	while (len-- > 0)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return (~crc);
}

#endif /* LBD_ORIGIN_H */
