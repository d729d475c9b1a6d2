/*
 * Fork safety of the token cache: a child forked while a parent thread has a token fetch in
 * flight neither waits for that fetch (its thread does not exist in the child) nor sees the
 * parent's cache; it makes its own requests. argv[1] is the local token server.
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
    oauthcc_client_free(slow);
    oauthcc_client_free(fast);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
