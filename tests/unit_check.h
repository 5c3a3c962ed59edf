/* unit_check.h - the checks of the plain-C unit tests: each prints what it
 * got and what was expected, and the test exits non-zero if any failed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef UNIT_CHECK_H
#define UNIT_CHECK_H

#include <stdio.h>

static int failures, checks;

#define CHECK(cond) check((cond), #cond, __LINE__)
#define CHECK_EQ(got, want) check_eq((unsigned long long)(got), (unsigned long long)(want), #got, __LINE__)

static inline void check(int ok, const char *what, int line)
{
    checks++;
    if (!ok) {
        printf("FAIL line %d: %s\n", line, what);
        failures++;
    }
}

static inline void check_eq(unsigned long long got, unsigned long long want, const char *what, int line)
{
    checks++;
    if (got != want) {
        printf("FAIL line %d: %s is %llu, expected %llu\n", line, what, got, want);
        failures++;
    }
}

static inline int checks_done(void)
{
    printf("%d checks, %d failed\n", checks, failures);
    return failures != 0;
}

#endif
