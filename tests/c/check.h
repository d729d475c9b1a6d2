/* The checks of the C test programs: each counts, and a failure names its line and the calling
 * thread's last liboauthcc error. */
#ifndef OAUTHCC_TEST_CHECK_H
#define OAUTHCC_TEST_CHECK_H

#include <stdio.h>

#include "oauthcc.h"

static int passed, failed;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (cond) {                                                            \
            passed++;                                                          \
        } else {                                                               \
            failed++;                                                          \
            fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); \
            const char *last_error_ = oauthcc_last_error_message();            \
            if (last_error_) fprintf(stderr, "    last error: %s\n", last_error_); \
        }                                                                      \
    } while (0)

#endif
