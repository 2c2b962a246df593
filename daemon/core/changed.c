#include "core/changed.h"

#include <stdio.h>
#include <string.h>

void changed_add(struct changed *ch, const char *corridor)
{
	if (!corridor || !*corridor || ch->n == CHANGED_MAX || strlen(corridor) >= sizeof(ch->id[0])) {
		ch->all = true;
		return;
	}
	if (!changed_has(ch, corridor))
		snprintf(ch->id[ch->n++], sizeof(ch->id[0]), "%s", corridor);
}

bool changed_has(const struct changed *ch, const char *corridor)
{
	if (ch->all)
		return true;
	for (size_t i = 0; i < ch->n; i++)
		if (strcmp(ch->id[i], corridor) == 0)
			return true;
	return false;
}

bool changed_any(const struct changed *ch)
{
	return ch->all || ch->n > 0 || ch->heads;
}

void changed_merge(struct changed *into, const struct changed *from)
{
	if (from->all)
		into->all = true;
	into->heads |= from->heads;
	for (size_t i = 0; i < from->n && !into->all; i++)
		changed_add(into, from->id[i]);
}
