package tokenbroker.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A caller that asks the broker for some resources' tokens every {@code period} for {@code length}, in a thread of
 * its own so that other tests run meanwhile, and records what it saw. It never triggers a refresh itself: the
 * broker serves cached tokens and refreshes them on its own schedule.
 *
 * <pre>{@code
 * TokenPoller poller = TokenPoller.start(URI.create("http://127.0.0.1:7777"), List.of("secret"), ms(300), s(125));
 * List<Observation> seen = poller.awaitDone();
 * }</pre>
 */
final class TokenPoller {

    /**
     * One answer.
     *
     * @param sentAt local time just before the request was sent
     * @param jwtExp the access token's {@code exp} claim (epoch seconds), or -1 when not 200
     */
    record Observation(String resource, Instant sentAt, int status, String body, String token, long expiresIn, long jwtExp) {
        boolean ok() {
            return status == 200;
        }

        @Override
        public String toString() {
            return "Observation[" + resource + " at " + sentAt + ": " + status + (ok() ? ", expires_in=" + expiresIn : ", " + body) + "]";
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI broker;
    private final List<String> resources;
    private final Duration period;
    private final Instant startedAt;
    private final Instant endAt;
    /** Written by the polling thread only; read after {@link #future} completes. */
    private final List<Observation> observations = new ArrayList<>();
    private final CompletableFuture<List<Observation>> future = new CompletableFuture<>();

    private TokenPoller(URI broker, List<String> resources, Duration period, Duration length) {
        this.broker = broker;
        this.resources = List.copyOf(resources);
        this.period = period;
        this.startedAt = Instant.now();
        this.endAt = startedAt.plus(length);
    }

    static TokenPoller start(URI broker, List<String> resources, Duration period, Duration length) {
        TokenPoller poller = new TokenPoller(broker, resources, period, length);
        Thread thread = new Thread(poller::run, "token-poller");
        thread.setDaemon(true);
        thread.start();
        return poller;
    }

    Instant startedAt() {
        return startedAt;
    }

    Instant endAt() {
        return endAt;
    }

    /** Every observation, once the poller has run its length. */
    List<Observation> awaitDone() throws Exception {
        long wait = Duration.between(Instant.now(), endAt).plusSeconds(30).toMillis();
        return future.get(Math.max(wait, 1_000), TimeUnit.MILLISECONDS);
    }

    private void run() {
        try {
            while (Instant.now().isBefore(endAt)) {
                for (String resource : resources) {
                    observations.add(ask(resource));
                }
                Thread.sleep(period.toMillis());
            }
            future.complete(List.copyOf(observations));
        } catch (Throwable e) {
            future.completeExceptionally(e);
        }
    }

    private Observation ask(String resource) throws InterruptedException {
        Instant sent = Instant.now();
        HttpRequest request = HttpRequest.newBuilder(broker.resolve("/v1/tokens/" + resource))
                .header("Metadata", "true").timeout(Duration.ofSeconds(20)).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return new Observation(resource, sent, response.statusCode(), response.body(), null, -1, -1);
            }
            JsonNode body = KeycloakAdmin.json(response.body());
            String token = body.path("access_token").asText();
            return new Observation(resource, sent, 200, null, token, body.path("expires_in").asLong(-1),
                    KeycloakAdmin.claims(token).path("exp").asLong(-1));
        } catch (IOException e) {
            return new Observation(resource, sent, -1, e.toString(), null, -1, -1);
        }
    }
}
