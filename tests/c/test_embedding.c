/*
 * The contract liboauthcc keeps for daemons that embed it (argv[1]: the local token server):
 *   1. cancel:     library calls are not cancellation points; pthread_cancel takes effect after
 *                  the call returns and the client stays usable.
 *   2. exit:       a log callback may pthread_exit: the forced unwind passes through the
 *                  library, which leaves no lock held and no fetch in flight.
 *   3. reentrant:  a log callback may call back into the library for the same client and key.
 *   4. blocking:   a callback blocked on one thread holds back no other thread's call.
 *   5. replace:    when oauthcc_set_log_callback returns, the previous callback is never called
 *                  again and no call of it is still running (its user data may be freed at once).
 *   6. self:       a callback may replace itself (without deadlock, and with 5's promise towards
 *                  every other thread).
 * Each case runs in a forked child (the parent never calls the library), so that an abort or a
 * hang in one does not hide the others; a watchdog (alarm) turns a hang into exit status 2.
 * `test_embedding URL [CASE]` runs one case. Prints "N passed, N failed" (cases) and exits
 * non-zero on any failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "oauthcc.h"

/* Seconds a case may take before its watchdog declares it hung (valgrind included). */
#define WATCHDOG_SECONDS 20
/* Bound of every wait for something that must happen "promptly" (not a timing assertion:
 * the contract is that it happens at all while the other party is still blocked). */
#define PROMPT_SECONDS 5

static const char *base_url;
static char server_host[64];
static int server_port;

/* ---- small helpers ---------------------------------------------------------------------------- */

static void sleep_ms(long ms) {
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {
    }
}

static long load_long(const long *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static void store_long(long *p, long v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
static long add_long(long *p, long v) { return __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST); }

/* An event: a value guarded by a mutex, waited for with a bound. */
struct event {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    long value;
};
#define EVENT_INIT {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0}

static void event_set(struct event *e, long value) {
    pthread_mutex_lock(&e->lock);
    e->value = value;
    pthread_cond_broadcast(&e->changed);
    pthread_mutex_unlock(&e->lock);
}

/* Waits at most `seconds` for the value to reach `value`; returns whether it did. */
static int event_wait(struct event *e, long value, int seconds) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += seconds;
    pthread_mutex_lock(&e->lock);
    int timed_out = 0;
    while (e->value < value && !timed_out)
        timed_out = pthread_cond_timedwait(&e->changed, &e->lock, &deadline) == ETIMEDOUT;
    int reached = e->value >= value;
    pthread_mutex_unlock(&e->lock);
    return reached;
}

/* Which role the calling thread plays, for callbacks that act on one designated thread. */
static pthread_key_t role_key;
static int ROLE_TARGET;
static void set_role(int *role) { pthread_setspecific(role_key, role); }
static int has_role(int *role) { return pthread_getspecific(role_key) == role; }

static oauthcc_client *client_at(const char *host, const char *path, int max_attempts) {
    char config[768];
    snprintf(config, sizeof config,
             "{\"client\":{\"id\":\"demo-client\",\"secret\":\"demo-secret\"},"
             "\"auth\":{\"tokenHost\":\"%s\",\"tokenPath\":\"%s\"},"
             "\"transport\":{\"retry\":{\"maxAttempts\":%d,\"initialDelay\":10,\"maxDelay\":50}}}",
             host, path, max_attempts);
    oauthcc_client *client = NULL;
    if (oauthcc_client_new(config, &client) != OAUTHCC_OK) {
        printf("    client: %s\n", oauthcc_last_error_message());
        fflush(stdout);
        _exit(1);
    }
    return client;
}

static oauthcc_client *client_for(const char *path, int max_attempts) {
    return client_at(base_url, path, max_attempts);
}

/* A loopback port where nothing listens (bound, never listening: connects are refused at once),
 * for calls that log a DEBUG line each without loading the token server. */
static int closed_socket = -1;
static oauthcc_client *refusing_client(void) {
    closed_socket = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (closed_socket < 0 || bind(closed_socket, (struct sockaddr *)&address, sizeof address) != 0 ||
        getsockname(closed_socket, (struct sockaddr *)&address, &length) != 0) {
        printf("    cannot reserve a closed port\n");
        fflush(stdout);
        _exit(1);
    }
    char host[64];
    snprintf(host, sizeof host, "http://127.0.0.1:%d", ntohs(address.sin_port));
    return client_at(host, "/oauth/token", 1);
}

