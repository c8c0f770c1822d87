/* The physical limit of a cold fetch: tls_fetch CA_BUNDLE HOST PORT REQUEST...
 * For each REQUEST file (the exact bytes of a pre-signed HTTP/1.1 request,
 * prepared by bench.py), in order: one TCP connection and one TLS handshake to
 * HOST:PORT verifying the server against CA_BUNDLE (HOST is an IP address or
 * a name), the request written, the whole reply read (headers, then
 * Content-Length bytes) and its status checked to be 2xx (CreateSession
 * answers 201). Nothing else: no
 * config, cache, signing or JSON. Exits 0 when every reply was 2xx. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what) {
    fprintf(stderr, "tls_fetch: %s\n", what);
    ERR_print_errors_fp(stderr);
    return 1;
}

static int read_file(const char *path, char **data, size_t *size) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) return -1;
    static char buffer[1 << 16];
    *size = fread(buffer, 1, sizeof buffer, file);
    fclose(file);
    *data = buffer;
    return *size == sizeof buffer ? -1 : 0;
}

static int connect_to(const char *host, const char *port) {
    struct addrinfo hints = {0}, *found = NULL;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &found) != 0) return -1;
    int fd = socket(found->ai_family, found->ai_socktype, found->ai_protocol);
    if (fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    return fd;
}

/* The reply's status, after reading all of it; -1 on any error. */
static int exchange(SSL *ssl, const char *request, size_t size) {
    if (SSL_write(ssl, request, (int)size) != (int)size) return -1;
    static char reply[1 << 16];
    size_t have = 0;
    char *body = NULL;
    long length = -1;
    for (;;) {
        if (body != NULL && length >= 0 && (size_t)(body - reply) + (size_t)length <= have) break;
        if (have == sizeof reply - 1) return -1;
        int got = SSL_read(ssl, reply + have, (int)(sizeof reply - 1 - have));
        if (got <= 0) break;
        have += (size_t)got;
        reply[have] = '\0';
        if (body == NULL && (body = strstr(reply, "\r\n\r\n")) != NULL) {
            body += 4;
            const char *field = strcasestr(reply, "\r\ncontent-length:");
            if (field != NULL && field < body) length = strtol(field + 17, NULL, 10);
        }
    }
    if (body == NULL || length < 0 || (size_t)(body - reply) + (size_t)length > have) return -1;
    int status = 0;
    if (sscanf(reply, "HTTP/1.%*d %d", &status) != 1) return -1;
    return status;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fputs("usage: tls_fetch CA_BUNDLE HOST PORT REQUEST...\n", stderr);
        return 2;
    }
    SSL_CTX *context = SSL_CTX_new(TLS_client_method());
    if (context == NULL || SSL_CTX_load_verify_locations(context, argv[1], NULL) != 1)
        return fail("cannot load the CA bundle");
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, NULL);
    for (int i = 4; i < argc; ++i) {
        char *request = NULL;
        size_t size = 0;
        if (read_file(argv[i], &request, &size) != 0) return fail("cannot read a request file");
        int fd = connect_to(argv[2], argv[3]);
        if (fd < 0) return fail("cannot connect");
        SSL *ssl = SSL_new(context);
        X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
        struct in6_addr address;
        if (inet_pton(AF_INET, argv[2], &address) == 1 || inet_pton(AF_INET6, argv[2], &address) == 1) {
            X509_VERIFY_PARAM_set1_ip_asc(param, argv[2]);
        } else {
            SSL_set_tlsext_host_name(ssl, argv[2]);
            X509_VERIFY_PARAM_set1_host(param, argv[2], 0);
        }
        SSL_set_fd(ssl, fd);
        if (SSL_connect(ssl) != 1) return fail("TLS handshake failed");
        int status = exchange(ssl, request, size);
        if (status < 200 || status > 299) {
            fprintf(stderr, "tls_fetch: %s answered %d\n", argv[i], status);
            return 1;
        }
        SSL_free(ssl);
        close(fd);
    }
    SSL_CTX_free(context);
    return 0;
}
