/*
 * The reload diff: which sockets stay, which backends keep their slot.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "config.h"
#include "lbd.h"
#include "reload.h"
#include "unit.h"

static struct service_config	svcs[2][2];
static struct backend_config	bes[2][2][3];

/* Service i of config c: name, listen ports, backend names. */
static void
make(struct config *c, int ci, size_t nsvc, const char *const *names,
    const int *ports, const char *const (*backends)[3])
{
	char	err[128];

	memset(c, 0, sizeof(*c));
	c->services = svcs[ci];
	c->nservices = nsvc;
	for (size_t i = 0; i < nsvc; i++) {
		struct service_config	*sc = &svcs[ci][i];
		char			 addr[32];

		memset(sc, 0, sizeof(*sc));
		snprintf(sc->name, sizeof(sc->name), "%s", names[i]);
		snprintf(addr, sizeof(addr), "127.0.0.1:%d", ports[i]);
		CU_ASSERT_EQUAL(net_addr_parse(addr, &sc->listen[0], err,
		    sizeof(err)), 0);
		sc->nlisten = 1;
		sc->backends = bes[ci][i];
		for (size_t j = 0; j < 3 && backends[i][j] != NULL; j++)
			snprintf(bes[ci][i][sc->nbackends++].name, LBD_NAMELEN,
			    "%s", backends[i][j]);
	}
}

static void
test_listeners(void)
{
	struct config		old, new;
	struct listener		ls[2];
	const char *const	names[] = { "web", "db" };
	const char *const	nb[2][3] = { { "a", NULL }, { "x", NULL } };
	const int		oldp[] = { 8080, 5432 }, newp[] = { 9090, 8080 };
	int			keep[4];
	bool			close_old[2];

	make(&old, 0, 2, names, oldp, nb);
	make(&new, 1, 2, names, newp, nb);
	for (int i = 0; i < 2; i++) {
		ls[i].fd = 10 + i;
		ls[i].addr = old.services[i].listen[0];
	}
	CU_ASSERT_EQUAL(reload_match_listeners(ls, 2, &new, keep, close_old),
	    2);
	CU_ASSERT_EQUAL(keep[0], -1);		/* 9090 is new: bind it */
	CU_ASSERT_EQUAL(keep[1], 0);		/* 8080 stays, same socket */
	CU_ASSERT_FALSE(close_old[0]);
	CU_ASSERT_TRUE(close_old[1]);		/* 5432 goes */
}

static void
test_backends(void)
{
	struct config		old, new;
	struct service		os[2];
	const char *const	oldn[] = { "web", "db" };
	const char *const	newn[] = { "db", "api" };
	const char *const	ob[2][3] = { { "a", "b", "c" }, { "x", NULL } };
	const char *const	nb[2][3] = { { "y", "x", NULL },
				    { "a", NULL } };
	const int		ports[] = { 1, 2 };
	int			slot[6], svc_slot[2];

	make(&old, 0, 2, oldn, ports, ob);
	make(&new, 1, 2, newn, ports, nb);
	os[0].slot = 7;
	os[1].slot = 3;
	for (int j = 0; j < 3; j++) {
		os[0].be_slot[j] = 100 + j;
		os[1].be_slot[j] = 200 + j;
	}
	CU_ASSERT_EQUAL(reload_match_backends(&old, os, &new, slot, svc_slot),
	    3);
	CU_ASSERT_EQUAL(svc_slot[0], 3);	/* db kept its slot */
	CU_ASSERT_EQUAL(svc_slot[1], -1);	/* api is new */
	CU_ASSERT_EQUAL(slot[0], -1);		/* db/y is new */
	CU_ASSERT_EQUAL(slot[1], 200);		/* db/x stays */
	CU_ASSERT_EQUAL(slot[2], -1);		/* api/a: another service */
}

int
test_reload_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("reload", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "listeners kept, bound, closed", test_listeners) ==
	    NULL || CU_add_test(s, "backends keep slots by name",
	    test_backends) == NULL)
		return (-1);
	return (0);
}
