#include "core/review.h"

#include <string.h>

#include "util/valid.h"

const char *const review_state_names[] = { "received", "published", "has_issues", "rejected", NULL };

int review_state_parse(const char *s)
{
	for (int i = 0; s && review_state_names[i]; i++)
		if (strcmp(s, review_state_names[i]) == 0)
			return i;
	return -1;
}

static void error(json_t *errs, const char *field, const char *reason)
{
	json_array_append_new(errs, json_pack("{s:s, s:s}", "field", field, "reason", reason));
}

int review_parse(const json_t *root, int *state, const char **comment, json_t *errs)
{
	const json_t *st = json_object_get(root, "state"), *cm = json_object_get(root, "comment");
	const char *key, *why;
	json_t *val;

	*state = -1;
	*comment = NULL;
	json_object_foreach((json_t *)root, key, val)
		if (strcmp(key, "state") != 0 && strcmp(key, "comment") != 0)
			error(errs, key, "is not a field of a review");
	if (!st)
		error(errs, "state", "is required");
	else if (!json_is_string(st) || (*state = review_state_parse(json_string_value(st))) < 0)
		error(errs, "state", "must be one of received, published, has_issues, rejected");
	if (cm && !json_is_null(cm)) {
		if (!json_is_string(cm))
			error(errs, "comment", "must be a string");
		else if ((why = valid_text(json_string_value(cm), REVIEW_COMMENT_MAX)))
			error(errs, "comment", why);
		else
			*comment = json_string_value(cm);
	}
	return json_array_size(errs) ? -1 : 0;
}
