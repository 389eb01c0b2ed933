// cmark-gfm's character classes, from the library itself (its utf8.h is installed with it).
#include "cmark_classes.h"
#include <cmark-gfm/utf8.h>

int deskbook_is_space(int32_t scalar) { return cmark_utf8proc_is_space(scalar); }

int deskbook_is_punctuation(int32_t scalar) { return cmark_utf8proc_is_punctuation(scalar); }
