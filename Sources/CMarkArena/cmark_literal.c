// Reads a node's text in place. cmark-gfm's -dev package ships the header of its node
// structure (cmark-gfm/node.h) with the library it describes, so the two always match.
#include "cmark_literal.h"
#include <cmark-gfm/node.h>

const unsigned char *deskbook_node_literal(cmark_node *node, int *length) {
    cmark_chunk *chunk;
    switch ((cmark_node_type)node->type) {
    case CMARK_NODE_TEXT:
    case CMARK_NODE_CODE:
    case CMARK_NODE_HTML_INLINE:
    case CMARK_NODE_HTML_BLOCK:
        chunk = &node->as.literal;
        break;
    case CMARK_NODE_CODE_BLOCK:
        chunk = &node->as.code.literal;
        break;
    default:
        *length = 0;
        return NULL;
    }
    *length = chunk->len;
    // An empty text may have no memory at all; it is still a text.
    return chunk->data ? chunk->data : (const unsigned char *)"";
}
