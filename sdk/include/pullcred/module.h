/*
 * pullcred module ABI: the only contract between the pullcred host and a
 * module (.so). Plain C99 so that any compiler and any C++ runtime can build
 * a module. Rules (naming, ownership, versioning, errors): sdk/ABI.md.
 */
#ifndef PULLCRED_MODULE_H
#define PULLCRED_MODULE_H

#include <stddef.h>
#include <stdint.h>

#define PULLCRED_ABI_MAJOR 1
#define PULLCRED_ABI_MINOR 2

#define PULLCRED_MODULE_ENTRY_SYMBOL "pullcred_module_entry"

#if defined(__GNUC__) || defined(__clang__)
#define PULLCRED_EXPORT __attribute__((visibility("default")))
#else
#define PULLCRED_EXPORT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* A borrowed string: valid only for the duration of the call it is passed
 * to. Not NUL-terminated. */
typedef struct pullcred_str {
    const char *ptr;
    size_t len;
} pullcred_str;

typedef int32_t pullcred_status;
#define PULLCRED_OK 0
#define PULLCRED_NOT_APPLICABLE 1 /* this module cannot serve the request */
#define PULLCRED_RETRYABLE 2      /* transient: throttled, 5xx, network */
#define PULLCRED_FAILED 3         /* permanent: say why in the error text */

typedef int32_t pullcred_log_level;
#define PULLCRED_LOG_DEBUG 0
#define PULLCRED_LOG_INFO 1
#define PULLCRED_LOG_WARN 2
#define PULLCRED_LOG_ERROR 3

typedef int32_t pullcred_factory_kind;
#define PULLCRED_KIND_CREDENTIAL_SOURCE 1
#define PULLCRED_KIND_REGISTRY_BACKEND 2

/* ---- Sinks: owned by the caller, which copies everything written. ---- */

typedef struct pullcred_text_sink {
    void *ctx;
    void (*write)(void *ctx, pullcred_str text);
} pullcred_text_sink;

typedef struct pullcred_header_sink {
    void *ctx;
    void (*add)(void *ctx, pullcred_str name, pullcred_str value);
} pullcred_header_sink;

/* Well-known credential field names (set_field): use these, a misspelt
 * name is an absent field. Sources may set others. */
#define PULLCRED_FIELD_ACCESS_KEY_ID "access_key_id"
#define PULLCRED_FIELD_SECRET_ACCESS_KEY "secret_access_key"
#define PULLCRED_FIELD_SESSION_TOKEN "session_token"
#define PULLCRED_FIELD_REGION "region"
#define PULLCRED_FIELD_ACCOUNT_ID "account_id"
/* Credentials that are not AWS keys, for backends of other registries. */
#define PULLCRED_FIELD_USERNAME "username"
#define PULLCRED_FIELD_PASSWORD "password"
#define PULLCRED_FIELD_BEARER_TOKEN "bearer_token"

/* Times in the ABI are Unix milliseconds (now_unix_ms, deadline_unix_ms,
 * set_expiry_ms). set_expiry, in seconds, is ABI 1.0's: a module calls
 * set_expiry_ms when the sink's struct_size covers it, else set_expiry.
 * Not calling either = no expiry. */
typedef struct pullcred_credentials_sink {
    uint32_t struct_size;
    void *ctx;
    void (*set_field)(void *ctx, pullcred_str name, pullcred_str value);
    void (*set_expiry)(void *ctx, int64_t unix_seconds);
    void (*set_expiry_ms)(void *ctx, int64_t unix_ms); /* ABI 1.2 */
} pullcred_credentials_sink;

typedef struct pullcred_auth_sink {
    uint32_t struct_size;
    void *ctx;
    void (*add)(void *ctx, pullcred_str registry, pullcred_str username, pullcred_str password);
    void (*set_expiry)(void *ctx, int64_t unix_seconds);
    void (*set_expiry_ms)(void *ctx, int64_t unix_ms); /* ABI 1.2 */
} pullcred_auth_sink;

typedef struct pullcred_http_response_sink {
    uint32_t struct_size;
    void *ctx;
    void (*status)(void *ctx, int32_t code);
    void (*header)(void *ctx, pullcred_str name, pullcred_str value);
    void (*body)(void *ctx, pullcred_str chunk);
} pullcred_http_response_sink;

