/*
 * log_quote(): a value goes into a key=value log line bare when it is a
 * plain token, else quoted with quotes, backslashes and control bytes
 * escaped, so that no value can fake a pair or end a line.
 */
#include <string.h>

#include <CUnit/CUnit.h>

#include "log.h"
#include "unit.h"

static void
test_quote_table(void)
{
	static const struct {
		const char	*value;
		const char	*want;
	} cases[] = {
		{ "web", "web" },
		{ "/etc/lbd.conf", "/etc/lbd.conf" },
		{ "127.0.0.1:8080", "127.0.0.1:8080" },
		{ "[::1]:8080", "[::1]:8080" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },	/* UTF-8 stays */
		{ "", "\"\"" },
		{ "connect refused", "\"connect refused\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "a\\b", "\"a\\\\b\"" },
		{ "k=v", "\"k=v\"" },
		{ "x backend=evil", "\"x backend=evil\"" },
		{ "one\ntwo", "\"one\\ntwo\"" },
		{ "cr\rtab\t", "\"cr\\rtab\\t\"" },
		{ "\x01\x1f\x7f", "\"\\x01\\x1f\\x7f\"" },
		{ "/tmp/my dir/lbd.conf", "\"/tmp/my dir/lbd.conf\"" },
	};
	char	buf[LOG_VALUELEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CU_ASSERT_STRING_EQUAL(log_quote(buf, sizeof(buf),
		    cases[i].value), cases[i].want);
}

/* Cut short, a quoted value stays quoted and no escape is split. */
static void
test_quote_cut(void)
{
	char	buf[8];

	CU_ASSERT_STRING_EQUAL(log_quote(buf, sizeof(buf), "a b c d e"),
	    "\"a b c\"");
	CU_ASSERT_STRING_EQUAL(log_quote(buf, sizeof(buf), "\"\"\"\""),
	    "\"\\\"\\\"\"");
	CU_ASSERT_STRING_EQUAL(log_quote(buf, sizeof(buf), "\x01\x02"),
	    "\"\\x01\"");
	CU_ASSERT_STRING_EQUAL(log_quote(buf, sizeof(buf), "abcdefghij"),
	    "abcdefg");
}

int
test_log_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("log", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "quote table", test_quote_table) == NULL ||
	    CU_add_test(s, "quote cut short", test_quote_cut) == NULL)
		return (-1);
	return (0);
}
