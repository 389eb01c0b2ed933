// UTF-8 checked 32 bytes at a time: the method of Keiser and Lemire, "Validating UTF-8 in
// less than one instruction per byte" (2021). Each byte is judged with the one, two and
// three bytes before it by three table lookups (the high and low half of the byte before,
// the high half of this one), whose flags, ANDed, name every error a pair of bytes can show;
// a continuation that a lead two or three bytes back requires is then checked apart. Loading
// checks every byte of every page, and Chinese text mixed with English words sends a
// byte-at-a-time check down a different branch every few bytes.
#include "utf8_check.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

int deskbook_utf8_avx2_available(void) { return __builtin_cpu_supports("avx2") ? 1 : 0; }

// What a pair of bytes (the one before, this one) can show wrong, one bit each.
enum {
    TOO_SHORT = 1 << 0,      // a lead, then no continuation (ASCII or another lead)
    TOO_LONG = 1 << 1,       // ASCII, then a continuation
    OVERLONG_3 = 1 << 2,     // E0, then 80…9F
    TOO_LARGE = 1 << 3,      // F4, then 90…BF; or F5…FF
    SURROGATE = 1 << 4,      // ED, then A0…BF
    OVERLONG_2 = 1 << 5,     // C0 or C1, then a continuation
    TOO_LARGE_1000 = 1 << 6, // F5…FF, then 80…8F
    OVERLONG_4 = 1 << 6,     // F0, then 80…8F
    TWO_CONTS = 1 << 7,      // two continuations: an error unless a lead two or three back asks for them
    CARRY = TOO_SHORT | TOO_LONG | TWO_CONTS,
};

// The bytes of `input` moved along by `n`, the last `n` of `previous` coming in first.
#define DESKBOOK_PREVIOUS(input, previous, n) \
    _mm256_alignr_epi8((input), _mm256_permute2x128_si256((previous), (input), 0x21), 16 - (n))

// A table of 16 flag bytes for `_mm256_shuffle_epi8`, which looks up each 128-bit half apart.
#define DESKBOOK_TABLE(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p) \
    _mm256_setr_epi8((char)(a), (char)(b), (char)(c), (char)(d), (char)(e), (char)(f), (char)(g), (char)(h), \
                     (char)(i), (char)(j), (char)(k), (char)(l), (char)(m), (char)(n), (char)(o), (char)(p), \
                     (char)(a), (char)(b), (char)(c), (char)(d), (char)(e), (char)(f), (char)(g), (char)(h), \
                     (char)(i), (char)(j), (char)(k), (char)(l), (char)(m), (char)(n), (char)(o), (char)(p))

// Every error in `input`, given the block before it, as nonzero bytes.
__attribute__((target("avx2")))
static inline __m256i block_errors(__m256i input, __m256i previous) {
    const __m256i low_nibble = _mm256_set1_epi8(0x0F);
    const __m256i before = DESKBOOK_PREVIOUS(input, previous, 1);
    const __m256i byte_1_high = _mm256_shuffle_epi8(
        DESKBOOK_TABLE(TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
                       TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,
                       TOO_SHORT | OVERLONG_2, TOO_SHORT, TOO_SHORT | OVERLONG_3 | SURROGATE,
                       TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4),
        _mm256_and_si256(_mm256_srli_epi16(before, 4), low_nibble));
    const __m256i byte_1_low = _mm256_shuffle_epi8(
        DESKBOOK_TABLE(CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4, CARRY | OVERLONG_2, CARRY, CARRY,
                       CARRY | TOO_LARGE, CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
                       CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
                       CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
                       CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE, CARRY | TOO_LARGE | TOO_LARGE_1000,
                       CARRY | TOO_LARGE | TOO_LARGE_1000),
        _mm256_and_si256(before, low_nibble));
    const __m256i byte_2_high = _mm256_shuffle_epi8(
        DESKBOOK_TABLE(TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
                       TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
                       TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
                       TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
                       TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
                       TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT),
        _mm256_and_si256(_mm256_srli_epi16(input, 4), low_nibble));
    const __m256i special = _mm256_and_si256(_mm256_and_si256(byte_1_high, byte_1_low), byte_2_high);
    // A third or fourth byte of a sequence: its lead is two bytes back (E0…FF) or three (F0…FF).
    const __m256i third = _mm256_subs_epu8(DESKBOOK_PREVIOUS(input, previous, 2), _mm256_set1_epi8((char)(0xE0 - 0x80)));
    const __m256i fourth = _mm256_subs_epu8(DESKBOOK_PREVIOUS(input, previous, 3), _mm256_set1_epi8((char)(0xF0 - 0x80)));
    const __m256i must_continue = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
    return _mm256_xor_si256(must_continue, special);
}

// Nonzero where the block's last three bytes start a sequence that needs more bytes.
__attribute__((target("avx2")))
static inline __m256i unfinished_at_end(__m256i input) {
    const __m256i highest = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                             -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                             (char)(0xF0 - 1), (char)(0xE0 - 1), (char)(0xC0 - 1));
    return _mm256_subs_epu8(input, highest);
}

__attribute__((target("avx2")))
int deskbook_utf8_valid_avx2(const uint8_t *bytes, size_t count) {
    __m256i errors = _mm256_setzero_si256();
    __m256i previous = _mm256_setzero_si256();
    __m256i unfinished = _mm256_setzero_si256();
    size_t position = 0;
    // The last bytes are checked in a block padded with zeros (ASCII), which also shows a
    // sequence cut short by the end.
    uint8_t tail[32];
    for (;;) {
        __m256i input;
        int last = count - position < 32;
        if (last) {
            memset(tail, 0, sizeof tail);
            memcpy(tail, bytes + position, count - position);
            input = _mm256_loadu_si256((const __m256i *)tail);
        } else {
            input = _mm256_loadu_si256((const __m256i *)(bytes + position));
        }
        if (_mm256_movemask_epi8(input) == 0) {
            // ASCII only: fine, unless the block before ended inside a sequence.
            errors = _mm256_or_si256(errors, unfinished);
            unfinished = _mm256_setzero_si256();
        } else {
            errors = _mm256_or_si256(errors, block_errors(input, previous));
            unfinished = unfinished_at_end(input);
        }
        previous = input;
        if (last) break;
        position += 32;
    }
    errors = _mm256_or_si256(errors, unfinished);
    return _mm256_testz_si256(errors, errors);
}

#else

int deskbook_utf8_avx2_available(void) { return 0; }
int deskbook_utf8_valid_avx2(const uint8_t *bytes, size_t count) { (void)bytes; (void)count; return 0; }

#endif
