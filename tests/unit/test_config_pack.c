/*
 * config_pack/config_unpack: a config goes through a buffer and comes
 * back equal, and a damaged buffer is refused rather than trusted.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "config.h"
#include "config_pack.h"
#include "unit.h"

#define GOOD	"tests/configs/good/full.conf"

/* Are a and b equal, field by field, their pointers aside? */
static bool
same_config(const struct config *a, const struct config *b)
{
	struct config	ca = *a, cb = *b;

	ca.services = cb.services = NULL;
	if (memcmp(&ca, &cb, sizeof(ca)) != 0)
		return (false);
	for (size_t i = 0; i < a->nservices; i++) {
		struct service_config	sa = a->services[i];
		struct service_config	sb = b->services[i];

		sa.backends = sb.backends = NULL;
		if (memcmp(&sa, &sb, sizeof(sa)) != 0 ||
		    memcmp(a->services[i].backends, b->services[i].backends,
		    a->services[i].nbackends *
		    sizeof(*a->services[i].backends)) != 0)
			return (false);
	}
	return (true);
}

static void
test_round_trip(void)
{
	char		 err[LBD_ERRLEN];
	struct config	*conf, *back;
	void		*buf;
	size_t		 len;

	conf = config_load(GOOD, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	CU_ASSERT_TRUE_FATAL(conf->nservices > 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf = config_pack(conf, &len));
	CU_ASSERT_TRUE(len <= config_pack_max());
	back = config_unpack(buf, len, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT_TRUE(same_config(conf, back));
	CU_ASSERT_PTR_NOT_EQUAL(back->services, conf->services);
	CU_ASSERT_STRING_EQUAL(back->services[0].backends[0].name,
	    conf->services[0].backends[0].name);
	config_free(back);
	free(buf);
	config_free(conf);
}

/* A service with no backends and a config with no services pass too. */
static void
test_empty_parts(void)
{
	struct service_config	 svc[2];
	struct config		 conf, *back;
	char			 err[256];
	void			*buf;
	size_t			 len;

	memset(&conf, 0, sizeof(conf));
	memset(svc, 0, sizeof(svc));
	strcpy(svc[0].name, "a");
	strcpy(svc[1].name, "b");
	conf.workers = 3;
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf = config_pack(&conf, &len));
	CU_ASSERT_PTR_NOT_NULL_FATAL(back = config_unpack(buf, len, err,
	    sizeof(err)));
	CU_ASSERT_EQUAL(back->workers, 3);
	CU_ASSERT_EQUAL(back->nservices, 0);
	config_free(back);
	free(buf);
	conf.services = svc;
	conf.nservices = 2;
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf = config_pack(&conf, &len));
	CU_ASSERT_PTR_NOT_NULL_FATAL(back = config_unpack(buf, len, err,
	    sizeof(err)));
	CU_ASSERT_STRING_EQUAL(back->services[1].name, "b");
	CU_ASSERT_PTR_NULL(back->services[1].backends);
	config_free(back);
	free(buf);
}

/*
 * Unpack a copy of buf with cut bytes from at set to byte, or, when at
 * is len or past it, with its last cut bytes cut off; true when it was
 * refused with a reason.
 */
static bool
refused(const char *buf, size_t len, size_t at, size_t cut, char byte)
{
	char		 err[256] = "";
	char		*copy = malloc(len);
	struct config	*c;

	memcpy(copy, buf, len);
	if (at < len)
		memset(copy + at, byte, cut);
	else
		len -= cut;
	c = config_unpack(copy, len, err, sizeof(err));
	free(copy);
	config_free(c);
	return (c == NULL && err[0] != '\0');
}

static void
test_damage_refused(void)
{
	char		 err[LBD_ERRLEN];
	struct config	*conf;
	char		*buf;
	size_t		 len, svc, name;

	conf = config_load(GOOD, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf = config_pack(conf, &len));
	/* Where the first service and its name start in the buffer. */
	svc = len - conf->nservices * sizeof(struct service_config);
	for (size_t i = 0; i < conf->nservices; i++)
		svc -= conf->services[i].nbackends *
		    sizeof(struct backend_config);
	name = svc + offsetof(struct service_config, name);
	CU_ASSERT_TRUE(refused(buf, len, len, 1, 0));	/* cut short */
	CU_ASSERT_TRUE(refused(buf, len, 0, 4, 'x'));	/* bad magic */
	CU_ASSERT_TRUE(refused(buf, len, 8, 8, 0x7f));	/* nservices */
	CU_ASSERT_TRUE(refused(buf, len, name, LBD_NAMELEN, 'n'));
	CU_ASSERT_TRUE(refused(buf, len, svc + offsetof(struct service_config,
	    nbackends), sizeof(size_t), 0x11));
	CU_ASSERT_FALSE(refused(buf, len, len + 1, 0, 0));	/* intact */
	free(buf);
	config_free(conf);
}

int
test_config_pack_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("config_pack", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "a loaded config round-trips",
	    test_round_trip) == NULL ||
	    CU_add_test(s, "no services, a service without backends",
	    test_empty_parts) == NULL ||
	    CU_add_test(s, "a damaged buffer is refused",
	    test_damage_refused) == NULL)
		return (-1);
	return (0);
}
