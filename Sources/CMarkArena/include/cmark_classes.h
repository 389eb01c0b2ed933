#ifndef DESKBOOK_CMARK_CLASSES_H
#define DESKBOOK_CMARK_CLASSES_H

#include <stdint.h>

// Unicode whitespace and punctuation as cmark-gfm's inline parser tells them apart: whether
// `**` opens or closes emphasis depends on them, and a renderer that must agree with
// cmark-gfm byte for byte asks the library itself.
int deskbook_is_space(int32_t scalar);
int deskbook_is_punctuation(int32_t scalar);

#endif
