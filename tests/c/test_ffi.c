/*
 * Calls every exported function of liboauthcc, with good arguments and bad ones (NULLs, invalid
 * UTF-8, malformed and hostile JSON), against the local token server at argv[1].
 * Run under valgrind in CI. Prints "N passed, N failed" and exits non-zero on any failure.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "oauthcc.h"


/* Every failing call's error record is also scanned for the secrets this suite uses. */
#define CHECK_STATUS(call, expected)                                    \
    do {                                                                \
        oauthcc_status status_ = (call);                                \
        CHECK(status_ == (expected));                                   \
        if (status_ != OAUTHCC_OK) CHECK(error_record_has_no_secret()); \
    } while (0)

static const char *const SUITE_SECRETS[] = {"demo-secret", "wrong-secret", "hunter2-secret"};

static int error_record_has_no_secret(void) {
    char *json = NULL;
    if (oauthcc_last_error_json(&json) != OAUTHCC_OK || json == NULL) return 0;
    int clean = 1;
    for (size_t i = 0; i < sizeof SUITE_SECRETS / sizeof SUITE_SECRETS[0]; i++) {
        if (strstr(json, SUITE_SECRETS[i])) {
            fprintf(stderr, "    secret in error record: %s\n", json);
            clean = 0;
        }
    }
    oauthcc_string_free(json);
    return clean;
}

static const char *base_url;
static oauthcc_token *const SENTINEL_TOKEN = (oauthcc_token *)&passed;

static char *config_for(const char *secret, const char *token_path) {
    char *json = malloc(1024);
    snprintf(json, 1024,
             "{\"client\":{\"id\":\"demo-client\",\"secret\":\"%s\"},"
             "\"auth\":{\"tokenHost\":\"%s\",\"tokenPath\":\"%s\"},"
             "\"http\":{\"headers\":{\"User-Agent\":\"oauthcc-c-test\"}},"
             "\"transport\":{\"retry\":{\"initialDelay\":10,\"maxDelay\":50}}}",
             secret, base_url, token_path);
    return json;
}

static oauthcc_client *client_for(const char *secret, const char *token_path) {
    char *json = config_for(secret, token_path);
    oauthcc_client *client = NULL;
    CHECK_STATUS(oauthcc_client_new(json, &client), OAUTHCC_OK);
    free(json);
    return client;
}

/* The last error record as JSON contains `needle`. */
static int last_error_contains(const char *needle) {
    char *json = NULL;
    if (oauthcc_last_error_json(&json) != OAUTHCC_OK || json == NULL) return 0;
    int found = strstr(json, needle) != NULL;
    if (!found) fprintf(stderr, "    error record: %s\n", json);
    oauthcc_string_free(json);
    return found;
}

/* The last error record as JSON does not contain `needle`. */
static int last_error_lacks(const char *needle) {
    char *json = NULL;
    if (oauthcc_last_error_json(&json) != OAUTHCC_OK || json == NULL) return 0;
    int absent = strstr(json, needle) == NULL;
    oauthcc_string_free(json);
    return absent;
}

