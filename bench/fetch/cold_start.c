/*
 * Cold start: runs COMMAND... again and again (stdout to /dev/null), one process after the other,
 * at least MIN_RUNS times and until MIN_SECONDS have passed (at most MAX_RUNS), after one untimed
 * warm-up run. Prints the median wall time per process, the median CPU time (user + sys, from
 * wait4) and the largest peak RSS of the processes.
 *
 *   cold_start MIN_RUNS MAX_RUNS MIN_SECONDS COMMAND [ARG...]
 */
#define _DEFAULT_SOURCE /* wait4 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One run; returns 0 when the command exited 0. */
static int run(char **command, double *wall, double *cpu, long *maxrss) {
    double begin = now();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, STDOUT_FILENO);
        execvp(command[0], command);
        perror(command[0]);
        _exit(127);
    }
    int status;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) != pid) return -1;
    *wall = now() - begin;
    *cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
    if (usage.ru_maxrss > *maxrss) *maxrss = usage.ru_maxrss;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s MIN_RUNS MAX_RUNS MIN_SECONDS COMMAND [ARG...]\n", argv[0]);
        return 2;
    }
    int min_runs = atoi(argv[1]), max_runs = atoi(argv[2]);
    double min_seconds = atof(argv[3]);
    if (min_runs < 1 || max_runs < min_runs) return 2;
    double *walls = calloc((size_t)max_runs, sizeof *walls), *cpus = calloc((size_t)max_runs, sizeof *cpus);
    double wall, cpu;
    long maxrss = 0, warm_rss = 0;
    if (!walls || !cpus || run(argv + 4, &wall, &cpu, &warm_rss) != 0) {
        fprintf(stderr, "cold_start: %s failed\n", argv[4]);
        return 1;
    }
    int runs = 0;
    double begin = now();
    while (runs < max_runs && (runs < min_runs || now() - begin < min_seconds)) {
        if (run(argv + 4, &walls[runs], &cpus[runs], &maxrss) != 0) {
            fprintf(stderr, "cold_start: %s failed\n", argv[4]);
            return 1;
        }
        runs++;
    }
    qsort(walls, (size_t)runs, sizeof *walls, compare);
    qsort(cpus, (size_t)runs, sizeof *cpus, compare);
    printf("runs=%d wall_ms=%.3f cpu_us=%.1f maxrss_kb=%ld\n", runs, walls[runs / 2] * 1e3, cpus[runs / 2] * 1e6, maxrss);
    free(walls);
    free(cpus);
    return 0;
}