/* How many requests the token server has recorded for `path` (GET /requests), or -1. */
static long server_requests_to(const char *path) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((uint16_t)server_port);
    if (inet_pton(AF_INET, server_host, &address.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        close(fd);
        return -1;
    }
    char request[256];
    int n = snprintf(request, sizeof request,
                     "GET /requests HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n", server_host, server_port);
    if (write(fd, request, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    size_t size = 0, capacity = 65536;
    char *body = malloc(capacity + 1);
    for (;;) {
        if (size == capacity) body = realloc(body, (capacity *= 2) + 1);
        ssize_t got = read(fd, body + size, capacity - size);
        if (got <= 0) break;
        size += (size_t)got;
    }
    close(fd);
    body[size] = '\0';
    char needle[128];
    snprintf(needle, sizeof needle, "\"path\": \"%s\"", path);
    long count = 0;
    for (const char *at = strstr(body, needle); at; at = strstr(at + 1, needle)) count++;
    free(body);
    return count;
}

/* ---- case 1: pthread_cancel of a thread blocked inside a call --------------------------------- */

struct cancel_target {
    oauthcc_client *client;
    struct event started;
    long returned;
    long status;
};

static void *cancel_target_main(void *arg) {
    struct cancel_target *t = arg;
    oauthcc_token *token = NULL;
    event_set(&t->started, 1);
    oauthcc_status status = oauthcc_client_get_token(t->client, NULL, "{\"timeout\":10000}", &token);
    /* Nothing here is a cancellation point until pthread_testcancel. */
    store_long(&t->status, status);
    store_long(&t->returned, 1);
    oauthcc_token_free(token);
    pthread_testcancel();
    return NULL;
}

static void case_cancel(void) {
    struct cancel_target t = {client_for("/slow", 1), EVENT_INIT, 0, -1};
    long before = server_requests_to("/slow");
    CHECK(before >= 0);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, cancel_target_main, &t) == 0);
    CHECK(event_wait(&t.started, 1, PROMPT_SECONDS));
    /* Wait (bounded) until the server has the request: the thread is then blocked reading. */
    int seen = 0;
    for (int i = 0; i < PROMPT_SECONDS * 100 && !seen; i++) {
        seen = server_requests_to("/slow") > before;
        if (!seen) sleep_ms(10);
    }
    CHECK(seen);
    CHECK(load_long(&t.returned) == 0); /* /slow answers after 2 s: still inside the call */
    printf("    cancelling the thread blocked in oauthcc_client_get_token(/slow)\n");
    fflush(stdout);
    CHECK(pthread_cancel(thread) == 0);
    void *result = NULL;
    CHECK(pthread_join(thread, &result) == 0);
    CHECK(result == PTHREAD_CANCELED);
    CHECK(load_long(&t.returned) == 1);            /* cancelled after the call returned */
    CHECK(load_long(&t.status) == OAUTHCC_OK);     /* and the call was not cut short */

    /* The client and the library are still usable. */
    oauthcc_token *token = NULL;
    CHECK(oauthcc_client_get_token(t.client, NULL, "{\"timeout\":300}", &token) == OAUTHCC_TIMEOUT);
    oauthcc_client *fresh = client_for("/oauth/token", 3);
    CHECK(oauthcc_client_get_token(fresh, NULL, NULL, &token) == OAUTHCC_OK);
    oauthcc_token_free(token);
    oauthcc_client_free(fresh);
    oauthcc_client_free(t.client);
}

/* ---- case 2: pthread_exit from a log callback ------------------------------------------------- */

static long exit_callback_exits, exit_callback_other_lines;

static void exiting_log(int32_t level, const char *message, void *user_data) {
    (void)level;
    (void)message;
    (void)user_data;
    if (has_role(&ROLE_TARGET)) {
        add_long(&exit_callback_exits, 1);
        pthread_exit(NULL);
    }
    add_long(&exit_callback_other_lines, 1);
}

