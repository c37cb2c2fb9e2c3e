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
