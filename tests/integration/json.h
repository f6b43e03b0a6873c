/*
 * A strict JSON (RFC 8259) parser for the tests of GET /status.json: one
 * value, surrounded only by whitespace; no trailing commas, no leading
 * zeros, no raw control characters or invalid UTF-8 in strings, only the
 * standard escapes (a lone surrogate is an error), and no member name
 * twice in one object.  The result is a tree to look values up in.
 */
#ifndef LBD_JSON_H
#define LBD_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum json_type {
	JSON_NULL = 0,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT
};

struct json {
	enum json_type	 type;
	char		*key;		/* member name in an object, or NULL */
	char		*str;		/* JSON_STRING: decoded, NUL-ended */
	double		 num;		/* JSON_NUMBER */
	struct json	*child;		/* first element or member */
	struct json	*next;		/* next sibling */
};

/*
 * Parse the len bytes of text; the tree (json_free), or NULL with
 * "offset N: what" in err.
 */
struct json	*json_parse(const char *text, size_t len, char *err,
		    size_t errlen);

/* Free a tree; NULL is allowed. */
void		 json_free(struct json *j);

/* The member key of object j, or NULL (j NULL, not an object, absent). */
const struct json *json_get(const struct json *j, const char *key);

/*
 * The element of array j that is an object whose member key is the
 * string value, or NULL.
 */
const struct json *json_find(const struct json *j, const char *key,
		    const char *value);

/* Number of elements or members of j; 0 for any other value. */
size_t		 json_len(const struct json *j);

#endif /* LBD_JSON_H */
