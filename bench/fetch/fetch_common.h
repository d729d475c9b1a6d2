/* Timing helpers shared by the fetch loops: wall time, process CPU time, peak RSS. */
#ifndef FETCH_COMMON_H
#define FETCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#define CLIENT_ID "bench-client"
#define CLIENT_SECRET "bench-secret"

struct mark {
    double wall;
    double cpu;
};

static inline struct mark mark_now(void) {
    struct timespec t;
    struct rusage u;
    clock_gettime(CLOCK_MONOTONIC, &t);
    getrusage(RUSAGE_SELF, &u);
    return (struct mark){
        t.tv_sec + t.tv_nsec / 1e9,
        u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6,
    };
}

/* One line for bench/fetch/run.sh: timed fetches, their wall time, CPU per fetch, peak RSS. */
static inline void report(long fetches, struct mark begin, struct mark end) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    printf("fetches=%ld seconds=%.6f cpu_us=%.3f maxrss_kb=%ld\n", fetches, end.wall - begin.wall,
           fetches ? (end.cpu - begin.cpu) * 1e6 / fetches : 0.0, u.ru_maxrss);
}

static inline long parse_count(const char *text) {
    char *end;
    long n = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || n < 0) {
        fprintf(stderr, "not a count: %s\n", text);
        exit(2);
    }
    return n;
}

#endif