static void test_static_strings(void) {
    CHECK(strcmp(oauthcc_version(), "0.1.0") == 0);
    CHECK(strcmp(oauthcc_status_name(OAUTHCC_OK), "OAUTHCC_OK") == 0);
    CHECK(strcmp(oauthcc_status_name(OAUTHCC_INVALID_ARGUMENT), "OAUTHCC_INVALID_ARGUMENT") == 0);
    CHECK(strcmp(oauthcc_status_name(OAUTHCC_INVALID_CONFIG), "OAUTHCC_INVALID_CONFIG") == 0);
    CHECK(strcmp(oauthcc_status_name(OAUTHCC_TRANSPORT), "OAUTHCC_TRANSPORT") == 0);
    CHECK(strcmp(oauthcc_status_name(OAUTHCC_TIMEOUT), "OAUTHCC_TIMEOUT") == 0);
    CHECK(strcmp(oauthcc_status_name(OAUTHCC_HTTP_ERROR), "OAUTHCC_HTTP_ERROR") == 0);
    CHECK(strcmp(oauthcc_status_name(OAUTHCC_OAUTH_ERROR), "OAUTHCC_OAUTH_ERROR") == 0);
    CHECK(strcmp(oauthcc_status_name(OAUTHCC_INVALID_RESPONSE), "OAUTHCC_INVALID_RESPONSE") == 0);
    CHECK(strcmp(oauthcc_status_name(OAUTHCC_INTERNAL), "OAUTHCC_INTERNAL") == 0);
    CHECK(strcmp(oauthcc_status_name(-1), "OAUTHCC_UNKNOWN") == 0);
    CHECK(strcmp(oauthcc_status_name(9), "OAUTHCC_UNKNOWN") == 0);
    CHECK(strcmp(oauthcc_status_name(INT32_MIN), "OAUTHCC_UNKNOWN") == 0);
}

static void test_no_error_yet(void) {
    char *json = NULL;
    CHECK(oauthcc_last_error_message() == NULL);
    CHECK_STATUS(oauthcc_last_error_json(&json), OAUTHCC_OK);
    CHECK(json != NULL && strcmp(json, "null") == 0);
    oauthcc_string_free(json);
    CHECK_STATUS(oauthcc_last_error_json(NULL), OAUTHCC_INVALID_ARGUMENT);
}

static void test_client_new_rejects_bad_input(void) {
    oauthcc_client *client = (oauthcc_client *)&passed;
    CHECK_STATUS(oauthcc_client_new(NULL, &client), OAUTHCC_INVALID_ARGUMENT);
    CHECK(client == NULL);
    CHECK(strcmp(oauthcc_last_error_message(), "config_json is NULL") == 0);
    CHECK_STATUS(oauthcc_client_new("{}", NULL), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_client_new("{\"client\":{\"id\":\"\xff\xfe\"}}", &client), OAUTHCC_INVALID_ARGUMENT);
    CHECK(last_error_contains("not valid UTF-8"));
    CHECK_STATUS(oauthcc_client_new("{\"client\": ", &client), OAUTHCC_INVALID_CONFIG);
    CHECK(last_error_contains("not valid JSON"));
    CHECK_STATUS(oauthcc_client_new("[]", &client), OAUTHCC_INVALID_CONFIG);

    const char *unknown = "{\"client\":{\"id\":\"a\",\"secret\":\"hunter2-secret\",\"sekret\":1},"
                          "\"auth\":{\"tokenHost\":\"https://h\"}}";
    CHECK_STATUS(oauthcc_client_new(unknown, &client), OAUTHCC_INVALID_CONFIG);
    CHECK(strcmp(oauthcc_last_error_message(), "client.sekret is not a known key") == 0);
    CHECK(last_error_lacks("hunter2-secret"));
    CHECK(last_error_contains("\"status\":\"OAUTHCC_INVALID_CONFIG\""));
    CHECK(last_error_contains("\"http_status\":null"));
    CHECK(client == NULL);
}

