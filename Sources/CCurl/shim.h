// libcurl's curl_easy_setopt is variadic, which Swift cannot call: typed wrappers.
#include <curl/curl.h>

static inline CURLcode lintel_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lintel_curl_set_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode lintel_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*lintel_curl_read_callback)(char *buffer, size_t size, size_t count, void *context);

static inline CURLcode lintel_curl_set_read_function(CURL *handle, lintel_curl_read_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}

typedef size_t (*lintel_curl_write_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode lintel_curl_set_write_function(CURL *handle, lintel_curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

static inline CURLcode lintel_curl_set_header_function(CURL *handle, lintel_curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}

static inline CURLcode lintel_curl_get_response_code(CURL *handle, long *code) {
    return curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, code);
}
