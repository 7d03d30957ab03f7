package tokenbroker.idp;

/** Carries an {@link AcquireFailure} through a failed {@code Uni}; no stack trace, as it is an expected outcome. */
public final class IdpException extends RuntimeException {

    private final transient AcquireFailure failure;

    public IdpException(AcquireFailure failure) {
        super("idp: " + failure.describe(), null, false, false);
        this.failure = failure;
    }

    public AcquireFailure failure() {
        return failure;
    }
}
