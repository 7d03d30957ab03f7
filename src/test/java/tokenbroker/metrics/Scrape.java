package tokenbroker.metrics;

import static io.restassured.RestAssured.given;

import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of {@code /q/metrics} (Prometheus text format), read into series: a name, its labels and a value.
 *
 * <pre>{@code
 * Scrape before = Scrape.of(metricsUrl);
 * ...
 * double served = Scrape.of(metricsUrl).delta(before, "broker_token_requests_total", "resource", "graph", "outcome", "hit");
 * }</pre>
 */
public record Scrape(String text, List<Series> series) {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+\\d+)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    /** One sample line. */
    public record Series(String name, Map<String, String> labels, double value) {
    }

    public static Scrape of(URL metrics) {
        String text = given().get(metrics).then().statusCode(200).extract().asString();
        List<Series> series = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            if (!sample.matches()) {
                throw new AssertionError("not a Prometheus sample: " + line);
            }
            Map<String, String> labels = new TreeMap<>();
            if (sample.group(2) != null) {
                Matcher label = LABEL.matcher(sample.group(2));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
            }
            series.add(new Series(sample.group(1), labels, Double.parseDouble(sample.group(3))));
        }
        return new Scrape(text, series);
    }

    /** The series of {@code name} whose labels include {@code labels} (name, value, ...). */
    public List<Series> find(String name, String... labels) {
        Map<String, String> wanted = pairs(labels);
        return series.stream().filter(s -> s.name().equals(name))
                .filter(s -> s.labels().entrySet().containsAll(wanted.entrySet())).toList();
    }

    /** The value of the one series of {@code name} with exactly these labels; 0 when it does not exist (yet). */
    public double value(String name, String... labels) {
        Map<String, String> wanted = new TreeMap<>(pairs(labels));
        List<Series> found = series.stream().filter(s -> s.name().equals(name) && s.labels().equals(wanted)).toList();
        if (found.size() > 1) {
            throw new AssertionError(found.size() + " series " + name + wanted);
        }
        return found.isEmpty() ? 0 : found.get(0).value();
    }

    /** How much the series moved since {@code before}. */
    public double delta(Scrape before, String name, String... labels) {
        return value(name, labels) - before.value(name, labels);
    }

    /** Every series whose name starts with {@code prefix}. */
    public List<Series> named(String prefix) {
        return series.stream().filter(s -> s.name().startsWith(prefix)).toList();
    }

    /** The sum of every series of {@code name} whose labels include {@code labels}. */
    public double sum(String name, String... labels) {
        return find(name, labels).stream().mapToDouble(Series::value).sum();
    }

    private static Map<String, String> pairs(String... labels) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < labels.length; i += 2) {
            map.put(labels[i], labels[i + 1]);
        }
        return map;
    }
}