static void test_get_token_and_token_functions(void) {
    oauthcc_client *client = client_for("demo-secret", "/oauth/token");
    oauthcc_token *token = SENTINEL_TOKEN;
    CHECK_STATUS(oauthcc_client_get_token(client, NULL, NULL, &token), OAUTHCC_OK);
    CHECK(token != NULL && token != SENTINEL_TOKEN);

    char *access = NULL, *json = NULL;
    CHECK_STATUS(oauthcc_token_access_token(token, &access), OAUTHCC_OK);
    CHECK(access != NULL && strlen(access) > 10);
    CHECK_STATUS(oauthcc_token_to_json(token, &json), OAUTHCC_OK);
    CHECK(json != NULL && strstr(json, access) != NULL);
    CHECK(json != NULL && strstr(json, "\"expires_at\":\"") != NULL && strstr(json, "Z\"") != NULL);

    bool expired = true;
    CHECK_STATUS(oauthcc_token_expired(token, 0, &expired), OAUTHCC_OK);
    CHECK(!expired);
    CHECK_STATUS(oauthcc_token_expired(token, 7200, &expired), OAUTHCC_OK);
    CHECK(expired);
    CHECK_STATUS(oauthcc_token_expired(token, INT64_MAX, &expired), OAUTHCC_OK);
    CHECK_STATUS(oauthcc_token_expired(token, INT64_MIN, &expired), OAUTHCC_OK);
    CHECK(!expired);
    CHECK_STATUS(oauthcc_token_expired(token, 0, NULL), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_token_expired(NULL, 0, &expired), OAUTHCC_INVALID_ARGUMENT);
    oauthcc_string_free(json);
    char *untouched = (char *)"x";
    CHECK_STATUS(oauthcc_token_access_token(NULL, &untouched), OAUTHCC_INVALID_ARGUMENT);
    CHECK(untouched == NULL);
    CHECK_STATUS(oauthcc_token_access_token(token, NULL), OAUTHCC_INVALID_ARGUMENT);
    untouched = (char *)"x";
    CHECK_STATUS(oauthcc_token_to_json(NULL, &untouched), OAUTHCC_INVALID_ARGUMENT);
    CHECK(untouched == NULL);
    CHECK_STATUS(oauthcc_token_to_json(token, NULL), OAUTHCC_INVALID_ARGUMENT);

    /* Scopes, extra params and per-call headers. */
    oauthcc_token *scoped = NULL;
    CHECK_STATUS(oauthcc_client_get_token(client, "{\"scope\":[\"read\",\"write\"],\"audience\":\"api\"}",
                                          "{\"headers\":{\"X-Trace\":\"t1\"},\"timeout\":5000}", &scoped),
                 OAUTHCC_OK);
    CHECK_STATUS(oauthcc_token_to_json(scoped, &json), OAUTHCC_OK);
    CHECK(json != NULL && strstr(json, "\"scope\":\"read write\"") != NULL);
    oauthcc_string_free(json);
    oauthcc_token_free(scoped);

    /* Refresh, then revoke, and the token outlives its client. */
    oauthcc_client_free(client);
    oauthcc_token *refreshed = NULL;
    CHECK_STATUS(oauthcc_token_refresh(token, "{\"scope\":\"read\"}", NULL, &refreshed), OAUTHCC_OK);
    char *new_access = NULL;
    CHECK_STATUS(oauthcc_token_access_token(refreshed, &new_access), OAUTHCC_OK);
    CHECK(new_access != NULL && access != NULL && strcmp(new_access, access) != 0);
    CHECK_STATUS(oauthcc_token_revoke(refreshed, "access_token", NULL), OAUTHCC_OK);
    CHECK_STATUS(oauthcc_token_revoke(refreshed, "refresh_token", "{\"timeout\":5000}"), OAUTHCC_OK);
    CHECK_STATUS(oauthcc_token_revoke(refreshed, "id_token", NULL), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_token_revoke(refreshed, NULL, NULL), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_token_revoke(refreshed, "\xc3\x28", NULL), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_token_revoke(NULL, "access_token", NULL), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_token_revoke(refreshed, "access_token", "{\"bogus\":1}"), OAUTHCC_INVALID_ARGUMENT);
    CHECK(strcmp(oauthcc_last_error_message(), "httpOptions.bogus is not a known key") == 0);
    CHECK_STATUS(oauthcc_token_revoke_all(token, NULL), OAUTHCC_OK);
    CHECK_STATUS(oauthcc_token_revoke_all(NULL, NULL), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_token_revoke_all(token, "not json"), OAUTHCC_INVALID_ARGUMENT);

    oauthcc_token *out = SENTINEL_TOKEN;
    CHECK_STATUS(oauthcc_token_refresh(NULL, NULL, NULL, &out), OAUTHCC_INVALID_ARGUMENT);
    CHECK(out == NULL);
    CHECK_STATUS(oauthcc_token_refresh(token, NULL, NULL, NULL), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_token_refresh(token, "[1]", NULL, &out), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_token_refresh(token, NULL, "{\"timeout\":-1}", &out), OAUTHCC_INVALID_ARGUMENT);

    oauthcc_string_free(new_access);
    oauthcc_string_free(access);
    oauthcc_token_free(refreshed);
    oauthcc_token_free(token);
}

