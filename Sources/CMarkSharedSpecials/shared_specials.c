// cmark-gfm keeps the characters its inline extensions react to (`~` for strikethrough, the
// starts of autolinks) in one table shared by every parser. Each parse switches them on
// before parsing inlines and off after, so a parse finishing in one thread switches them off
// under a parse still running in another, which then misses `~~` and autolinks.
//
// This file defines the library's exported switch in the program itself. The dynamic linker
// binds the library's own calls to this definition (they go through its PLT), which switches
// the characters on as before and never off again. Every Deskbook parser attaches the same
// extensions, so the shared table then always holds exactly the characters they need, and
// documents can be parsed on all cores at once.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include "cmark_shared_specials.h"

struct cmark_parser;

static atomic_long refusals;

void cmark_manage_extensions_special_characters(struct cmark_parser *parser, int add) {
    static void (*original)(struct cmark_parser *, int);
    if (!add) {
        atomic_fetch_add(&refusals, 1);
        return;
    }
    if (!original) {
        original = (void (*)(struct cmark_parser *, int))dlsym(RTLD_NEXT, "cmark_manage_extensions_special_characters");
    }
    if (original) original(parser, add);
}

long cmark_shared_specials_refusals(void) { return atomic_load(&refusals); }
