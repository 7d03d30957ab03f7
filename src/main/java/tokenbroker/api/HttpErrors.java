package tokenbroker.api;

/** Error codes and texts for the statuses the HTTP layer itself produces (unknown path, wrong method, ...). */
final class HttpErrors {

    private HttpErrors() {
    }

    static String code(int status) {
        return switch (status) {
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 406 -> "not_acceptable";
            case 413, 414, 431 -> "request_too_large";
            case 415 -> "unsupported_media_type";
            default -> "invalid_request";
        };
    }

    static String description(int status) {
        return switch (status) {
            case 404 -> "no such endpoint; tokens are at /v1/tokens/{resource}";
            case 405 -> "only GET is allowed";
            case 406 -> "answers are application/json or text/plain";
            case 413, 414, 431 -> "the request is too large";
            default -> "the request is malformed";
        };
    }

    /** A complete JSON error body, for answers written below JAX-RS. */
    static String json(int status) {
        return "{\"error\":\"" + code(status) + "\",\"error_description\":\"" + description(status) + "\"}";
    }
}
