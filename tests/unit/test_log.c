/*
 * log_quote(): a value goes into a key=value log line bare when it is a
 * plain token, else quoted with quotes, backslashes and control bytes
 * escaped, so that no value can fake a pair or end a line.
 * log_json(): the same message as one JSON object, whatever it holds.
 */
#include <stdio.h>
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

#define T	"2026-12-01T04:05:06.789Z"
#define HEAD	"{\"time\":\"" T "\",\"level\":\"info\","

static void
test_json_table(void)
{
	static const struct {
		const char	*text;
		const char	*error;
		const char	*want;
	} cases[] = {
		{ "ready pid=12 workers=2 generation=1", NULL,
		    HEAD "\"msg\":\"ready\",\"pid\":12,\"workers\":2,"
		    "\"generation\":1}" },
		{ "backend down service=web backend=a reason=\"connect "
		    "refused\" checks=3", NULL,
		    HEAD "\"msg\":\"backend down\",\"service\":\"web\","
		    "\"backend\":\"a\",\"reason\":\"connect refused\","
		    "\"checks\":3}" },
		/* Names stay strings; other non-integers are strings. */
		{ "access service=80 backend=1 client=127.0.0.1:5 "
		    "duration_ms=0 n=-7 big=1234567890123456 lead=007 x=1.5",
		    NULL, HEAD "\"msg\":\"access\",\"service\":\"80\","
		    "\"backend\":\"1\",\"client\":\"127.0.0.1:5\","
		    "\"duration_ms\":0,\"n\":-7,\"big\":\"1234567890123456\","
		    "\"lead\":\"007\",\"x\":\"1.5\"}" },
		/* Quoted values are unescaped, then escaped for JSON. */
		{ "x path=\"/a b\\\"c\\\\d\\ne\\x01\\x7f\"", NULL,
		    HEAD "\"msg\":\"x\",\"path\":\"/a b\\\"c\\\\d\\n"
		    "e\\u0001\\u007f\"}" },
		{ "empty v=\"\" w=", NULL,
		    HEAD "\"msg\":\"empty\",\"v\":\"\",\"w\":\"\"}" },
		/* Words after pairs join msg, as do taken keys. */
		{ "a k=1 b level=x msg=y k=2 time=z error=e", NULL,
		    HEAD "\"msg\":\"a b level=x msg=y k=2 time=z error=e\","
		    "\"k\":1}" },
		{ "cannot reopen log file=/x", "Permission denied",
		    HEAD "\"msg\":\"cannot reopen log\",\"file\":\"/x\","
		    "\"error\":\"Permission denied\"}" },
		/* Not pairs: an unended quote, a quote in a bare value. */
		{ "k=\"open a=b\"c d=e\"f", NULL,
		    HEAD "\"msg\":\"k=\\\"open a=b\\\"c d=e\\\"f\"}" },
		{ "", NULL, HEAD "\"msg\":\"\"}" },
		{ "  two  spaces  ", NULL, HEAD "\"msg\":\"two spaces\"}" },
		/* Control bytes and bytes that are not UTF-8. */
		{ "tab\there caf\xc3\xa9 \xff\xc3 \xed\xa0\x80", NULL,
		    HEAD "\"msg\":\"tab\\there caf\xc3\xa9 \\ufffd\\ufffd "
		    "\\ufffd\\ufffd\\ufffd\"}" },
	};
	char	buf[LOG_LINEMAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CU_ASSERT_STRING_EQUAL(log_json(buf, sizeof(buf), T, "info",
		    cases[i].text, cases[i].error), cases[i].want);
}

/* Short of room, msg is cut at a character and pairs are left out. */
static void
test_json_cut(void)
{
	const char	*text = "hello w\xc3\xa9rld a=1 b=2";
	char		 buf[128], want[128];
	size_t		 base;

	snprintf(want, sizeof(want), "%s", HEAD);
	base = strlen(want);
	/* Room for HEAD, "msg":"hello w + quote, brace and NUL. */
	CU_ASSERT_STRING_EQUAL(log_json(buf, base + 17, T, "info", text,
	    NULL), HEAD "\"msg\":\"hello w\"}");
	/* One byte more: still no half of the two-byte e. */
	CU_ASSERT_STRING_EQUAL(log_json(buf, base + 18, T, "info", text,
	    NULL), HEAD "\"msg\":\"hello w\"}");
	CU_ASSERT_STRING_EQUAL(log_json(buf, base + 29, T, "info", text,
	    NULL), HEAD "\"msg\":\"hello w\xc3\xa9rld\",\"a\":1}");
	CU_ASSERT_STRING_EQUAL(log_json(buf, 3, T, "info", text, NULL), "{}");
}

int
test_log_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("log", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "quote table", test_quote_table) == NULL ||
	    CU_add_test(s, "quote cut short", test_quote_cut) == NULL ||
	    CU_add_test(s, "json table", test_json_table) == NULL ||
	    CU_add_test(s, "json cut short", test_json_cut) == NULL)
		return (-1);
	return (0);
}
