package tokenbroker.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import tokenbroker.config.IdentitySpec;
import tokenbroker.config.ResourceSpec;
import tokenbroker.credential.Credential;
import tokenbroker.testing.FakeClock;
import tokenbroker.token.AccessToken;
import tokenbroker.token.Backoff;
import tokenbroker.token.RefreshPolicy;

/**
 * Issue 10, item 4: a slot always leaves {@code refreshing}, whatever the IdP adapter or the listener does; and
 * item 6: the IdP request (credential files, key parsing, signing) never runs on the caller's event-loop thread.
 */
class TokenSlotRobustnessTests {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    final FakeClock clock = new FakeClock(T0);
    final AtomicInteger calls = new AtomicInteger();

    ResourceSpec resource() {
        return new ResourceSpec("graph", new IdentitySpec("app", "client", "http://idp/token", false,
                new Credential.ClientSecret(null, "s", false)), List.of("api/.default"), Map.of(), true);
    }

    TokenSlot slot(Function<Integer, Uni<AccessToken>> idp, RefreshListener listener) {
        return new TokenSlot(resource(), r -> idp.apply(calls.incrementAndGet()), clock,
                new RefreshPolicy(Duration.ofSeconds(10), 0.10), new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60)),
                Duration.ofSeconds(10), () -> 0.5, listener, Runnable::run);
    }

    AccessToken token() {
        return new AccessToken("t", clock.instant(), clock.instant().plusSeconds(60), null, null);
    }

    /** The first call misbehaves as {@code first} says; later calls answer a token. */
    void assertLeavesRefreshing(Function<Integer, Uni<AccessToken>> first) {
        TokenSlot slot = slot(n -> n == 1 ? first.apply(n) : Uni.createFrom().item(token()), (r, t, f, took, at) -> { });
        assertThat(slot.refreshIfDue()).isTrue();
        assertThat(slot.status().state()).isEqualTo("failing");
        assertThat(slot.status().retryAt()).isNotNull();
        clock.advance(Duration.ofSeconds(1));
        assertThat(slot.refreshIfDue()).as("the next sweep retries").isTrue();
        assertThat(slot.status().state()).isEqualTo("fresh");
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void refresh_whenAdapterThrowsSynchronously_leavesRefreshing() {
        assertLeavesRefreshing(n -> {
            throw new IllegalStateException("adapter bug");
        });
    }

    @Test
    void refresh_whenAdapterReturnsNull_leavesRefreshing() {
        assertLeavesRefreshing(n -> null);
    }

    @Test
    void refresh_whenAdapterEmitsNull_leavesRefreshing() {
        assertLeavesRefreshing(n -> Uni.createFrom().nullItem());
    }

    @Test
    void refresh_whenListenerThrows_stillRecordsTheToken_andCallersGetIt() {
        TokenSlot slot = slot(n -> Uni.createFrom().item(token()), (r, t, f, took, at) -> {
            throw new IllegalStateException("listener bug");
        });
        AccessToken got = slot.take(Duration.ZERO, false).asUni().await().atMost(Duration.ofSeconds(5));
        assertThat(got).isNotNull();
        assertThat(slot.status().state()).isEqualTo("fresh");
        assertThat(slot.servable()).isEqualTo(got);
    }

    @Test
    void take_whenTheWinnerNeverSubscribes_theRequestRunsAndCompletes() {
        TokenSlot slot = slot(n -> Uni.createFrom().item(token()), (r, t, f, took, at) -> { });
        Take take = slot.take(Duration.ZERO, false);
        assertThat(take.kind()).isEqualTo(Take.Kind.STARTED);
        // take.pending() is dropped without a subscription, as by a caller that went away.
        assertThat(calls.get()).isEqualTo(1);
        assertThat(slot.status().state()).isEqualTo("fresh");
        assertThat(slot.servable()).isNotNull();
    }

    @Test
    void take_fromAnEventLoopThread_runsTheIdpRequestOnTheWorkerExecutor() throws Exception {
        Vertx vertx = Vertx.vertx();
        ExecutorService workers = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-worker"));
        try {
            CompletableFuture<String> idpThread = new CompletableFuture<>();
            TokenSlot slot = new TokenSlot(resource(), r -> {
                // Where credential files are read and assertions signed: OidcClientIdentityProvider.acquire.
                idpThread.complete((Context.isOnEventLoopThread() ? "event-loop " : "") + Thread.currentThread().getName());
                return Uni.createFrom().item(token());
            }, clock, new RefreshPolicy(Duration.ofSeconds(10), 0.10), new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60)),
                    Duration.ofSeconds(10), () -> 0.5, (r, t, f, took, at) -> { }, workers);
            CompletableFuture<Take.Kind> kind = new CompletableFuture<>();
            vertx.runOnContext(v -> kind.complete(slot.take(Duration.ZERO, false).kind()));
            assertThat(kind.get(5, TimeUnit.SECONDS)).isEqualTo(Take.Kind.STARTED);
            assertThat(idpThread.get(5, TimeUnit.SECONDS)).isEqualTo("test-worker");
        } finally {
            workers.shutdownNow();
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
    }
}
