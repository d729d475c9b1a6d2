/*
 * api_client: the service pattern. Calls a local HTTP API several times with
 * "Authorization: Bearer <token>", reusing one token until 5 minutes before it expires and only
 * then fetching a new one.
 *
 *   api_client CONFIG.json API_URL [CALLS]
 *
 * API_URL is a plain http://127.0.0.1:PORT/PATH URL (this example speaks HTTP/1.0 itself to stay
 * free of other libraries). Exits 0 when every API call answered 200.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <oauthcc.h>

#define REFRESH_WINDOW_SECONDS 300

static char *read_file(const char *path) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    if (fseek(file, 0, SEEK_END) != 0) { fclose(file); return NULL; }
    long size = ftell(file);
    rewind(file);
    char *text = size >= 0 ? malloc((size_t)size + 1) : NULL;
    if (text && fread(text, 1, (size_t)size, file) != (size_t)size) { free(text); text = NULL; }
    if (text) text[size] = '\0';
    fclose(file);
    return text;
}

/* The HTTP status of GET url with a bearer token, or -1 on a network error. */
static int http_get_status(const char *url, const char *bearer) {
    char host[64];
    int port;
    char path[512] = "/";
    if (sscanf(url, "http://%63[^:/]:%d%511s", host, &port, path) < 2) return -1;
    struct sockaddr_in address = {0};
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1) return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) { close(fd); return -1; }
    size_t size = strlen(path) + strlen(bearer) + 128;
    char *request = malloc(size);
    int length = snprintf(request, size, "GET %s HTTP/1.0\r\nAuthorization: Bearer %s\r\n\r\n", path, bearer);
    ssize_t sent = write(fd, request, (size_t)length);
    free(request);
    char reply[512] = {0};
    int status = -1;
    if (sent == length && read(fd, reply, sizeof reply - 1) > 0) sscanf(reply, "HTTP/%*s %d", &status);
    /* Read the rest so the server is not reset mid-answer. */
    char rest[512];
    while (read(fd, rest, sizeof rest) > 0) {
    }
    close(fd);
    return status;
}

static void report(const char *what, oauthcc_status status) {
    const char *message = oauthcc_last_error_message();
    fprintf(stderr, "%s failed: %s: %s\n", what, oauthcc_status_name(status), message ? message : "");
}

/* Keeps *token valid for at least REFRESH_WINDOW_SECONDS, fetching a new one only when needed. */
static oauthcc_status ensure_token(const oauthcc_client *client, oauthcc_token **token, int *fetches) {
    bool expiring = true;
    if (*token) {
        oauthcc_status status = oauthcc_token_expired(*token, REFRESH_WINDOW_SECONDS, &expiring);
        if (status != OAUTHCC_OK) return status;
    }
    if (!expiring) return OAUTHCC_OK;
    oauthcc_token *fresh = NULL;
    oauthcc_status status = oauthcc_client_get_token(client, NULL, NULL, &fresh);
    if (status != OAUTHCC_OK) return status;
    oauthcc_token_free(*token);
    *token = fresh;
    (*fetches)++;
    return OAUTHCC_OK;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s CONFIG.json API_URL [CALLS]\n", argv[0]);
        return 2;
    }
    int calls = argc > 3 ? atoi(argv[3]) : 3;
    char *config = read_file(argv[1]);
    if (!config) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    oauthcc_client *client = NULL;
    oauthcc_status status = oauthcc_client_new(config, &client);
    free(config);
    if (status != OAUTHCC_OK) {
        report("oauthcc_client_new", status);
        return 1;
    }

    oauthcc_token *token = NULL;
    int fetches = 0, ok = 0;
    for (int i = 0; i < calls; i++) {
        status = ensure_token(client, &token, &fetches);
        if (status != OAUTHCC_OK) {
            report("getting a token", status);
            break;
        }
        char *bearer = NULL;
        if (oauthcc_token_access_token(token, &bearer) != OAUTHCC_OK) break;
        int http_status = http_get_status(argv[2], bearer);
        oauthcc_string_free(bearer);
        printf("call %d: HTTP %d\n", i + 1, http_status);
        if (http_status == 200) ok++;
    }
    printf("%d of %d calls succeeded with %d token fetch(es)\n", ok, calls, fetches);
    oauthcc_token_free(token);
    oauthcc_client_free(client);
    return ok == calls ? 0 : 1;
}