/* ---- Requests: owned by the caller, valid for the call only. ---- */

typedef struct pullcred_credentials_request {
    uint32_t struct_size;
    pullcred_str profile;     /* the profile being resolved */
    pullcred_str region_hint; /* region the consumer will call; may be empty */
    /* ABI 1.2 (read only when struct_size covers it): the pod's
     * service-account token, given only to the source of a rule's
     * serviceAccount role (aws.web-identity) for a request that carries one;
     * else empty. */
    pullcred_str service_account_token;
} pullcred_credentials_request;

typedef struct pullcred_auth_request {
    uint32_t struct_size;
    pullcred_str image;    /* as kubelet sent it */
    pullcred_str registry; /* host[:port] of the image */
    pullcred_str profile;  /* profile named by the matching rule; may be empty */
    /* ABI 1.2 (read only when struct_size covers them): the pod's
     * service-account token and its annotations (a JSON object of strings),
     * given only when kubelet sent a token and the rule sets
     * serviceAccount.forwardToBackend; else empty. For backends that exchange
     * the token themselves (a registry that trusts the cluster's issuer). */
    pullcred_str service_account_token;
    pullcred_str service_account_annotations;
} pullcred_auth_request;

typedef struct pullcred_http_header {
    pullcred_str name;
    pullcred_str value;
} pullcred_http_header;

#define PULLCRED_HTTP_INSECURE_SKIP_VERIFY 0x1u /* never set by default */
#define PULLCRED_HTTP_IGNORE_PROXY 0x2u
/* A credentials metadata endpoint on the node (EC2 IMDS, ECS / EKS Pod Identity): one attempt, 1 s
   connect and attempt timeouts (a machine without one fails fast), no plaintext-http warning. */
#define PULLCRED_HTTP_METADATA 0x4u

typedef struct pullcred_http_request {
    uint32_t struct_size;
    pullcred_str method;
    pullcred_str url;
    const pullcred_http_header *headers;
    size_t header_count;
    pullcred_str body;
    uint32_t flags;
    pullcred_str ca_bundle; /* PEM file; empty = the host's policy */
} pullcred_http_request;

typedef struct pullcred_sigv4_params {
    uint32_t struct_size;
    pullcred_str service;
    pullcred_str region;
    pullcred_str access_key_id;
    pullcred_str secret_access_key;
    pullcred_str session_token; /* may be empty */
} pullcred_sigv4_params;

/* ---- Host services, passed to create() and valid for the instance's life.
 * Call them only from inside a call the host made, on its thread.
 * Fields are only ever appended; check struct_size before using one that a
 * later minor version added. ---- */
typedef struct pullcred_host {
    uint32_t struct_size;
    uint32_t abi_major;
    uint32_t abi_minor;
    void *ctx;
    void (*log)(void *ctx, pullcred_log_level level, pullcred_str message);
    int64_t (*now_unix_ms)(void *ctx);
    int64_t (*deadline_unix_ms)(void *ctx); /* the invocation's deadline */
    pullcred_status (*credentials_for_profile)(void *ctx, const pullcred_credentials_request *request,
                                               pullcred_credentials_sink *out, pullcred_text_sink *error);
    pullcred_status (*http)(void *ctx, const pullcred_http_request *request, pullcred_http_response_sink *out,
                            pullcred_text_sink *error);
    pullcred_status (*sign_sigv4)(void *ctx, const pullcred_http_request *request,
                                  const pullcred_sigv4_params *params, pullcred_header_sink *out,
                                  pullcred_text_sink *error);
    /* ABI 1.2: the node's inputs. Read every file and environment variable
     * that decides a credential through these: the host refuses special
     * files at once, checks that root is not steered by files others can
     * write, and records each input, so that a cached credential is served
     * only while every input it was made from is unchanged. */
    /* PULLCRED_OK: the content (at most 1 MiB) went to out.
     * PULLCRED_NOT_APPLICABLE: no such file (recorded too: its appearance
     * invalidates). With PULLCRED_INPUT_PROGRAM the file is a program the
     * module will run: checked and recorded, not read. */
    pullcred_status (*read_file)(void *ctx, pullcred_str path, uint32_t flags, pullcred_text_sink *out,
                                 pullcred_text_sink *error);
    /* PULLCRED_OK: the value went to out; PULLCRED_NOT_APPLICABLE: unset. */
    pullcred_status (*get_env)(void *ctx, pullcred_str name, pullcred_text_sink *out);
    /* ABI 1.2: credentials from another credential-source factory, the way one
     * source wraps another (aws.shared-config serves a credential_process line
     * with aws.process). The host validates config_json against that factory's
     * schema, creates the instance once per calling instance and config, and
     * runs its calls under the same watchdog as every module call.
     * PULLCRED_NOT_APPLICABLE: no module provides that factory (the caller may
     * fall back); a failure of the wrapped source is PULLCRED_RETRYABLE or
     * PULLCRED_FAILED with its reason in error. */
    pullcred_status (*credentials_from_source)(void *ctx, pullcred_str factory, pullcred_str config_json,
                                               const pullcred_credentials_request *request,
                                               pullcred_credentials_sink *out, pullcred_text_sink *error);
} pullcred_host;

