package tokenbroker.cache;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.atomic.AtomicInteger;
import tokenbroker.config.ResourceSpec;
import tokenbroker.idp.AcquireFailure;
import tokenbroker.idp.IdentityProvider;
import tokenbroker.idp.IdpException;
import tokenbroker.token.AccessToken;

/** An IdP that counts requests and leaves each one open until the test completes it. */
final class FakeIdentityProvider implements IdentityProvider {

    private final AtomicInteger calls = new AtomicInteger();
    private final LinkedBlockingDeque<UniEmitter<? super AccessToken>> open = new LinkedBlockingDeque<>();

    @Override
    public Uni<AccessToken> acquire(ResourceSpec resource) {
        return Uni.createFrom().emitter(emitter -> {
            calls.incrementAndGet();
            open.add(emitter);
        });
    }

    /** How many requests were made, completed or not. */
    int calls() {
        return calls.get();
    }

    /** How many requests wait for the test. */
    int open() {
        return open.size();
    }

    void succeed(AccessToken token) {
        next().complete(token);
    }

    void fail(AcquireFailure failure) {
        next().fail(new IdpException(failure));
    }

    private UniEmitter<? super AccessToken> next() {
        UniEmitter<? super AccessToken> emitter = open.poll();
        if (emitter == null) {
            throw new AssertionError("no IdP request is open");
        }
        return emitter;
    }
}
