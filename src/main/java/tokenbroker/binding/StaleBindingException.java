package tokenbroker.binding;

/**
 * A certificate-bound token whose certificate file has been replaced since it was issued: presented with the new
 * certificate it would fail, so it is not presented at all. The broker drops such tokens within one sweep
 * ({@link CertificateRotationWatch}); this covers the moment between. Retry in a second.
 */
public final class StaleBindingException extends RuntimeException {

    public StaleBindingException(String resource) {
        super("resource " + resource + ": its certificate was rotated; a token bound to the new one is on its way", null, false, false);
    }
}
