package tokenbroker.api;

/** A request refused before any token work, with its OAuth-style error; mapped by {@link ErrorMapper}. */
public final class ApiError extends RuntimeException {

    private final int status;
    private final String error;

    public ApiError(int status, String error, String description) {
        super(description, null, false, false);
        this.status = status;
        this.error = error;
    }

    public static ApiError badRequest(String description) {
        return new ApiError(400, "invalid_request", description);
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }
}
