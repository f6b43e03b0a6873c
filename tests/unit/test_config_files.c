/*
 * The checks config_load() makes on the files before libconfig reads
 * them: the size of a configuration, included files and all, and the
 * number of its settings.  (Integers cut to 32 bits, in the main file and
 * in included ones, are cases under tests/configs/bad.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "config.h"
#include "lbd_limits.h"
#include "unit.h"

#define MINIMAL								\
	"services = ( { name = \"web\"; listen = \"127.0.0.1:18080\";\n" \
	"backends = ( { address = \"127.0.0.1:19001\"; } ); } );\n"

/* A directory of its own for each test's files. */
static char	dir[64];

static int
make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/lbd-test-files.XXXXXX");
	return (mkdtemp(dir) == NULL ? -1 : 0);
}

static int
remove_dir(void)
{
	return (rmdir(dir));
}

/*
 * Write head, then '#' comment lines of 'x' up to size bytes in all, to
 * dir/name; path gets the file's name.  0 or -1.
 */
static int
write_padded(const char *name, const char *head, size_t size, char *path,
    size_t pathlen)
{
	FILE	*f;
	size_t	 n = strlen(head);
	int	 rc = 0;

	snprintf(path, pathlen, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return (-1);
	fputs(head, f);
	while (n < size) {
		/* Lines of at most 80 bytes: "#xxx...\n". */
		size_t	line = size - n < 80 ? size - n : 80;

		fputc(line == 1 ? '\n' : '#', f);
		for (size_t i = 1; i + 1 < line; i++)
			fputc('x', f);
		if (line > 1)
			fputc('\n', f);
		n += line;
	}
	if (ferror(f))
		rc = -1;
	if (fclose(f) == EOF)
		rc = -1;
	return (rc);
}

static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

/* One string past the limit is refused before libconfig reads it. */
static void
test_too_large(void)
{
	char		 path[128], want[512], err[LBD_ERRLEN];
	struct config	*conf;
	struct timespec	 t0;
	FILE		*f;

	CU_ASSERT_FATAL(make_dir() == 0);
	snprintf(path, sizeof(path), "%s/huge.conf", dir);
	CU_ASSERT_FATAL((f = fopen(path, "w")) != NULL);
	/* x = "aaa...";\n, LBD_CONFIG_MAXSIZE + 1 bytes in all. */
	fputs("x = \"", f);
	for (size_t i = 0; i < LBD_CONFIG_MAXSIZE + 1 - 8; i++)
		fputc('a', f);
	fputs("\";\n", f);
	CU_ASSERT_FATAL(fclose(f) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	conf = config_load(path, err, sizeof(err));
	/* The scan of a megabyte takes milliseconds, libconfig's parse not. */
	CU_ASSERT(elapsed_ms(&t0) < 2000);
	CU_ASSERT_PTR_NULL(conf);
	config_free(conf);
	snprintf(want, sizeof(want), "%s: too large: at most %d bytes in the "
	    "file and the files it includes together\n", path,
	    LBD_CONFIG_MAXSIZE);
	CU_ASSERT_STRING_EQUAL(err, want);
	unlink(path);
	CU_ASSERT(remove_dir() == 0);
}

/* A file of exactly LBD_CONFIG_MAXSIZE bytes loads. */
static void
test_at_limit(void)
{
	char		 path[128], err[LBD_ERRLEN];
	struct config	*conf;

	CU_ASSERT_FATAL(make_dir() == 0);
	CU_ASSERT_FATAL(write_padded("full.conf", MINIMAL, LBD_CONFIG_MAXSIZE,
	    path, sizeof(path)) == 0);
	conf = config_load(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(conf);
	CU_ASSERT_STRING_EQUAL(err, "");
	config_free(conf);
	unlink(path);
	CU_ASSERT(remove_dir() == 0);
}

/*
 * The limit holds for the files together: two included halves that each
 * fit are refused at the one that goes past it, by the name libconfig
 * gives it.
 */
static void
test_included_too_large(void)
{
	char		 top[128], half[128], head[1024], want[512];
	char		 err[LBD_ERRLEN];
	struct config	*conf;

	CU_ASSERT_FATAL(make_dir() == 0);
	CU_ASSERT_FATAL(write_padded("half.conf", "", LBD_CONFIG_MAXSIZE / 2 +
	    1, half, sizeof(half)) == 0);
	snprintf(head, sizeof(head), "@include \"%s\"\n@include \"%s\"\n"
	    MINIMAL, half, half);
	CU_ASSERT_FATAL(write_padded("main.conf", head, 0, top,
	    sizeof(top)) == 0);
	conf = config_load(top, err, sizeof(err));
	CU_ASSERT_PTR_NULL(conf);
	config_free(conf);
	snprintf(want, sizeof(want), "%s: too large: at most %d bytes in the "
	    "file and the files it includes together\n", half,
	    LBD_CONFIG_MAXSIZE);
	CU_ASSERT_STRING_EQUAL(err, want);
	unlink(top);
	unlink(half);
	CU_ASSERT(remove_dir() == 0);
}

/* One setting past LBD_CONFIG_MAXSETTINGS is refused at its line. */
static void
test_too_many_settings(void)
{
	char		 path[128], want[512], err[LBD_ERRLEN];
	struct config	*conf;
	FILE		*f;

	CU_ASSERT_FATAL(make_dir() == 0);
	snprintf(path, sizeof(path), "%s/keys.conf", dir);
	CU_ASSERT_FATAL((f = fopen(path, "w")) != NULL);
	for (int i = 0; i <= LBD_CONFIG_MAXSETTINGS; i++)
		fprintf(f, "k%d = 1;\n", i);
	CU_ASSERT_FATAL(fclose(f) == 0);
	conf = config_load(path, err, sizeof(err));
	CU_ASSERT_PTR_NULL(conf);
	config_free(conf);
	snprintf(want, sizeof(want), "%s:%d: too many settings: at most %d in "
	    "the file and the files it includes together\n", path,
	    LBD_CONFIG_MAXSETTINGS + 1, LBD_CONFIG_MAXSETTINGS);
	CU_ASSERT_STRING_EQUAL(err, want);
	unlink(path);
	CU_ASSERT(remove_dir() == 0);
}

int
test_config_files_register(void)
{
	CU_pSuite	s;

	if ((s = CU_add_suite("config files", NULL, NULL)) == NULL)
		return (-1);
	if (CU_add_test(s, "too large", test_too_large) == NULL ||
	    CU_add_test(s, "at the size limit", test_at_limit) == NULL ||
	    CU_add_test(s, "included files count", test_included_too_large) ==
	    NULL ||
	    CU_add_test(s, "too many settings", test_too_many_settings) ==
	    NULL)
		return (-1);
	return (0);
}
