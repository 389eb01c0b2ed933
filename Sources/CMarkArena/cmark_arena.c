// cmark-gfm allocates every node and buffer with calloc and gives each back with free:
// hundreds of thousands of calls for a thousand pages, a tenth of the parser's time. A page
// is parsed and rendered on one thread and its tree is freed whole afterwards, so each thread
// takes the memory from an arena of its own instead, and gives it all back at once.
//
// (cmark-gfm's own arena allocator is one arena for the whole process, not safe for pages
// parsed on several threads at once.)
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cmark_arena.h"

enum { SLAB_SIZE = 1 << 20, ALIGNMENT = 16 };

typedef struct slab {
    struct slab *older;
    size_t size;
    size_t used;
    _Alignas(ALIGNMENT) unsigned char data[];
} slab;

// Before each block, its size: `realloc` needs to know how much to copy.
typedef struct {
    size_t size;
    size_t padding;
} block_header;

static __thread slab *newest;
// Documents of this thread still open: a document rendered while another is (a hook that
// renders Markdown) must not take the other's memory away.
static __thread int open_documents;

static size_t rounded(size_t size) {
    size_t total = size + sizeof(block_header);
    if (total < size) abort();
    return (total + ALIGNMENT - 1) & ~(size_t)(ALIGNMENT - 1);
}

static void *take(size_t size) {
    size_t need = rounded(size);
    if (!newest || newest->size - newest->used < need) {
        size_t slab_size = need > SLAB_SIZE ? need : SLAB_SIZE;
        slab *fresh = malloc(sizeof(slab) + slab_size);
        if (!fresh) abort();  // as cmark-gfm's own allocator does
        fresh->older = newest;
        fresh->size = slab_size;
        fresh->used = 0;
        newest = fresh;
    }
    block_header *header = (block_header *)(newest->data + newest->used);
    newest->used += need;
    header->size = size;
    return header + 1;
}

static void *arena_calloc(size_t count, size_t size) {
    if (size != 0 && count > SIZE_MAX / size) abort();
    void *block = take(count * size);
    memset(block, 0, count * size);
    return block;
}

static void *arena_realloc(void *pointer, size_t size) {
    if (!pointer) return take(size);
    block_header *header = (block_header *)pointer - 1;
    unsigned char *start = (unsigned char *)header;
    // The newest block of the newest slab grows in place when the slab has room.
    if (start >= newest->data && start + rounded(header->size) == newest->data + newest->used
        && (size_t)(start - newest->data) + rounded(size) <= newest->size) {
        newest->used = (size_t)(start - newest->data) + rounded(size);
        header->size = size;
        return pointer;
    }
    void *moved = take(size);
    memcpy(moved, pointer, header->size < size ? header->size : size);
    return moved;
}

static void arena_free(void *pointer) { (void)pointer; }

static cmark_mem arena = {arena_calloc, arena_realloc, arena_free};

cmark_mem *deskbook_arena_open(void) {
    open_documents += 1;
    return &arena;
}

void deskbook_arena_close(void) {
    if (open_documents > 0) open_documents -= 1;
    if (open_documents > 0) return;
    while (newest && newest->older) {
        slab *older = newest->older;
        free(newest);
        newest = older;
    }
    if (newest && newest->size > SLAB_SIZE) {
        free(newest);
        newest = NULL;
    }
    if (newest) newest->used = 0;
}