struct exit_target {
    oauthcc_client *client;
    oauthcc_cache_slot *slot;
    long after_call;
};

static void *exit_target_main(void *arg) {
    struct exit_target *t = arg;
    set_role(&ROLE_TARGET);
    /* A slot read hands out nothing to own: a thread that ends inside the call leaks nothing.
     * (A call that hands out a handle has done so before its log lines are delivered, and a
     * thread that pthread_exits from the callback drops that handle, as it would any other.) */
    char bearer[512];
    size_t length = 0;
    oauthcc_cache_slot_bearer(t->slot, bearer, sizeof bearer, &length); /* logs: DEBUG per request */
    store_long(&t->after_call, 1);
    return (void *)&t->after_call;
}

static void case_exit(void) {
    struct exit_target t = {client_for("/oauth/token", 3), NULL, 0};
    CHECK(oauthcc_client_cache_slot(t.client, "{\"scope\":\"exit\"}", &t.slot) == OAUTHCC_OK);
    CHECK(oauthcc_set_log_callback(exiting_log, OAUTHCC_LOG_DEBUG, NULL) == OAUTHCC_OK);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, exit_target_main, &t) == 0);
    void *result = &t;
    CHECK(pthread_join(thread, &result) == 0);
    CHECK(result == NULL);                          /* ended by pthread_exit(NULL) */
    CHECK(load_long(&exit_callback_exits) == 1);
    CHECK(load_long(&t.after_call) == 0);

    /* The same client, from this thread: nothing left locked or in flight. */
    char *stats = NULL;
    CHECK(oauthcc_client_cache_stats(t.client, "{\"scope\":\"exit\"}", &stats) == OAUTHCC_OK);
    CHECK(stats != NULL && strstr(stats, "\"in_flight\":false") != NULL);
    if (stats) printf("    stats after the exit: %s\n", stats);
    oauthcc_string_free(stats);
    oauthcc_token *token = NULL;
    oauthcc_status status = oauthcc_client_get_cached_token(t.client, "{\"scope\":\"exit\"}", &token);
    printf("    get_cached_token after the exit: %s\n", oauthcc_status_name(status));
    oauthcc_token_free(token);
    token = NULL;
    CHECK(oauthcc_client_get_token(t.client, NULL, NULL, &token) == OAUTHCC_OK);
    oauthcc_token_free(token);
    CHECK(load_long(&exit_callback_other_lines) > 0); /* and the callback still works here */
    CHECK(oauthcc_set_log_callback(NULL, OAUTHCC_LOG_DEBUG, NULL) == OAUTHCC_OK);
    oauthcc_cache_slot_free(t.slot);
    oauthcc_client_free(t.client);
}

/* ---- case 3: a log callback that calls back into the library --------------------------------- */

#define REENTRANT_PARAMS "{\"scope\":\"reentrant\"}"

struct reentrant {
    oauthcc_client *client;
    long depth, stats_calls, stats_ok, token_calls;
    long token_status;
};

static void reentrant_log(int32_t level, const char *message, void *user_data) {
    struct reentrant *r = user_data;
    if (level != OAUTHCC_LOG_WARN || r->depth > 0) return;
    r->depth++;
    printf("    WARN callback (\"%.60s\"): calling cache_stats\n", message);
    fflush(stdout);
    char *stats = NULL;
    oauthcc_status status = oauthcc_client_cache_stats(r->client, REENTRANT_PARAMS, &stats);
    r->stats_calls++;
    r->stats_ok += status == OAUTHCC_OK;
    /* A retry's WARN comes while this thread's own fetch is in flight: asking for the token then
     * would wait for ourselves. The failed fetch's WARN comes after it ended. */
    int in_flight = stats == NULL || strstr(stats, "\"in_flight\":false") == NULL;
    oauthcc_string_free(stats);
    if (!in_flight) {
        printf("    ... and get_cached_token\n");
        fflush(stdout);
        oauthcc_token *token = NULL;
        r->token_status = oauthcc_client_get_cached_token(r->client, REENTRANT_PARAMS, &token);
        r->token_calls++;
        oauthcc_token_free(token);
    }
    r->depth--;
}

