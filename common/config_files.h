/*
 * The files of a configuration, checked before libconfig reads them
 * (config_files.c), the first part of config_load().  Private to
 * common/config*.c.
 */
#ifndef LBD_CONFIG_FILES_H
#define LBD_CONFIG_FILES_H

struct parser;

/*
 * Report each integer in p->path without an L suffix that does not fit in
 * 32 bits, when the libconfig at hand would silently cut it to 32.
 */
void	config_files_check(struct parser *p);

#endif /* LBD_CONFIG_FILES_H */
