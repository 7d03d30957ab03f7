package tokenbroker.hostile;

/**
 * One row of the hostile-input table: a request as raw bytes (ISO-8859-1 text) and what the broker must do with it.
 *
 * @param expect what the answer must be, beyond {@link AnswerRules#assertSafe}, which every answer keeps
 * @param closes the connection must be closed after the answer (a body was refused, or the codec gave up), and
 *               nothing sent after the first request may be answered
 */
record HostileRequest(String name, String request, Expect expect, boolean closes) {

    /** What the answer must be. */
    enum Outcome {
        /** 200 with a token: the same request as a legitimate one, once normalised (RFC 3986 dot segments, ...). */
        TOKEN,
        /** Our JSON error with {@link Expect#status} and, if given, {@link Expect#error}. */
        JSON_ERROR,
        /** The HTTP codec's bare status line {@link Expect#status}, without a body. */
        BARE_ERROR,
        /** A 4xx, JSON or bare, or a closed connection; never a token. */
        REFUSED,
        /** Anything safe without a token: the resource list, or a refusal. */
        NO_TOKEN
    }

    record Expect(Outcome outcome, int status, String error) {

        static Expect token() {
            return new Expect(Outcome.TOKEN, 200, null);
        }

        static Expect json(int status, String error) {
            return new Expect(Outcome.JSON_ERROR, status, error);
        }

        static Expect bare(int status) {
            return new Expect(Outcome.BARE_ERROR, status, null);
        }

        static Expect refused() {
            return new Expect(Outcome.REFUSED, 0, null);
        }

        static Expect noToken() {
            return new Expect(Outcome.NO_TOKEN, 0, null);
        }

        @Override
        public String toString() {
            return switch (outcome) {
                case TOKEN -> "token";
                case JSON_ERROR -> status + (error == null ? "" : " " + error);
                case BARE_ERROR -> "bare " + status;
                case REFUSED -> "refused";
                case NO_TOKEN -> "no token";
            };
        }
    }

    HostileRequest closing() {
        return new HostileRequest(name, request, expect, true);
    }

    @Override
    public String toString() {
        return name + " -> " + expect + (closes ? ", closed" : "");
    }
}