#define PULLCRED_INPUT_PROGRAM 0x1u

/* struct_size of an ABI 1.1 host table: a smaller one lacks read_file and get_env. */
#define PULLCRED_HOST_SIZE_1_1 offsetof(pullcred_host, read_file)

/* ---- What a module exports. Concurrency (sdk/ABI.md): within a process the
 * host calls modules one call at a time, on the request's thread; calls
 * nest only through credentials_for_profile and credentials_from_source,
 * never into the calling instance. Processes run side by side. Per function:
 *   entry point   once per process, before any other call.
 *   create        may run while another instance's call waits on the host
 *                 (nested), never concurrently with it.
 *   get_*, describe, last_error, destroy
 *                 never concurrently with any call on the same instance;
 *                 destroy is the instance's last call.
 * Host services may be called only from inside such a call, on its thread.
 * ---- */
typedef struct pullcred_factory {
    uint32_t struct_size;
    pullcred_factory_kind kind;
    const char *name;          /* dotted, lower case: "aws.ecr" */
    const char *config_schema; /* JSON Schema (draft-07) of the config; may be NULL */
    /* One error channel, last_error: from ABI 1.2 a create that fails may
     * still set *instance to an object that answers only last_error (why)
     * and destroy; the host reads the one and calls the other. The error
     * sink is ABI 1.0's way, kept for older hosts; the host reads it first. */
    pullcred_status (*create)(const pullcred_host *host, pullcred_str config_json, void **instance,
                              pullcred_text_sink *error);
    void (*destroy)(void *instance);
    /* Text of the instance's last failure; valid until its next call. */
    pullcred_str (*last_error)(void *instance);
    /* Exactly one of the two, by kind. */
    pullcred_status (*get_credentials)(void *instance, const pullcred_credentials_request *request,
                                       pullcred_credentials_sink *out);
    pullcred_status (*get_auth)(void *instance, const pullcred_auth_request *request,
                                pullcred_auth_sink *out);
    /* ABI 1.1, optional (NULL = absent; read only when struct_size covers it).
     * Registry backends: one short line for people saying what get_auth would
     * call for request (endpoint URL, API, registry id), written to out. No
     * I/O, no credentials, never a secret. PULLCRED_NOT_APPLICABLE = nothing
     * to say; another failure explains itself in last_error.
     * ABI 1.2: credential sources too, for request->profile (image and
     * registry empty): what get_credentials would do, without the network. */
    pullcred_status (*describe)(void *instance, const pullcred_auth_request *request,
                                pullcred_text_sink *out);
} pullcred_factory;

/* struct_size of an ABI 1.0 factory, the smallest the host accepts. */
#define PULLCRED_FACTORY_SIZE_1_0 offsetof(pullcred_factory, describe)

typedef struct pullcred_module {
    uint32_t struct_size;
    uint32_t abi_major;
    uint32_t abi_minor;
    const char *name;
    const char *version;
    size_t factory_count;
    const pullcred_factory *const *factories;
} pullcred_module;

/* The one exported symbol. Returns a descriptor with static storage, or NULL
 * when the module cannot run under this host version. */
typedef const pullcred_module *(*pullcred_module_entry_fn)(uint32_t host_abi_major, uint32_t host_abi_minor);

#ifdef __cplusplus
}
#endif

#endif /* PULLCRED_MODULE_H */
