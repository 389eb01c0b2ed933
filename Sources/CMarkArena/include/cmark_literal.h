#ifndef DESKBOOK_CMARK_LITERAL_H
#define DESKBOOK_CMARK_LITERAL_H

#include <cmark-gfm.h>

/// The text of a text, code, HTML or code block node, and its length in bytes, where the node
/// keeps it; NULL for other nodes. Unlike `cmark_node_get_literal`, which copies a text into
/// fresh memory to end it with a NUL the first time it is asked for, this copies nothing: a
/// page's section texts read every text of the page.
const unsigned char *deskbook_node_literal(cmark_node *node, int *length);

#endif
