package tokenbroker.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * An HTTPS upstream that streams: {@code POST /big/upload} answers the SHA-256 and length of the body it read,
 * {@code GET /big/download?seed=S&bytes=N} sends {@link Generated} bytes. WireMock keeps every request body in
 * memory (for matching and its journal), which a 512 MiB body must not meet in the broker's own test JVM.
 */
final class StreamingUpstream implements AutoCloseable {

    private final HttpsServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    /** The Authorization of the last request, for the test to check. */
    final AtomicReference<String> lastAuthorization = new AtomicReference<>();

    StreamingUpstream(UpstreamTls tls) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(tls.keyStore())) {
            store.load(in, tls.password().toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, tls.password().toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        server.setExecutor(executor);
        server.createContext("/big/upload", this::upload);
        server.createContext("/big/download", this::download);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void upload(HttpExchange exchange) throws IOException {
        lastAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
        MessageDigest digest = sha256();
        long bytes = 0;
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = exchange.getRequestBody()) {
            for (int n; (n = in.read(buffer)) > 0;) {
                digest.update(buffer, 0, n);
                bytes += n;
            }
        }
        byte[] answer = ("{\"sha256\":\"" + HexFormat.of().formatHex(digest.digest()) + "\",\"bytes\":" + bytes + "}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    private void download(HttpExchange exchange) throws IOException {
        lastAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
        long seed = 0;
        long bytes = 0;
        for (String pair : exchange.getRequestURI().getQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            if (kv[0].equals("seed")) {
                seed = Long.parseLong(kv[1]);
            } else if (kv[0].equals("bytes")) {
                bytes = Long.parseLong(kv[1]);
            }
        }
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.sendResponseHeaders(200, bytes);
        try (InputStream in = new Generated(seed, bytes); OutputStream out = exchange.getResponseBody()) {
            in.transferTo(out);
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
        server.stop(0);
        executor.shutdownNow();
    }
}
