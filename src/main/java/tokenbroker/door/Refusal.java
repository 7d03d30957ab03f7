package tokenbroker.door;

/**
 * A request refused before any token work (missing guard header, unknown caller or resource, bad parameter), with
 * its OAuth-style error. {@link ErrorPolicy} turns it into each door's answer.
 */
public final class Refusal extends RuntimeException {

    private final int status;
    private final String error;

    public Refusal(int status, String error, String description) {
        super(description, null, false, false);
        this.status = status;
        this.error = error;
    }

    public static Refusal badRequest(String description) {
        return new Refusal(400, "invalid_request", description);
    }

    /** The native API's status: 400, 401, 403 or 404. */
    public int status() {
        return status;
    }

    public String error() {
        return error;
    }
}
