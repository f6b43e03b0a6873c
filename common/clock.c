/*
 * Monotonic milliseconds and duration parsing.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"

uint64_t
clock_ms(void)
{
	struct timespec	ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

uint64_t
clock_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

/* Multiplier for a unit suffix, or 0 when the suffix is not one. */
static uint64_t
unit_factor(const char *unit)
{
	if (*unit == '\0' || (unit[0] == 'm' && unit[1] == 's' &&
	    unit[2] == '\0'))
		return (1);
	if (unit[1] != '\0')
		return (0);
	switch (unit[0]) {
	case 's':
		return (1000);
	case 'm':
		return (60 * 1000);
	case 'h':
		return (60 * 60 * 1000);
	default:
		return (0);
	}
}

int
clock_parse_duration(const char *text, uint64_t *ms)
{
	char			*end;
	unsigned long long	 n;
	uint64_t		 f;

	if (!isdigit((unsigned char)text[0]))
		return (-1);
	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno != 0 || (f = unit_factor(end)) == 0)
		return (-1);
	/* Anything past a day-sized bound is a typo, and would overflow. */
	if (n > UINT64_MAX / f / 1000)
		return (-1);
	*ms = n * f;
	return (0);
}
