/*
 * clock_parse_duration() for every unit and the malformed forms a config
 * file may hold; clock_ms() never going back.
 */
#include <stdint.h>
#include <time.h>

#include <CUnit/CUnit.h>

#include "clock.h"
#include "unit.h"

static void
test_units(void)
{
	static const struct {
		const char	*text;
		uint64_t	 ms;
	} cases[] = {
		{ "0", 0 }, { "250", 250 }, { "250ms", 250 }, { "0ms", 0 },
		{ "2s", 2000 }, { "90s", 90000 }, { "1m", 60000 },
		{ "15m", 900000 }, { "1h", 3600000 }, { "24h", 86400000 },
		{ "007s", 7000 }, { "1000000h", 3600000000000ULL }
	};
	uint64_t	ms;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ms = 12345;
		CU_ASSERT_EQUAL(clock_parse_duration(cases[i].text, &ms), 0);
		CU_ASSERT_EQUAL(ms, cases[i].ms);
	}
}

static void
test_bad_durations(void)
{
	static const char *const bad[] = {
		"", "s", "ms", "h", "1x", "1 s", " 1s", "1s ", "-1", "+1",
		"-1s", "1.5s", "1,5s", "1sec", "1ms5", "1S", "1H", "1msx",
		"s1", "0x10", "99999999999999999999",
		"99999999999999999999ms",
		"18446744073709551615h", "6000000000000000h"
	};
	uint64_t	ms;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(clock_parse_duration(bad[i], &ms), -1);
}

static void
test_monotonic(void)
{
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	uint64_t	 a, b, prev;

	prev = clock_ms();
	for (int i = 0; i < 1000; i++) {
		b = clock_ms();
		CU_ASSERT(b >= prev);
		prev = b;
	}
	a = clock_ms();
	nanosleep(&ts, NULL);
	b = clock_ms();
	/* 20ms slept; whole-ms truncation at both ends loses under 1ms. */
	CU_ASSERT(b - a >= 19);
	CU_ASSERT(b - a < 5000);
	CU_ASSERT(a > 0);
}

int
test_clock_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("clock", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "duration units", test_units) == NULL ||
	    CU_add_test(s, "bad durations", test_bad_durations) == NULL ||
	    CU_add_test(s, "clock_ms monotonic", test_monotonic) == NULL)
		return (-1);
	return (0);
}