struct later_call {
    oauthcc_client *client;
    const char *params;
    struct event done;
    long status;
};

static void *later_call_main(void *arg) {
    struct later_call *c = arg;
    oauthcc_token *token = NULL;
    store_long(&c->status, oauthcc_client_get_cached_token(c->client, c->params, &token));
    oauthcc_token_free(token);
    event_set(&c->done, 1);
    return NULL;
}

static void case_reentrant(void) {
    struct reentrant r = {client_for("/error/html", 3), 0, 0, 0, 0, -1};
    CHECK(oauthcc_set_log_callback(reentrant_log, OAUTHCC_LOG_WARN, &r) == OAUTHCC_OK);
    oauthcc_token *token = NULL;
    printf("    cached fetch against /error/html; the WARN callback calls cache_stats and get_cached_token\n");
    fflush(stdout);
    CHECK(oauthcc_client_get_cached_token(r.client, REENTRANT_PARAMS, &token) == OAUTHCC_HTTP_ERROR);
    CHECK(r.stats_calls >= 1 && r.stats_ok == r.stats_calls);
    CHECK(r.token_calls >= 1);
    printf("    inner get_cached_token: %s\n", oauthcc_status_name((oauthcc_status)r.token_status));
    CHECK(r.token_status != OAUTHCC_OK);

    /* Another thread, same key: returns promptly. */
    struct later_call later = {r.client, REENTRANT_PARAMS, EVENT_INIT, -1};
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, later_call_main, &later) == 0);
    CHECK(event_wait(&later.done, 1, PROMPT_SECONDS));
    pthread_join(thread, NULL);
    CHECK(later.status != OAUTHCC_OK);
    CHECK(oauthcc_set_log_callback(NULL, OAUTHCC_LOG_WARN, NULL) == OAUTHCC_OK);
    oauthcc_client_free(r.client);
}

/* ---- case 4: a blocked callback holds back no other thread ----------------------------------- */

#define BLOCKING_PARAMS "{\"scope\":\"blocking\"}"

static struct event blocking_entered = EVENT_INIT, blocking_release = EVENT_INIT;

static void blocking_log(int32_t level, const char *message, void *user_data) {
    (void)message;
    (void)user_data;
    if (level != OAUTHCC_LOG_WARN || !has_role(&ROLE_TARGET)) return;
    event_set(&blocking_entered, 1);
    event_wait(&blocking_release, 1, WATCHDOG_SECONDS); /* bounded: released by the main thread */
}

static void *blocking_target_main(void *arg) {
    struct later_call *c = arg;
    set_role(&ROLE_TARGET);
    return later_call_main(c);
}

static void case_blocking(void) {
    /* One attempt: the only WARN is the failed fetch's, logged once the fetch is over. */
    oauthcc_client *client = client_for("/error/html", 1);
    CHECK(oauthcc_set_log_callback(blocking_log, OAUTHCC_LOG_WARN, NULL) == OAUTHCC_OK);
    struct later_call a = {client, BLOCKING_PARAMS, EVENT_INIT, -1};
    struct later_call b = {client, BLOCKING_PARAMS, EVENT_INIT, -1};
    pthread_t thread_a, thread_b;
    CHECK(pthread_create(&thread_a, NULL, blocking_target_main, &a) == 0);
    int entered = event_wait(&blocking_entered, 1, PROMPT_SECONDS);
    CHECK(entered);
    printf("    thread A's callback is blocked; thread B asks for the same key\n");
    fflush(stdout);
    CHECK(pthread_create(&thread_b, NULL, later_call_main, &b) == 0);
    int b_returned = event_wait(&b.done, 1, PROMPT_SECONDS);
    CHECK(b_returned);              /* while A's callback is still blocked */
    if (!b_returned) printf("    thread B did not return within %d s while A's callback was blocked\n", PROMPT_SECONDS);
    event_set(&blocking_release, 1);
    pthread_join(thread_a, NULL);
    pthread_join(thread_b, NULL);
    printf("    A: %s, B: %s\n", oauthcc_status_name((oauthcc_status)a.status),
           oauthcc_status_name((oauthcc_status)b.status));
    CHECK(a.status == OAUTHCC_HTTP_ERROR);
    CHECK(b.status == OAUTHCC_HTTP_ERROR); /* the shared failure, or the back-off error */
    CHECK(oauthcc_set_log_callback(NULL, OAUTHCC_LOG_WARN, NULL) == OAUTHCC_OK);
    oauthcc_client_free(client);
}

