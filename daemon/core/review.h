/*
 * review: the states a reviewer gives a report version, and the body of a
 * review (design.md, stage two, "Review, corroboration and alerts").
 * Pure: no I/O.
 */
#ifndef SW_REVIEW_H
#define SW_REVIEW_H

#include <jansson.h>

/* received: nobody has reviewed the version (or a reviewer set it back). */
enum review_state { REVIEW_RECEIVED, REVIEW_PUBLISHED, REVIEW_HAS_ISSUES, REVIEW_REJECTED };
extern const char *const review_state_names[];	/* NULL-terminated */
/* The state called s, or -1. */
int review_state_parse(const char *s);

#define REVIEW_COMMENT_MAX 2000

/*
 * A review's body, {"state": ..., "comment": ...} (comment optional) and
 * nothing else: fills *state and *comment (NULL when absent; it points
 * into root) and returns 0, or appends {"field", "reason"} to errs and
 * returns -1.
 */
int review_parse(const json_t *root, int *state, const char **comment, json_t *errs);

#endif
