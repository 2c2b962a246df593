#include "core/org.h"

#include <string.h>

const char *const scope_names[] = { "submit", "review", "read", NULL };

int scope_parse(const char *s)
{
	for (int i = 0; s && scope_names[i]; i++)
		if (strcmp(s, scope_names[i]) == 0)
			return i;
	return -1;
}