/* ---- cases 5 and 6: replacing the callback ---------------------------------------------------- */

#define SINK_MAGIC 0x5eed1e55L

/* A callback's user data; freed as soon as the callback has been replaced. */
struct sink {
    long magic;
    long kind; /* which of the three callbacks it was installed with */
    long slow;
};

static long sink_calls, sink_violations;

static int sink_valid(const struct sink *s, long kind) {
    return __atomic_load_n(&s->magic, __ATOMIC_SEQ_CST) == SINK_MAGIC && s->kind == kind;
}

/* Only reads the user data: after a violation it is freed memory. */
static void sink_check(long kind, void *user_data) {
    const struct sink *s = user_data;
    int ok = sink_valid(s, kind);
    if (ok && s->slow) {
        sleep_ms(1);
        ok = sink_valid(s, kind);
    }
    if (!ok) add_long(&sink_violations, 1);
    add_long(&sink_calls, 1);
}

static void sink0(int32_t level, const char *message, void *user_data) { (void)level; (void)message; sink_check(0, user_data); }
static void sink1(int32_t level, const char *message, void *user_data) { (void)level; (void)message; sink_check(1, user_data); }
static void sink2(int32_t level, const char *message, void *user_data) { (void)level; (void)message; sink_check(2, user_data); }
static oauthcc_log_fn const SINKS[3] = {sink0, sink1, sink2};

static struct sink *new_sink(long kind, long slow) {
    struct sink *s = malloc(sizeof *s);
    s->magic = SINK_MAGIC;
    s->kind = kind;
    s->slow = slow;
    return s;
}

static void retire_sink(struct sink *s) {
    if (!s) return;
    __atomic_store_n(&s->magic, 0, __ATOMIC_SEQ_CST);
    free(s);
}

/* Background threads that log (one DEBUG line per call) until told to stop. */
struct loggers {
    oauthcc_client *client;
    long stop;
    long calls;
    pthread_t threads[4];
    int count;
};

static void *logger_main(void *arg) {
    struct loggers *l = arg;
    for (long i = 0; i < 200000 && !load_long(&l->stop); i++) {
        oauthcc_token *token = NULL;
        oauthcc_client_get_token(l->client, NULL, NULL, &token);
        oauthcc_token_free(token);
        add_long(&l->calls, 1);
    }
    return NULL;
}

static void loggers_start(struct loggers *l, int count) {
    l->client = refusing_client();
    l->stop = 0;
    l->calls = 0;
    l->count = count;
    for (int i = 0; i < count; i++) CHECK(pthread_create(&l->threads[i], NULL, logger_main, l) == 0);
}

static void loggers_stop(struct loggers *l) {
    store_long(&l->stop, 1);
    for (int i = 0; i < l->count; i++) pthread_join(l->threads[i], NULL);
    oauthcc_client_free(l->client);
    close(closed_socket);
}

/* Waits (bounded) until some callback ran since `calls`, so that each one installed is in use. */
static void wait_for_sink_call(long calls) {
    for (int i = 0; i < 2000 && load_long(&sink_calls) == calls; i++) sleep_ms(1);
}

static void replace_rounds(long slow, int rounds) {
    long violations_before = load_long(&sink_violations), calls_before = load_long(&sink_calls);
    struct sink *old = NULL;
    for (int i = 0; i < rounds; i++) {
        struct sink *s = new_sink(i % 3, slow);
        long calls = load_long(&sink_calls);
        CHECK(oauthcc_set_log_callback(SINKS[i % 3], OAUTHCC_LOG_DEBUG, s) == OAUTHCC_OK);
        retire_sink(old); /* the replaced callback is done: its data goes at once */
        old = s;
        wait_for_sink_call(calls);
    }
    CHECK(oauthcc_set_log_callback(NULL, OAUTHCC_LOG_DEBUG, NULL) == OAUTHCC_OK);
    retire_sink(old);
    long violations = load_long(&sink_violations) - violations_before;
    printf("    %s callbacks: %d replacements, %ld callback calls, %ld calls after replacement\n",
           slow ? "slow" : "fast", rounds, load_long(&sink_calls) - calls_before, violations);
    CHECK(load_long(&sink_calls) > calls_before);
    CHECK(violations == 0);
}

