/*
 * Monotonic time and configuration durations.
 */
#ifndef LBD_CLOCK_H
#define LBD_CLOCK_H

#include <stdint.h>

/* Milliseconds from CLOCK_MONOTONIC; never goes back, unaffected by date. */
uint64_t	clock_ms(void);

/* Microseconds from CLOCK_MONOTONIC, for response times. */
uint64_t	clock_us(void);

/*
 * Parse a duration: digits followed by "ms", "s", "m" or "h", or bare
 * digits meaning milliseconds.  Stores milliseconds in *ms and returns 0,
 * or returns -1 on a malformed or overflowing value.
 */
int		clock_parse_duration(const char *text, uint64_t *ms);

#endif /* LBD_CLOCK_H */
