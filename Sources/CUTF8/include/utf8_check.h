#ifndef DESKBOOK_UTF8_CHECK_H
#define DESKBOOK_UTF8_CHECK_H

#include <stddef.h>
#include <stdint.h>

/// Whether this processor has AVX2, which `deskbook_utf8_valid_avx2` needs.
int deskbook_utf8_avx2_available(void);

/// 1 when `count` bytes at `bytes` are well-formed UTF-8 (no overlong forms, no surrogates,
/// nothing above U+10FFFF), else 0. Only where `deskbook_utf8_avx2_available()` is 1.
int deskbook_utf8_valid_avx2(const uint8_t *bytes, size_t count);

#endif