static void test_get_token_rejects_bad_arguments(void) {
    oauthcc_client *client = client_for("demo-secret", "/oauth/token");
    oauthcc_token *token = SENTINEL_TOKEN;
    CHECK_STATUS(oauthcc_client_get_token(NULL, NULL, NULL, &token), OAUTHCC_INVALID_ARGUMENT);
    CHECK(token == NULL);
    CHECK_STATUS(oauthcc_client_get_token(client, NULL, NULL, NULL), OAUTHCC_INVALID_ARGUMENT);
    token = SENTINEL_TOKEN;
    CHECK_STATUS(oauthcc_client_get_token(client, "{\"scope\":\"\xe2\x28\xa1\"}", NULL, &token), OAUTHCC_INVALID_ARGUMENT);
    CHECK(token == NULL);
    CHECK_STATUS(oauthcc_client_get_token(client, "{\"scope\":", NULL, &token), OAUTHCC_INVALID_ARGUMENT);
    CHECK(last_error_contains("params_json is not valid JSON"));
    CHECK_STATUS(oauthcc_client_get_token(client, "\"scope\"", NULL, &token), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_client_get_token(client, "{\"scope\":42}", NULL, &token), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_client_get_token(client, NULL, "{\"headers\":{\"X\":1}}", &token), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_client_get_token(client, NULL, "{\"headers\":{\"X\":\"a\\r\\nB: c\"}}", &token),
                 OAUTHCC_INVALID_ARGUMENT);

    /* Hostile JSON: nesting far past any sane depth fails cleanly. */
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    CHECK_STATUS(oauthcc_client_get_token(client, deep, NULL, &token), OAUTHCC_INVALID_ARGUMENT);
    oauthcc_token *created = SENTINEL_TOKEN;
    CHECK_STATUS(oauthcc_client_create_token(client, deep, &created), OAUTHCC_INVALID_ARGUMENT);
    CHECK(created == NULL);
    free(deep);
    oauthcc_client_free(client);
}

