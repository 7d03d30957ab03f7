package tokenbroker.api;

import io.quarkus.vertx.http.ManagementInterface;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import tokenbroker.door.Door;
import tokenbroker.door.ErrorPolicy;
import tokenbroker.door.ErrorWriter;

/**
 * What holds for every answer of the management interface ({@code /q/health/*}, {@code /q/metrics}): {@code
 * Cache-Control: no-store} (a probe or a scrape must never be answered from a cache on the way), and the same JSON
 * errors as the token interface for paths and failures no endpoint handles.
 */
@ApplicationScoped
public class ManagementGuards {

    void install(@Observes ManagementInterface management) {
        var router = management.router();
        router.route().order(-1000).handler(ManagementGuards::noStore);
        router.route().order(Integer.MAX_VALUE).handler(ctx -> ErrorWriter.write(ctx.response(), Door.NATIVE,
                ErrorPolicy.forStatus(404)));
        for (int status : new int[] { 400, 404, 405, 406, 413, 414, 415, 431, 500 }) {
            router.errorHandler(status, ctx -> ErrorWriter.write(ctx.response(), Door.NATIVE, ErrorPolicy.forStatus(status)));
        }
    }

    private static void noStore(RoutingContext ctx) {
        // At the end of the headers, so that no endpoint's own header handling can drop it.
        ctx.addHeadersEndHandler(v -> ctx.response().headers().set(HttpHeaders.CACHE_CONTROL, "no-store"));
        ctx.next();
    }
}
