/*
 * Token fetch loop through liboauthcc: one client, then 1 + N calls of oauthcc_client_get_token
 * (the first one, untimed, connects), each followed by oauthcc_token_access_token and the frees.
 *
 *   fetch_oauthcc TOKEN_HOST N [CA_FILE]     (N = 0: a cold start, one token and exit)
 */
#include <string.h>

#include "fetch_common.h"
#include "oauthcc.h"

static int fetch(const oauthcc_client *client) {
    oauthcc_token *token = NULL;
    char *bearer = NULL;
    oauthcc_status st = oauthcc_client_get_token(client, NULL, NULL, &token);
    if (st == OAUTHCC_OK) st = oauthcc_token_access_token(token, &bearer);
    int ok = st == OAUTHCC_OK && bearer[0] != '\0';
    if (!ok) fprintf(stderr, "%s: %s\n", oauthcc_status_name(st), oauthcc_last_error_message());
    oauthcc_string_free(bearer);
    oauthcc_token_free(token);
    return ok;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s TOKEN_HOST N [CA_FILE]\n", argv[0]);
        return 2;
    }
    long n = parse_count(argv[2]);
    char config[1024], transport[600] = "";
    if (argc == 4) snprintf(transport, sizeof transport, ",\"caFile\":\"%s\"", argv[3]);
    snprintf(config, sizeof config,
             "{\"client\":{\"id\":\"" CLIENT_ID "\",\"secret\":\"" CLIENT_SECRET "\"},"
             "\"auth\":{\"tokenHost\":\"%s\"},\"transport\":{\"proxy\":false%s}}",
             argv[1], transport);
    oauthcc_client *client = NULL;
    if (oauthcc_client_new(config, &client) != OAUTHCC_OK) {
        fprintf(stderr, "oauthcc_client_new: %s\n", oauthcc_last_error_message());
        return 1;
    }
    if (!fetch(client)) return 1;
    struct mark begin = mark_now();
    for (long i = 0; i < n; i++)
        if (!fetch(client)) return 1;
    struct mark end = mark_now();
    oauthcc_client_free(client);
    report(n, begin, end);
    return 0;
}