static void test_create_token(void) {
    oauthcc_client *client = client_for("demo-secret", "/oauth/token");
    oauthcc_token *token = NULL;
    const char *stored = "{\"access_token\":\"stored\",\"refresh_token\":\"r\",\"expires_at\":\"2020-01-01T00:00:00Z\",\"x\":[1]}";
    CHECK_STATUS(oauthcc_client_create_token(client, stored, &token), OAUTHCC_OK);
    bool expired = false;
    CHECK_STATUS(oauthcc_token_expired(token, 0, &expired), OAUTHCC_OK);
    CHECK(expired);
    char *json = NULL;
    CHECK_STATUS(oauthcc_token_to_json(token, &json), OAUTHCC_OK);
    CHECK(json != NULL && strcmp(json, "{\"access_token\":\"stored\",\"refresh_token\":\"r\","
                                       "\"expires_at\":\"2020-01-01T00:00:00.000Z\",\"x\":[1]}") == 0);
    oauthcc_string_free(json);
    oauthcc_token_free(token);

    token = SENTINEL_TOKEN;
    CHECK_STATUS(oauthcc_client_create_token(client, NULL, &token), OAUTHCC_INVALID_ARGUMENT);
    CHECK(token == NULL);
    CHECK_STATUS(oauthcc_client_create_token(NULL, "{}", &token), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_client_create_token(client, "{}", NULL), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_client_create_token(client, "{\"expires_at\":\"tomorrow\"}", &token), OAUTHCC_INVALID_ARGUMENT);
    CHECK(last_error_contains("expires_at"));
    /* A token that could inject headers (here a NUL) is refused when stored, not when read. */
    CHECK_STATUS(oauthcc_client_create_token(client, "{\"access_token\":\"a\\u0000b\"}", &token),
                 OAUTHCC_INVALID_ARGUMENT);
    CHECK(token == NULL);
    CHECK(last_error_contains("access_token holds characters other than visible ASCII"));
    char *access = NULL;

    CHECK_STATUS(oauthcc_client_create_token(client, "{\"token_type\":\"bearer\"}", &token), OAUTHCC_OK);
    CHECK_STATUS(oauthcc_token_access_token(token, &access), OAUTHCC_INVALID_RESPONSE);
    oauthcc_token *refreshed = SENTINEL_TOKEN;
    CHECK_STATUS(oauthcc_token_refresh(token, NULL, NULL, &refreshed), OAUTHCC_INVALID_ARGUMENT);
    CHECK(refreshed == NULL);
    CHECK_STATUS(oauthcc_token_revoke(token, "refresh_token", NULL), OAUTHCC_INVALID_ARGUMENT);
    oauthcc_token_free(token);
    oauthcc_client_free(client);
}

static void test_server_failures(void) {
    oauthcc_token *token = SENTINEL_TOKEN;
    oauthcc_client *wrong_secret = client_for("wrong-secret", "/oauth/token");
    CHECK_STATUS(oauthcc_client_get_token(wrong_secret, NULL, NULL, &token), OAUTHCC_OAUTH_ERROR);
    CHECK(token == NULL);
    CHECK(last_error_contains("\"error\":\"invalid_client\""));
    CHECK(last_error_contains("\"http_status\":401"));
    CHECK(last_error_contains("\"error_description\":\"client authentication failed\""));
    CHECK(last_error_lacks("wrong-secret"));
    oauthcc_client_free(wrong_secret);

    oauthcc_client *slow = client_for("demo-secret", "/slow");
    CHECK_STATUS(oauthcc_client_get_token(slow, NULL, "{\"timeout\":200}", &token), OAUTHCC_TIMEOUT);
    oauthcc_client_free(slow);

    oauthcc_client *refused = NULL;
    CHECK_STATUS(oauthcc_client_new("{\"client\":{\"id\":\"a\"},\"auth\":{\"tokenHost\":\"http://127.0.0.1:1\"}}", &refused),
                 OAUTHCC_OK);
    CHECK_STATUS(oauthcc_client_get_token(refused, NULL, NULL, &token), OAUTHCC_TRANSPORT);
    CHECK(token == NULL);
    oauthcc_client_free(refused);
}

static char *access_token_of(const oauthcc_token *token) {
    char *access = NULL;
    CHECK_STATUS(oauthcc_token_access_token(token, &access), OAUTHCC_OK);
    return access;
}

