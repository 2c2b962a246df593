/*
 * xmltree: the few walks of a libxml2 tree that the OpenRosa channel and
 * the XForms both make.
 */
#ifndef SW_XMLTREE_H
#define SW_XMLTREE_H

#include <libxml/tree.h>
#include <stdbool.h>

/* n is an element called name (local name, any namespace). */
bool xml_named(const xmlNode *n, const char *name);
/* parent's first child element called name, or NULL (as strchr, not const: the caller's tree). */
xmlNode *xml_child(const xmlNode *parent, const char *name);
bool xml_has_element_children(const xmlNode *n);

#endif