static void case_replace(void) {
    struct loggers l;
    loggers_start(&l, 4);
    replace_rounds(0, 200);
    replace_rounds(1, 200);
    loggers_stop(&l);
    CHECK(l.calls > 0);
}

/* Case 6: the callback on the designated thread installs a fresh copy of itself, then frees its
 * old user data at once (other threads may still be running it, slowly, until
 * oauthcc_set_log_callback returns); elsewhere it behaves as the slow sink. */
static long self_replacements, self_replace_errors;
static struct sink *self_sink; /* the data the self-replacing callback was last installed with */

static void self_replacing(int32_t level, const char *message, void *user_data);

static void self_replace_from(void *user_data) {
    const struct sink *old = user_data;
    if (!sink_valid(old, 3)) {
        add_long(&sink_violations, 1);
        return;
    }
    struct sink *fresh = new_sink(3, old->slow);
    if (oauthcc_set_log_callback(self_replacing, OAUTHCC_LOG_DEBUG, fresh) != OAUTHCC_OK)
        add_long(&self_replace_errors, 1);
    self_sink = fresh;
    add_long(&self_replacements, 1);
    retire_sink(user_data); /* and touches it no more */
}

static void self_replacing(int32_t level, const char *message, void *user_data) {
    (void)level;
    (void)message;
    if (has_role(&ROLE_TARGET)) self_replace_from(user_data);
    else sink_check(3, user_data);
}

/* Every thread's callback replaces itself, with the same user data: deadlock check only. */
static struct sink shared_sink = {SINK_MAGIC, 4, 0};
static long everyone_replacements;
static void everyone_replacing(int32_t level, const char *message, void *user_data) {
    (void)level;
    (void)message;
    if (oauthcc_set_log_callback(everyone_replacing, OAUTHCC_LOG_DEBUG, user_data) != OAUTHCC_OK)
        add_long(&self_replace_errors, 1);
    add_long(&everyone_replacements, 1);
}

static void case_self_replace(void) {
    /* Alone: the callback replaces itself (with itself) and returns. */
    oauthcc_client *client = refusing_client();
    oauthcc_token *token = NULL;
    set_role(&ROLE_TARGET);
    self_sink = new_sink(3, 1);
    CHECK(oauthcc_set_log_callback(self_replacing, OAUTHCC_LOG_DEBUG, self_sink) == OAUTHCC_OK);
    CHECK(oauthcc_client_get_token(client, NULL, NULL, &token) == OAUTHCC_TRANSPORT);
    CHECK(load_long(&self_replacements) >= 1);
    oauthcc_client_free(client);
    close(closed_socket);

    /* With 3 threads running it slowly: they must be done with the old data when it is freed. */
    struct loggers l;
    loggers_start(&l, 3);
    client = refusing_client();
    long violations_before = load_long(&sink_violations);
    for (int i = 0; i < 100; i++) {
        long calls = load_long(&sink_calls);
        CHECK(oauthcc_client_get_token(client, NULL, NULL, &token) == OAUTHCC_TRANSPORT);
        wait_for_sink_call(calls);
    }
    long violations = load_long(&sink_violations) - violations_before;
    printf("    self-replacing callback: %ld replacements, %ld calls on other threads, %ld after replacement\n",
           load_long(&self_replacements), load_long(&sink_calls), violations);
    CHECK(load_long(&self_replacements) >= 101); /* at least one line per call on this thread */
    CHECK(violations == 0);

    /* Every thread's callback replaces itself at once. */
    CHECK(oauthcc_set_log_callback(everyone_replacing, OAUTHCC_LOG_DEBUG, &shared_sink) == OAUTHCC_OK);
    retire_sink(self_sink);
    for (int i = 0; i < 100; i++) {
        CHECK(oauthcc_client_get_token(client, NULL, NULL, &token) == OAUTHCC_TRANSPORT);
    }
    loggers_stop(&l);
    CHECK(oauthcc_set_log_callback(NULL, OAUTHCC_LOG_DEBUG, NULL) == OAUTHCC_OK);
    printf("    every thread replacing: %ld replacements\n", load_long(&everyone_replacements));
    CHECK(load_long(&everyone_replacements) >= 100);
    CHECK(load_long(&self_replace_errors) == 0);
    oauthcc_client_free(client);
}