static void test_cache(void) {
    oauthcc_client *client = client_for("demo-secret", "/oauth/token");
    oauthcc_token *first = NULL, *second = NULL, *third = NULL;
    CHECK_STATUS(oauthcc_client_get_cached_token(client, "{\"scope\":[\"read\",\"write\"]}", &first), OAUTHCC_OK);
    CHECK_STATUS(oauthcc_client_get_cached_token(client, "{\"scope\":\"write read\"}", &second), OAUTHCC_OK);
    char *a = access_token_of(first), *b = access_token_of(second);
    CHECK(a && b && strcmp(a, b) == 0);

    char *stats = NULL;
    CHECK_STATUS(oauthcc_client_cache_stats(client, "{\"scope\":[\"write\",\"read\"]}", &stats), OAUTHCC_OK);
    CHECK(stats && strstr(stats, "\"cached\":true") && strstr(stats, "\"fetches\":1") && strstr(stats, "\"last_error\":null"));
    oauthcc_string_free(stats);

    CHECK_STATUS(oauthcc_client_invalidate(client, "{\"scope\":\"read write\"}"), OAUTHCC_OK);
    CHECK_STATUS(oauthcc_client_get_cached_token(client, "{\"scope\":\"read write\"}", &third), OAUTHCC_OK);
    char *c = access_token_of(third);
    CHECK(a && c && strcmp(a, c) != 0);

    /* The slot: bearer copies into the caller's buffer. */
    oauthcc_cache_slot *slot = NULL;
    CHECK_STATUS(oauthcc_client_cache_slot(client, "{\"scope\":[\"write\",\"read\"]}", &slot), OAUTHCC_OK);
    char buffer[256];
    size_t length = 0;
    CHECK_STATUS(oauthcc_cache_slot_bearer(slot, buffer, sizeof buffer, &length), OAUTHCC_OK);
    CHECK(c && length == strlen(c) && strcmp(buffer, c) == 0);
    size_t needed = 0;
    CHECK_STATUS(oauthcc_cache_slot_bearer(slot, NULL, 0, &needed), OAUTHCC_INVALID_ARGUMENT);
    CHECK(needed == length);
    CHECK_STATUS(oauthcc_cache_slot_bearer(slot, buffer, length, &needed), OAUTHCC_INVALID_ARGUMENT);
    CHECK(last_error_contains("buffer is too small"));
    CHECK_STATUS(oauthcc_cache_slot_bearer(slot, buffer, sizeof buffer, NULL), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_cache_slot_bearer(NULL, buffer, sizeof buffer, &length), OAUTHCC_INVALID_ARGUMENT);
    oauthcc_token *from_slot = SENTINEL_TOKEN;
    CHECK_STATUS(oauthcc_cache_slot_token(slot, &from_slot), OAUTHCC_OK);
    char *d = access_token_of(from_slot);
    CHECK(c && d && strcmp(c, d) == 0);
    CHECK_STATUS(oauthcc_cache_slot_invalidate(slot), OAUTHCC_OK);
    CHECK_STATUS(oauthcc_cache_slot_bearer(slot, buffer, sizeof buffer, &length), OAUTHCC_OK);
    CHECK(c && strcmp(buffer, c) != 0);

    /* Bad arguments. */
    oauthcc_token *none = SENTINEL_TOKEN;
    CHECK_STATUS(oauthcc_client_get_cached_token(NULL, NULL, &none), OAUTHCC_INVALID_ARGUMENT);
    CHECK(none == NULL);
    CHECK_STATUS(oauthcc_client_get_cached_token(client, NULL, NULL), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_client_get_cached_token(client, "{\"scope\":", &none), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_client_get_cached_token(client, "{\"scope\":{}}", &none), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_client_invalidate(NULL, NULL), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_client_invalidate(client, "\xff"), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_client_cache_stats(client, NULL, NULL), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_client_cache_stats(NULL, NULL, &stats), OAUTHCC_INVALID_ARGUMENT);
    oauthcc_cache_slot *no_slot = (oauthcc_cache_slot *)&passed;
    CHECK_STATUS(oauthcc_client_cache_slot(client, "[]", &no_slot), OAUTHCC_INVALID_ARGUMENT);
    CHECK(no_slot == NULL);
    CHECK_STATUS(oauthcc_client_cache_slot(NULL, NULL, &no_slot), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_client_cache_slot(client, NULL, NULL), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_cache_slot_token(NULL, &none), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_cache_slot_token(slot, NULL), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_cache_slot_invalidate(NULL), OAUTHCC_INVALID_ARGUMENT);

    /* A failing fetch: the error and the stats record it; the slot outlives its client. */
    oauthcc_client *failing = client_for("wrong-secret", "/oauth/token");
    CHECK_STATUS(oauthcc_client_get_cached_token(failing, NULL, &none), OAUTHCC_OAUTH_ERROR);
    CHECK_STATUS(oauthcc_client_get_cached_token(failing, NULL, &none), OAUTHCC_OAUTH_ERROR);
    CHECK(last_error_contains("backing off"));
    CHECK_STATUS(oauthcc_client_cache_stats(failing, NULL, &stats), OAUTHCC_OK);
    CHECK(stats && strstr(stats, "\"failures\":1") && strstr(stats, "invalid_client") && strstr(stats, "\"retry_in_ms\":"));
    oauthcc_string_free(stats);
    oauthcc_client_free(failing);
    oauthcc_client_free(client);
    CHECK_STATUS(oauthcc_cache_slot_bearer(slot, buffer, sizeof buffer, &length), OAUTHCC_OK);

    oauthcc_cache_slot_free(slot);
    oauthcc_string_free(a);
    oauthcc_string_free(b);
    oauthcc_string_free(c);
    oauthcc_string_free(d);
    oauthcc_token_free(first);
    oauthcc_token_free(second);
    oauthcc_token_free(third);
    oauthcc_token_free(from_slot);
}

