#ifndef CMARK_SHARED_SPECIALS_H
#define CMARK_SHARED_SPECIALS_H

/// How often cmark-gfm asked to switch its extensions' special characters off and was
/// refused; nonzero once a document was parsed, which proves the override is in effect.
long cmark_shared_specials_refusals(void);

#endif
