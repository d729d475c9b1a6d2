/*
 * Fork safety of the token cache: a child forked while a parent thread has a token fetch in
 * flight neither waits for that fetch (its thread does not exist in the child) nor sees the
 * parent's cache; it makes its own requests. And of the log callback: a child forked while a
 * parent thread is inside the callback can replace it (that call never ends in the child).
 * argv[1] is the local token server.
 * Prints "N passed, N failed".
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "oauthcc.h"


static oauthcc_client *client_for(const char *base_url, const char *path) {
    char config[512];
    snprintf(config, sizeof config,
             "{\"client\":{\"id\":\"demo-client\",\"secret\":\"demo-secret\"},"
             "\"auth\":{\"tokenHost\":\"%s\",\"tokenPath\":\"%s\"}}", base_url, path);
    oauthcc_client *client = NULL;
    if (oauthcc_client_new(config, &client) != OAUTHCC_OK) {
        fprintf(stderr, "client: %s\n", oauthcc_last_error_message());
        exit(2);
    }
    return client;
}

static int stats_contain(const oauthcc_client *client, const char *needle) {
    char *stats = NULL;
    if (oauthcc_client_cache_stats(client, NULL, &stats) != OAUTHCC_OK) return 0;
    int found = strstr(stats, needle) != NULL;
    oauthcc_string_free(stats);
    return found;
}

static void *slow_fetch(void *client) {
    oauthcc_token *token = NULL;
    oauthcc_status status = oauthcc_client_get_cached_token(client, NULL, &token);
    oauthcc_token_free(token);
    return (void *)(intptr_t)status;
}

/* In the child: everything here must finish; an alarm turns a deadlock into a failure. */
static int child(oauthcc_client *fast, oauthcc_client *slow) {
    alarm(20);
    int bad = 0;
    bad |= !stats_contain(fast, "\"cached\":false");      /* the parent's token is not shared */
    bad |= !stats_contain(slow, "\"in_flight\":false");   /* nor is the parent's fetch */
    oauthcc_token *token = NULL;
    bad |= oauthcc_client_get_cached_token(fast, NULL, &token) != OAUTHCC_OK;
    oauthcc_token_free(token);
    token = NULL;
    bad |= oauthcc_client_get_cached_token(slow, NULL, &token) != OAUTHCC_OK;
    oauthcc_token_free(token);
    bad |= !stats_contain(fast, "\"fetches\":1");
    return bad;
}

/* The thread whose log lines the slow callback holds on to, once it has said who it is. */
static pthread_t slow_logger;
static int slow_logger_known, slow_callback_running;

static void slow_callback(int32_t level, const char *message, void *user_data) {
    (void)level, (void)message, (void)user_data;
    if (__atomic_load_n(&slow_logger_known, __ATOMIC_SEQ_CST) && pthread_equal(pthread_self(), slow_logger)) {
        __atomic_store_n(&slow_callback_running, 1, __ATOMIC_SEQ_CST);
        struct timespec pause = {1, 0};
        nanosleep(&pause, NULL);
    }
}

static void *logging_fetch(void *client) {
    slow_logger = pthread_self();
    __atomic_store_n(&slow_logger_known, 1, __ATOMIC_SEQ_CST);
    oauthcc_token *token = NULL;
    oauthcc_status status = oauthcc_client_get_token(client, NULL, NULL, &token); /* logs at DEBUG */
    oauthcc_token_free(token);
    return (void *)(intptr_t)status;
}

/* Forks while another thread is inside the log callback; the child must be able to replace it. */
static void fork_during_a_callback(oauthcc_client *client) {
    CHECK(oauthcc_set_log_callback(slow_callback, OAUTHCC_LOG_DEBUG, NULL) == OAUTHCC_OK);
    pthread_t logger;
    CHECK(pthread_create(&logger, NULL, logging_fetch, client) == 0);
    for (int i = 0; i < 5000 && !__atomic_load_n(&slow_callback_running, __ATOMIC_SEQ_CST); i++) {
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    CHECK(__atomic_load_n(&slow_callback_running, __ATOMIC_SEQ_CST));
    pid_t pid = fork();
    if (pid == 0) {
        alarm(10);
        _exit(oauthcc_set_log_callback(NULL, OAUTHCC_LOG_DEBUG, NULL) == OAUTHCC_OK ? 0 : 1);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (WIFSIGNALED(status)) fprintf(stderr, "callback child killed by signal %d (deadlock?)\n", WTERMSIG(status));
    void *result = NULL;
    pthread_join(logger, &result);
    CHECK((intptr_t)result == OAUTHCC_OK);
    CHECK(oauthcc_set_log_callback(NULL, OAUTHCC_LOG_DEBUG, NULL) == OAUTHCC_OK);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s BASE_URL\n", argv[0]);
        return 2;
    }
    oauthcc_client *fast = client_for(argv[1], "/oauth/token");
    oauthcc_client *slow = client_for(argv[1], "/slow");
    oauthcc_token *token = NULL;
    CHECK(oauthcc_client_get_cached_token(fast, NULL, &token) == OAUTHCC_OK);
    oauthcc_token_free(token);
    CHECK(stats_contain(fast, "\"cached\":true"));

    pthread_t fetcher;
    CHECK(pthread_create(&fetcher, NULL, slow_fetch, slow) == 0);
    /* Wait (bounded) until the parent's fetch is in flight. */
    for (int i = 0; i < 2000 && !stats_contain(slow, "\"in_flight\":true"); i++) {
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    CHECK(stats_contain(slow, "\"in_flight\":true"));

    pid_t pid = fork();
    if (pid == 0) _exit(child(fast, slow));
    CHECK(pid > 0);
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (WIFSIGNALED(status)) fprintf(stderr, "child killed by signal %d (deadlock?)\n", WTERMSIG(status));

    void *result = NULL;
    pthread_join(fetcher, &result);
    CHECK((intptr_t)result == OAUTHCC_OK);
    fork_during_a_callback(fast);
    oauthcc_client_free(slow);
    oauthcc_client_free(fast);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
