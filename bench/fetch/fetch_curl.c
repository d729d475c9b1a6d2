/*
 * What a C user writes instead of liboauthcc: one reused libcurl easy handle (TLS sessions kept in
 * a share handle), POST grant_type=client_credentials with HTTP Basic, the answer parsed with
 * jansson, access_token copied out and expires_in read; 1 + N fetches, the first untimed.
 *
 *   fetch_curl TOKEN_URL N [CA_FILE]     (N = 0: a cold start, one token and exit)
 */
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "fetch_common.h"

struct buffer {
    char *data;
    size_t length, capacity;
};

static size_t on_body(char *chunk, size_t size, size_t count, void *user) {
    struct buffer *b = user;
    size_t n = size * count;
    if (b->length + n > b->capacity) {
        size_t capacity = b->capacity ? b->capacity * 2 : 4096;
        while (capacity < b->length + n) capacity *= 2;
        char *data = realloc(b->data, capacity);
        if (!data) return 0;
        b->data = data;
        b->capacity = capacity;
    }
    memcpy(b->data + b->length, chunk, n);
    b->length += n;
    return n;
}

static int fetch(CURL *curl, struct buffer *body) {
    body->length = 0;
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        fprintf(stderr, "curl: %s\n", curl_easy_strerror(rc));
        return 0;
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    json_error_t error;
    json_t *root = status == 200 ? json_loadb(body->data, body->length, 0, &error) : NULL;
    json_t *access_token = json_object_get(root, "access_token");
    json_t *expires_in = json_object_get(root, "expires_in");
    int ok = json_is_string(access_token) && json_string_length(access_token) > 0 && json_is_integer(expires_in);
    if (ok) {
        char *bearer = strdup(json_string_value(access_token));
        long long lifetime = json_integer_value(expires_in);
        ok = bearer != NULL && lifetime > 0;
        free(bearer);
    } else {
        fprintf(stderr, "bad answer: HTTP %ld\n", status);
    }
    json_decref(root);
    return ok;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s TOKEN_URL N [CA_FILE]\n", argv[0]);
        return 2;
    }
    long n = parse_count(argv[2]);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLSH *share = curl_share_init();
    CURL *curl = curl_easy_init();
    struct buffer body = {0};
    if (!share || !curl) return 1;
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_easy_setopt(curl, CURLOPT_SHARE, share);
    curl_easy_setopt(curl, CURLOPT_URL, argv[1]);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERPWD, CLIENT_ID ":" CLIENT_SECRET);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "grant_type=client_credentials");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30000L);
    if (argc == 4) curl_easy_setopt(curl, CURLOPT_CAINFO, argv[3]);
    if (!fetch(curl, &body)) return 1;
    struct mark begin = mark_now();
    for (long i = 0; i < n; i++)
        if (!fetch(curl, &body)) return 1;
    struct mark end = mark_now();
    curl_easy_cleanup(curl);
    curl_share_cleanup(share);
    curl_global_cleanup();
    free(body.data);
    report(n, begin, end);
    return 0;
}