struct log_capture {
    pthread_mutex_t lock;
    int lines;
    int warnings;
    int debug;
    int secret_seen;
};

static void capture_log(int32_t level, const char *message, void *user_data) {
    struct log_capture *capture = user_data;
    pthread_mutex_lock(&capture->lock);
    capture->lines++;
    if (level == OAUTHCC_LOG_WARN) capture->warnings++;
    if (level == OAUTHCC_LOG_DEBUG) capture->debug++;
    if (strstr(message, "demo-secret")) capture->secret_seen = 1;
    pthread_mutex_unlock(&capture->lock);
}

/* The C subset of the failure suite (valgrind checks it leaks nothing), and the log callback. */
static void test_failure_suite(void) {
    struct log_capture capture = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0};
    CHECK_STATUS(oauthcc_set_log_callback(capture_log, OAUTHCC_LOG_DEBUG, &capture), OAUTHCC_OK);
    CHECK_STATUS(oauthcc_set_log_callback(capture_log, 0, &capture), OAUTHCC_INVALID_ARGUMENT);
    CHECK_STATUS(oauthcc_set_log_callback(capture_log, 5, &capture), OAUTHCC_INVALID_ARGUMENT);
    struct {
        const char *path;
        oauthcc_status expected;
        const char *in_record;
    } cases[] = {
        {"/flaky", OAUTHCC_OK, NULL},
        {"/busy", OAUTHCC_OK, NULL},
        {"/reset", OAUTHCC_TRANSPORT, "\"retryable\":true"},
        {"/big", OAUTHCC_INVALID_RESPONSE, "larger than 1048576 bytes"},
        {"/badutf8", OAUTHCC_INVALID_RESPONSE, "\"retryable\":false"},
        /* A 2xx body is never kept: it may hold the fresh token. */
        {"/truncated", OAUTHCC_INVALID_RESPONSE, "\"http_status\":200,\"error\":null,\"error_description\":null,\"error_uri\":null,\"body\":null"},
        {"/error/html", OAUTHCC_HTTP_ERROR, "Bad Gateway</body></html>\",\"retryable\":true,\"retry_after\":null"},
        {"/error/notjson", OAUTHCC_INVALID_RESPONSE, "\"body\":null"},
        {"/redirect", OAUTHCC_HTTP_ERROR, "\"http_status\":302"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        oauthcc_client *client = client_for("demo-secret", cases[i].path);
        oauthcc_token *token = NULL;
        oauthcc_status status = oauthcc_client_get_token(client, NULL, NULL, &token);
        if (status != cases[i].expected) fprintf(stderr, "    path %s\n", cases[i].path);
        CHECK_STATUS(status, cases[i].expected);
        CHECK((status == OAUTHCC_OK) == (token != NULL));
        if (cases[i].in_record) CHECK(last_error_contains(cases[i].in_record));
        oauthcc_token_free(token);
        oauthcc_client_free(client);
    }
    CHECK_STATUS(oauthcc_set_log_callback(NULL, OAUTHCC_LOG_DEBUG, NULL), OAUTHCC_OK);
    int warnings = capture.warnings;
    oauthcc_client *flaky = client_for("demo-secret", "/flaky");
    oauthcc_token *token = NULL;
    CHECK_STATUS(oauthcc_client_get_token(flaky, NULL, NULL, &token), OAUTHCC_OK);
    oauthcc_token_free(token);
    oauthcc_client_free(flaky);
    CHECK(capture.warnings >= 3);     /* retries of /flaky, /busy, /reset, /error/html */
    CHECK(capture.debug > 0);
    CHECK(capture.warnings == warnings); /* silent once the callback is removed */
    CHECK(!capture.secret_seen);
}