/* ---- the runner ------------------------------------------------------------------------------- */

struct test_case {
    const char *name;
    void (*run)(void);
    const char *checks;
};

static const struct test_case CASES[] = {
    {"cancel", case_cancel, "pthread_cancel of a thread blocked in get_token(/slow)"},
    {"exit", case_exit, "pthread_exit from a log callback"},
    {"reentrant", case_reentrant, "a WARN callback calling cache_stats/get_cached_token"},
    {"blocking", case_blocking, "a blocked callback on thread A, get_cached_token on thread B"},
    {"replace", case_replace, "set_log_callback returns once the old callback is done"},
    {"self", case_self_replace, "a callback replacing itself"},
};

static char watchdog_message[256];

static void on_watchdog(int signal_number) {
    (void)signal_number;
    ssize_t ignored = write(STDOUT_FILENO, watchdog_message, strlen(watchdog_message));
    (void)ignored;
    _exit(2);
}

static void run_child(const struct test_case *c) {
    snprintf(watchdog_message, sizeof watchdog_message,
             "    WATCHDOG: case %s hung for %d s (deadlock?)\n", c->name, WATCHDOG_SECONDS);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_watchdog;
    sigaction(SIGALRM, &action, NULL);
    alarm(WATCHDOG_SECONDS);
    pthread_key_create(&role_key, NULL);
    c->run();
    alarm(0);
    printf("    %d checks passed, %d failed\n", passed, failed);
    fflush(stdout);
    _exit(failed == 0 ? 0 : 1);
}

/* Runs one case in a child; returns whether it passed. */
static int run_case(const struct test_case *c) {
    printf("case %s: %s\n", c->name, c->checks);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 0;
    }
    if (pid == 0) run_child(c);
    int status = 0;
    pid_t done = 0;
    /* The child's own watchdog should fire first; this one also covers a wedged watchdog. */
    for (int i = 0; i < (WATCHDOG_SECONDS + 30) * 50 && (done = waitpid(pid, &status, WNOHANG)) == 0; i++)
        sleep_ms(20);
    if (done == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        printf("case %s: FAIL (hung, killed by the parent)\n", c->name);
        return 0;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        printf("case %s: PASS\n", c->name);
        return 1;
    }
    if (WIFSIGNALED(status))
        printf("case %s: FAIL (killed by signal %d, %s)\n", c->name, WTERMSIG(status), strsignal(WTERMSIG(status)));
    else if (WEXITSTATUS(status) == 1)
        printf("case %s: FAIL (exit 1: checks failed)\n", c->name);
    else if (WEXITSTATUS(status) == 2)
        printf("case %s: FAIL (exit 2: hung, stopped by the watchdog)\n", c->name);
    else
        printf("case %s: FAIL (exit %d%s)\n", c->name, WEXITSTATUS(status),
               WEXITSTATUS(status) == 99 ? ": valgrind found errors" : "");
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s BASE_URL [CASE]\n", argv[0]);
        return 2;
    }
    base_url = argv[1];
    if (sscanf(base_url, "http://%63[^:/]:%d", server_host, &server_port) != 2) {
        fprintf(stderr, "BASE_URL must be http://HOST:PORT (the local token server)\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    int cases_passed = 0, cases_failed = 0, ran = 0;
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        if (argc == 3 && strcmp(argv[2], CASES[i].name) != 0) continue;
        ran++;
        if (run_case(&CASES[i])) cases_passed++;
        else cases_failed++;
    }
    if (ran == 0) {
        fprintf(stderr, "no case named %s\n", argv[2]);
        return 2;
    }
    printf("%d passed, %d failed\n", cases_passed, cases_failed);
    return cases_failed == 0 ? 0 : 1;
}
