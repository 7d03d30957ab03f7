package tokenbroker.proxy;

import java.util.Locale;

/**
 * Maps a caller's origin-form target ({@code /users?$top=5}) to the upstream's ({@code /v1.0/users?$top=5}), and
 * refuses a path that could leave the route's base path once the upstream decodes it: dot segments, plain or
 * percent-encoded ({@code %2e}), encoded slashes and backslashes ({@code %2f}, {@code %5c}), their double encodings
 * ({@code %252e}), a backslash, a NUL. The path is passed on as sent otherwise (no decoding, no re-encoding), so
 * that the upstream sees what the caller meant.
 */
final class TargetPath {

    private TargetPath() {
    }

    /** The upstream target, or {@code null} when {@code uri} must be refused. {@code uri} starts with '/'. */
    static String map(String basePath, String uri) {
        int query = uri.indexOf('?');
        String path = query < 0 ? uri : uri.substring(0, query);
        if (!safe(path)) {
            return null;
        }
        return basePath + uri;
    }

    static boolean safe(String path) {
        String lower = path.toLowerCase(Locale.ROOT);
        if (lower.indexOf('\\') >= 0 || lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00")
                || lower.contains("%25") || lower.indexOf('#') >= 0) {
            return false;
        }
        for (String segment : lower.replace("%2e", ".").split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= 0x20 || c == 0x7f) {
                return false;
            }
        }
        return true;
    }
}
