#ifndef DESKBOOK_PREFETCH_H
#define DESKBOOK_PREFETCH_H

/// Asks the processor to bring the memory at `address` into its caches ahead of a read.
/// Only a hint: an address that is not mapped does no harm.
static inline void deskbook_prefetch(const void *address) { __builtin_prefetch(address); }

#endif