/* This thread's error record as JSON (owned), or NULL if it cannot be read. */
static char *error_record(void) {
    char *json = NULL;
    return oauthcc_last_error_json(&json) == OAUTHCC_OK ? json : NULL;
}

/* _free(NULL) does nothing: it neither makes nor clears an error record, and logs no line (a
 * panic caught inside it would log one at ERROR); a NULL dereference would end the run here. */
static void test_free_null(void) {
    oauthcc_client *client = NULL;
    CHECK_STATUS(oauthcc_client_new(NULL, &client), OAUTHCC_INVALID_ARGUMENT);
    struct log_capture capture = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0};
    CHECK_STATUS(oauthcc_set_log_callback(capture_log, OAUTHCC_LOG_DEBUG, &capture), OAUTHCC_OK);
    char *before = error_record();

    oauthcc_client_free(NULL);
    oauthcc_token_free(NULL);
    oauthcc_string_free(NULL);
    oauthcc_cache_slot_free(NULL);

    char *after = error_record();
    CHECK_STATUS(oauthcc_set_log_callback(NULL, OAUTHCC_LOG_DEBUG, NULL), OAUTHCC_OK);
    CHECK(before != NULL && strstr(before, "config_json is NULL") != NULL);
    CHECK(before != NULL && after != NULL && strcmp(before, after) == 0);
    CHECK(capture.lines == 0);
    oauthcc_string_free(before);
    oauthcc_string_free(after);
}

struct worker {
    const oauthcc_client *client;
    int ok;
    int own_error_isolated;
};

static void *worker_main(void *arg) {
    struct worker *w = arg;
    /* A fresh thread has no error record of its own, whatever other threads did. */
    w->own_error_isolated = oauthcc_last_error_message() == NULL;
    for (int i = 0; i < 5; i++) {
        oauthcc_token *token = NULL;
        if (oauthcc_client_get_token(w->client, "{\"scope\":\"read\"}", NULL, &token) == OAUTHCC_OK) w->ok++;
        oauthcc_token_free(token);
    }
    return NULL;
}

static void test_threads_share_a_client(void) {
    oauthcc_client *client = client_for("demo-secret", "/oauth/token");
    pthread_t threads[4];
    struct worker workers[4];
    for (int i = 0; i < 4; i++) {
        workers[i] = (struct worker){client, 0, 0};
        CHECK(pthread_create(&threads[i], NULL, worker_main, &workers[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        CHECK(workers[i].ok == 5);
        CHECK(workers[i].own_error_isolated);
    }
    oauthcc_client_free(client);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s BASE_URL\n", argv[0]);
        return 2;
    }
    base_url = argv[1];
    test_static_strings();
    test_no_error_yet();
    test_client_new_rejects_bad_input();
    test_get_token_and_token_functions();
    test_get_token_rejects_bad_arguments();
    test_create_token();
    test_server_failures();
    test_cache();
    test_failure_suite();
    test_free_null();
    test_threads_share_a_client();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
