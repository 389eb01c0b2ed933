#ifndef DESKBOOK_CMARK_ARENA_H
#define DESKBOOK_CMARK_ARENA_H

#include <cmark-gfm.h>

/// An allocator for cmark-gfm that takes memory from an arena of the calling thread: a
/// page's nodes and buffers are a pointer bump each, and `free` does nothing.
cmark_mem *deskbook_thread_arena(void);

/// Lets go of everything the calling thread's arena gave out (its first slab is kept for the
/// next page). Only once nothing parsed or rendered with it is used any more.
void deskbook_thread_arena_reset(void);

#endif
