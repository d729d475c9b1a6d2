/*
 * get_token: prints a token as JSON.
 *
 *   get_token [--revoke] CONFIG.json [SCOPE...]
 *
 * CONFIG.json is a simple-oauth2 configuration object. With --revoke the token is revoked
 * (access and refresh token, RFC 7009) after it is printed. On failure the status name and the
 * error record go to stderr and the exit status is 1 (2 for a usage or file error).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oauthcc.h>

static char *read_file(const char *path) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    char *text = NULL;
    size_t length = 0, capacity = 0, got;
    char chunk[4096];
    while ((got = fread(chunk, 1, sizeof chunk, file)) > 0) {
        if (length + got + 1 > capacity) {
            capacity = (length + got + 1) * 2;
            char *grown = realloc(text, capacity);
            if (!grown) { free(text); fclose(file); return NULL; }
            text = grown;
        }
        memcpy(text + length, chunk, got);
        length += got;
    }
    fclose(file);
    if (!text) text = calloc(1, 1);
    else text[length] = '\0';
    return text;
}

/* {"scope":["a","b"]} from the arguments; scopes are plain tokens (RFC 6749 §3.3: no quotes or backslashes). */
static char *scope_params(int count, char **scopes) {
    size_t size = 16;
    for (int i = 0; i < count; i++) size += strlen(scopes[i]) + 3;
    char *json = malloc(size);
    if (!json) return NULL;
    strcpy(json, "{\"scope\":[");
    for (int i = 0; i < count; i++) {
        if (strpbrk(scopes[i], "\"\\")) { free(json); return NULL; }
        if (i) strcat(json, ",");
        strcat(json, "\"");
        strcat(json, scopes[i]);
        strcat(json, "\"");
    }
    strcat(json, "]}");
    return json;
}

static int fail(oauthcc_status status) {
    char *record = NULL;
    fprintf(stderr, "%s\n", oauthcc_status_name(status));
    if (oauthcc_last_error_json(&record) == OAUTHCC_OK) fprintf(stderr, "%s\n", record);
    oauthcc_string_free(record);
    return 1;
}

int main(int argc, char **argv) {
    int revoke = argc > 1 && strcmp(argv[1], "--revoke") == 0;
    if (revoke) {
        argv++;
        argc--;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: %s [--revoke] CONFIG.json [SCOPE...]\n", argv[0]);
        return 2;
    }
    char *config = read_file(argv[1]);
    if (!config) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    char *params = argc > 2 ? scope_params(argc - 2, argv + 2) : NULL;
    if (argc > 2 && !params) {
        fprintf(stderr, "scopes may not contain quotes or backslashes\n");
        free(config);
        return 2;
    }

    oauthcc_client *client = NULL;
    oauthcc_token *token = NULL;
    char *json = NULL;
    oauthcc_status status = oauthcc_client_new(config, &client);
    if (status == OAUTHCC_OK) status = oauthcc_client_get_token(client, params, NULL, &token);
    if (status == OAUTHCC_OK) status = oauthcc_token_to_json(token, &json);
    if (json) {
        printf("%s\n", json);
        fflush(stdout);
    }
    if (status == OAUTHCC_OK && revoke) status = oauthcc_token_revoke_all(token, NULL);
    int exit_code = status == OAUTHCC_OK ? 0 : fail(status);

    oauthcc_string_free(json);
    oauthcc_token_free(token);
    oauthcc_client_free(client);
    free(params);
    free(config);
    return exit_code;
}
