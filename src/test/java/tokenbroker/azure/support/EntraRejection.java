package tokenbroker.azure.support;

/**
 * A token request that Microsoft Entra would refuse: the HTTP status, the OAuth {@code error}, the {@code AADSTS}
 * code and the first sentence of the description, as Entra's error reference words them. Thrown by the checks of
 * {@link EntraTokenEndpoint} to stop at the first problem, as Entra does.
 */
final class EntraRejection extends RuntimeException {

    private final int status;
    private final String error;
    private final int code;

    EntraRejection(int status, String error, int code, String text) {
        super("AADSTS" + code + ": " + text, null, false, false);
        this.status = status;
        this.error = error;
        this.code = code;
    }

    /** {@code invalid_client} is 401 at Entra; every other token-request error is 400. */
    static EntraRejection invalidClient(int code, String text) {
        return new EntraRejection(401, "invalid_client", code, text);
    }

    static EntraRejection invalidRequest(int code, String text) {
        return new EntraRejection(400, "invalid_request", code, text);
    }

    static EntraRejection missing(String parameter) {
        return invalidRequest(900144, "The request body must contain the following parameter: '" + parameter + "'.");
    }

    int status() {
        return status;
    }

    String error() {
        return error;
    }

    int code() {
        return code;
    }
}
