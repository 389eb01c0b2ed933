#ifndef DESKBOOK_CMARK_ARENA_H
#define DESKBOOK_CMARK_ARENA_H

#include <cmark-gfm.h>

/// An allocator for cmark-gfm that takes memory from an arena of the calling thread: a
/// document's nodes and buffers are a pointer bump each, and `free` does nothing. Each call
/// opens the arena for one more document of this thread.
cmark_mem *deskbook_arena_open(void);

/// The document opened last on this thread is done with; when none is left open, everything
/// the arena gave out goes back at once (its first slab is kept for the next document).
void deskbook_arena_close(void);

#endif
