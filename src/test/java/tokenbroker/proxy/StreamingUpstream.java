package tokenbroker.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.PfxOptions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An HTTPS upstream that streams, on a Vert.x instance of its own: {@code POST /big/upload} answers the SHA-256 and
 * length of the body it read, {@code GET /big/download?seed=S&bytes=N} sends {@link Generated} bytes, with back
 * pressure both ways; {@code GET /big/cut?bytes=N&send=M} declares N bytes, sends M and closes. WireMock keeps every request body in memory (for matching and its journal), which a 512 MiB
 * body must not meet in the broker's own test JVM; the JDK's HTTPS server was too slow for it (about 5 MB/s here).
 */
final class StreamingUpstream implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    /** The Authorization of the last request, for the test to check. */
    final AtomicReference<String> lastAuthorization = new AtomicReference<>();

    StreamingUpstream(UpstreamTls tls) throws Exception {
        HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
                .setKeyCertOptions(new PfxOptions().setPath(tls.keyStore().toString()).setPassword(tls.password()));
        server = vertx.createHttpServer(options).requestHandler(this::handle).listen()
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    int port() {
        return server.actualPort();
    }

    private void handle(HttpServerRequest request) {
        lastAuthorization.set(request.getHeader("Authorization"));
        if (request.path().equals("/big/upload")) {
            MessageDigest digest = sha256();
            long[] bytes = { 0 };
            request.handler(chunk -> {
                digest.update(chunk.getBytes());
                bytes[0] += chunk.length();
            });
            request.endHandler(v -> request.response().putHeader("Content-Type", "application/json")
                    .end("{\"sha256\":\"" + HexFormat.of().formatHex(digest.digest()) + "\",\"bytes\":" + bytes[0] + "}"));
        } else if (request.path().equals("/big/download")) {
            long seed = Long.parseLong(request.getParam("seed"));
            long bytes = Long.parseLong(request.getParam("bytes"));
            HttpServerResponse response = request.response().putHeader("Content-Type", "application/octet-stream")
                    .putHeader("Content-Length", Long.toString(bytes));
            write(response, new Generated(seed, bytes), new byte[64 * 1024]);
        } else if (request.path().equals("/big/cut")) {
            // Declares bytes=N, sends the first send=M of them, then closes the connection: an answer cut short.
            long bytes = Long.parseLong(request.getParam("bytes"));
            int send = Integer.parseInt(request.getParam("send"));
            byte[] part = new byte[send];
            new Generated(1, send).read(part, 0, send);
            HttpServerResponse response = request.response().putHeader("Content-Type", "application/octet-stream")
                    .putHeader("Content-Length", Long.toString(bytes));
            response.write(Buffer.buffer(part)).onComplete(written -> vertx.setTimer(100, t -> request.connection().close()));
        } else {
            request.response().setStatusCode(404).end();
        }
    }

    /**
     * Writes one block per event-loop turn, and waits for a drain once the write queue is full. Not a loop of writes
     * until {@code writeQueueFull()}: within one turn the queue never reported full here, so such a loop queued the
     * whole body in this JVM (a class histogram during a 512 MiB download showed 6,200 pending 64 KiB writes with
     * their promises; the live heap followed the body). The broker's own side stayed flat throughout: its caller
     * connection never had more than 64 KiB pending.
     */
    private void write(HttpServerResponse response, Generated body, byte[] block) {
        if (response.closed() || response.ended()) {
            return; // the broker gave up on the download (its caller went away): nothing more to send
        }
        int n = body.read(block, 0, block.length);
        if (n < 0) {
            response.end();
            return;
        }
        response.write(Buffer.buffer(n).appendBytes(block, 0, n));
        if (response.writeQueueFull()) {
            response.drainHandler(v -> write(response, body, block));
        } else {
            vertx.runOnContext(v -> write(response, body, block));
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        vertx.close();
    }
}
