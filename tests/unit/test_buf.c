/*
 * Relay buffer over a socketpair.
 */
#include <sys/socket.h>

#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "buf.h"
#include "unit.h"

static struct buf	b;

static void
test_fill_and_drain(void)
{
	int	sv[2];
	char	out[64];

	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	buf_init(&b);
	CU_ASSERT_EQUAL(buf_len(&b), 0);
	CU_ASSERT_EQUAL(buf_space(&b), LBD_BUFSIZE);
	CU_ASSERT_EQUAL(write(sv[0], "hello world", 11), 11);
	CU_ASSERT_EQUAL(buf_read_from(&b, sv[1]), 11);
	CU_ASSERT_EQUAL(buf_len(&b), 11);
	CU_ASSERT_EQUAL(buf_write_to(&b, sv[1]), 11);
	CU_ASSERT_EQUAL(buf_len(&b), 0);
	CU_ASSERT_EQUAL(buf_space(&b), LBD_BUFSIZE);
	CU_ASSERT_EQUAL(read(sv[0], out, sizeof(out)), 11);
	CU_ASSERT_EQUAL(memcmp(out, "hello world", 11), 0);
	close(sv[0]);
	CU_ASSERT_EQUAL(buf_read_from(&b, sv[1]), 0);	/* EOF */
	close(sv[1]);
}

/* A partly drained full buffer moves its bytes forward to read more. */
static void
test_compacts_when_full(void)
{
	static char	big[LBD_BUFSIZE];
	int		sv[2];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	buf_init(&b);
	CU_ASSERT_EQUAL(write(sv[0], big, sizeof(big)), (ssize_t)sizeof(big));
	CU_ASSERT_EQUAL(buf_read_from(&b, sv[1]), (ssize_t)sizeof(big));
	CU_ASSERT_EQUAL(buf_space(&b), 0);
	/* Take 100 bytes out by hand, the way a short send would. */
	b.head += 100;
	CU_ASSERT_EQUAL(buf_space(&b), 100);
	CU_ASSERT_EQUAL(write(sv[0], "0123456789", 10), 10);
	CU_ASSERT_EQUAL(buf_read_from(&b, sv[1]), 10);
	CU_ASSERT_EQUAL(b.head, 0);
	CU_ASSERT_EQUAL(buf_len(&b), sizeof(big) - 100 + 10);
	CU_ASSERT_EQUAL(memcmp(b.data, big + 100, sizeof(big) - 100), 0);
	CU_ASSERT_EQUAL(memcmp(b.data + sizeof(big) - 100, "0123456789", 10),
	    0);
	close(sv[0]);
	close(sv[1]);
}

int
test_buf_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("buf", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "fill and drain", test_fill_and_drain) == NULL ||
	    CU_add_test(s, "compacts when full", test_compacts_when_full) ==
	    NULL)
		return (-1);
	return (0);
}
