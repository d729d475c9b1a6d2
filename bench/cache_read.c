/*
 * Benchmark: cached bearer-token reads through oauthcc_cache_slot_bearer from 1, 2, 8 and 64
 * threads, and oauthcc_client_get_cached_token (which parses params and allocates a handle)
 * for comparison. Each thread times its own reads in thread CPU time, so the figure is the cost
 * of a read, not the share of 2 cores that 64 threads get; the median over threads is reported.
 *
 *   cache_read BASE_URL   (prints a Markdown table)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oauthcc.h"

#define READS 2000000L
#define SLOW_READS 20000L

struct job {
    oauthcc_cache_slot *slot;
    oauthcc_client *client;
    long reads;
    pthread_barrier_t *start;
    double ns_per_read;
    int failures;
};

static double thread_cpu_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static void *read_slot(void *arg) {
    struct job *job = arg;
    char buffer[2048];
    size_t length;
    pthread_barrier_wait(job->start);
    double begin = thread_cpu_ns();
    for (long i = 0; i < job->reads; i++) {
        if (oauthcc_cache_slot_bearer(job->slot, buffer, sizeof buffer, &length) != OAUTHCC_OK) job->failures++;
    }
    job->ns_per_read = (thread_cpu_ns() - begin) / job->reads;
    return NULL;
}

static void *read_client(void *arg) {
    struct job *job = arg;
    pthread_barrier_wait(job->start);
    double begin = thread_cpu_ns();
    for (long i = 0; i < job->reads; i++) {
        oauthcc_token *token = NULL;
        if (oauthcc_client_get_cached_token(job->client, "{\"scope\":\"read\"}", &token) != OAUTHCC_OK) job->failures++;
        oauthcc_token_free(token);
    }
    job->ns_per_read = (thread_cpu_ns() - begin) / job->reads;
    return NULL;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median ns per read over the threads of one run. */
static double run(int threads, void *(*body)(void *), oauthcc_client *client, oauthcc_cache_slot *slot, long reads) {
    pthread_t ids[64];
    struct job jobs[64];
    double ns[64];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    for (int i = 0; i < threads; i++) {
        jobs[i] = (struct job){slot, client, reads / threads > 1000 ? reads / threads : 1000, &start, 0, 0};
        pthread_create(&ids[i], NULL, body, &jobs[i]);
    }
    int failures = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(ids[i], NULL);
        ns[i] = jobs[i].ns_per_read;
        failures += jobs[i].failures;
    }
    pthread_barrier_destroy(&start);
    if (failures) {
        fprintf(stderr, "%d reads failed: %s\n", failures, oauthcc_last_error_message());
        exit(1);
    }
    qsort(ns, (size_t)threads, sizeof ns[0], compare);
    return ns[threads / 2];
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s BASE_URL\n", argv[0]);
        return 2;
    }
    char config[512];
    snprintf(config, sizeof config,
             "{\"client\":{\"id\":\"demo-client\",\"secret\":\"demo-secret\"},\"auth\":{\"tokenHost\":\"%s\"}}", argv[1]);
    oauthcc_client *client = NULL;
    oauthcc_cache_slot *slot = NULL;
    if (oauthcc_client_new(config, &client) != OAUTHCC_OK ||
        oauthcc_client_cache_slot(client, "{\"scope\":\"read\"}", &slot) != OAUTHCC_OK) {
        fprintf(stderr, "setup: %s\n", oauthcc_last_error_message());
        return 1;
    }
    int counts[] = {1, 2, 8, 64};
    printf("| threads | `oauthcc_cache_slot_bearer` ns/read | `oauthcc_client_get_cached_token` ns/read |\n");
    printf("|---:|---:|---:|\n");
    run(1, read_slot, client, slot, 1000); /* warm: the first read fetches the token */
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        double slot_runs[5], client_runs[5];
        for (int r = 0; r < 5; r++) {
            slot_runs[r] = run(counts[c], read_slot, client, slot, READS);
            client_runs[r] = run(counts[c], read_client, client, slot, SLOW_READS);
        }
        qsort(slot_runs, 5, sizeof slot_runs[0], compare);
        qsort(client_runs, 5, sizeof client_runs[0], compare);
        printf("| %d | %.1f | %.0f |\n", counts[c], slot_runs[2], client_runs[2]);
    }
    oauthcc_cache_slot_free(slot);
    oauthcc_client_free(client);
    return 0;
}
