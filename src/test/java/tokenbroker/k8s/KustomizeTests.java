package tokenbroker.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static tokenbroker.k8s.BrokerSidecar.BROKER;
import static tokenbroker.k8s.BrokerSidecar.assertProbe;
import static tokenbroker.k8s.BrokerSidecar.broker;
import static tokenbroker.k8s.BrokerSidecar.config;
import static tokenbroker.k8s.BrokerSidecar.identityFile;
import static tokenbroker.k8s.Manifests.at;
import static tokenbroker.k8s.Manifests.bytes;
import static tokenbroker.k8s.Manifests.envValue;
import static tokenbroker.k8s.Manifests.maps;
import static tokenbroker.k8s.Manifests.strings;
import static tokenbroker.k8s.Manifests.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tokenbroker.k8s.Manifests.Source;
import tokenbroker.k8s.Manifests.Workload;

/**
 * Renders every overlay in {@code k8s/overlays} offline, as {@code kubectl apply -k} would, and checks what SPEC §7
 * and docs/operations.md promise of the manifests: the broker as a hardened native sidecar with probes on the
 * management port, the app pointed at it, credentials mounted where the broker's configuration says, no way in to
 * the token port from outside the pod. Then compares each render with {@code src/test/resources/k8s/expected-<overlay>.yaml}.
 * Plain JUnit: no Quarkus, no cluster; needs kubectl (kustomize v5) on the PATH.
 */
class KustomizeTests {

    static final Path OVERLAYS = Path.of("k8s", "overlays");
    static final Path GOLDEN = Path.of("src", "test", "resources", "k8s");
    static final String APP = "app";
    static final int TOKEN_PORT = 7777;
    static final String WI_USE = "azure.workload.identity/use";
    static final Pattern DNS_SUBDOMAIN = Pattern.compile("(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    static final Pattern DNS_LABEL = Pattern.compile("(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    static final Pattern PORT_NAME = Pattern.compile("(?=.{1,15}$)(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    /** Rendered once per overlay and test run. */
    static final Map<String, Manifests> RENDERED = new ConcurrentHashMap<>();

    static Stream<String> overlays() throws IOException {
        try (Stream<Path> dirs = Files.list(OVERLAYS)) {
            List<String> names = dirs.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml")))
                    .map(d -> d.getFileName().toString()).sorted().toList();
            assertThat(names).as("overlays in " + OVERLAYS.toAbsolutePath()).isNotEmpty();
            return names.stream();
        }
    }

    static Manifests rendered(String overlay) {
        return RENDERED.computeIfAbsent(overlay, o -> Manifests.parse(Kustomize.render(OVERLAYS.resolve(o))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void render_everyObject_hasApiVersionKindAndDnsName(String overlay) {
        Manifests m = rendered(overlay);
        assertThat(m.workloads()).as(overlay + ": workloads").isNotEmpty();
        for (Map<String, Object> o : m.objects) {
            String id = o.get("kind") + "/" + at(o, "metadata", "name");
            assertThat(text(o.get("apiVersion"))).as(id + ": apiVersion").isNotBlank();
            assertThat(text(o.get("kind"))).as(id + ": kind").isNotBlank();
            assertThat(text(at(o, "metadata", "name"))).as(id + ": metadata.name (DNS-1123)").matches(DNS_SUBDOMAIN);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void render_everyContainer_hasNameImageIntegerPortsAndKnownVolumes(String overlay) {
        for (Workload w : rendered(overlay).workloads()) {
            List<Map<String, Object>> all = new ArrayList<>(w.initContainers());
            all.addAll(w.containers());
            List<String> volumes = maps(w.podSpec().get("volumes")).stream().map(v -> text(v.get("name"))).toList();
            volumes.forEach(v -> assertThat(v).as(w + ": volume name").matches(DNS_LABEL));
            assertThat(volumes).as(w + ": volume names").doesNotHaveDuplicates();
            assertThat(all.stream().map(c -> c.get("name")).toList()).as(w + ": container names").doesNotHaveDuplicates();
            for (Map<String, Object> c : all) {
                String what = w + " container " + c.get("name");
                assertThat(text(c.get("name"))).as(what + ": name").matches(DNS_LABEL);
                assertThat(text(c.get("image"))).as(what + ": image").isNotBlank();
                for (Map<String, Object> port : maps(c.get("ports"))) {
                    assertThat(port.get("containerPort")).as(what + ": containerPort").isInstanceOf(Integer.class);
                    assertThat((Integer) port.get("containerPort")).as(what + ": containerPort").isBetween(1, 65535);
                    if (port.get("name") != null) {
                        assertThat(text(port.get("name"))).as(what + ": port name (IANA_SVC_NAME)").matches(PORT_NAME);
                    }
                }
                for (Map<String, Object> mount : maps(c.get("volumeMounts"))) {
                    assertThat(volumes).as(what + ": volume of mount " + mount.get("mountPath")).contains(text(mount.get("name")));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void render_broker_isNativeSidecarProbedOnManagementPort(String overlay) {
        for (Workload w : rendered(overlay).workloads()) {
            assertThat(w.container(BROKER)).as(w + ": the broker must be an init container, not a regular one").isEmpty();
            Map<String, Object> broker = broker(w);
            assertThat(broker.get("restartPolicy")).as(w + ": broker restartPolicy (native sidecar)").isEqualTo("Always");
            assertProbe(w, broker, "startupProbe", "/q/health/started");
            assertProbe(w, broker, "readinessProbe", "/q/health/ready");
            assertProbe(w, broker, "livenessProbe", "/q/health/live");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void render_broker_isHardened(String overlay) {
        for (Workload w : rendered(overlay).workloads()) {
            Map<String, Object> sc = Manifests.map(broker(w).get("securityContext"), w + ": broker securityContext");
            assertThat(sc.get("runAsNonRoot")).as(w + ": broker runAsNonRoot").isEqualTo(true);
            assertThat(sc.get("readOnlyRootFilesystem")).as(w + ": broker readOnlyRootFilesystem").isEqualTo(true);
            assertThat(sc.get("allowPrivilegeEscalation")).as(w + ": broker allowPrivilegeEscalation").isEqualTo(false);
            assertThat(sc.get("privileged")).as(w + ": broker privileged").isNotEqualTo(true);
            assertThat(strings(at(sc, "capabilities", "drop"))).as(w + ": broker capabilities.drop").contains("ALL");
            assertThat(at(sc, "capabilities", "add")).as(w + ": broker capabilities.add").isNull();
            assertThat(at(sc, "seccompProfile", "type")).as(w + ": broker seccompProfile").isEqualTo("RuntimeDefault");
            Map<String, Object> pod = w.podSpec();
            assertThat(at(pod, "securityContext", "runAsNonRoot")).as(w + ": pod runAsNonRoot").isEqualTo(true);
            assertThat(at(pod, "securityContext", "seccompProfile", "type")).as(w + ": pod seccompProfile").isEqualTo("RuntimeDefault");
            String tmp = maps(broker(w).get("volumeMounts")).stream().filter(v -> "/tmp".equals(v.get("mountPath")))
                    .map(v -> text(v.get("name"))).findFirst().orElseThrow(() -> new AssertionError(w + ": no writable /tmp"));
            assertThat(maps(pod.get("volumes")).stream().filter(v -> tmp.equals(v.get("name")) && v.containsKey("emptyDir")))
                    .as(w + ": /tmp is an emptyDir").hasSize(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void render_broker_hasRequestsAndMemoryLimit(String overlay) {
        for (Workload w : rendered(overlay).workloads()) {
            Map<String, Object> resources = Manifests.map(broker(w).get("resources"), w + ": broker resources");
            assertThat(at(resources, "requests", "cpu")).as(w + ": broker requests.cpu").isNotNull();
            Object request = at(resources, "requests", "memory");
            Object limit = at(resources, "limits", "memory");
            assertThat(request).as(w + ": broker requests.memory").isNotNull();
            assertThat(limit).as(w + ": broker limits.memory").isNotNull();
            assertThat(bytes(limit)).as(w + ": memory limit " + limit + " >= request " + request).isGreaterThanOrEqualTo(bytes(request));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void render_appContainer_isPointedAtBrokerWithCallerSecret(String overlay) {
        Manifests m = rendered(overlay);
        for (Workload w : m.workloads()) {
            Map<String, Object> app = w.container(APP).orElseThrow(() -> new AssertionError(w + ": no container " + APP));
            assertThat(envValue(app, "IDENTITY_ENDPOINT")).as(w + ": IDENTITY_ENDPOINT").isEqualTo("http://127.0.0.1:7777/msi/token");
            Map<String, Object> header = Manifests.env(app, "IDENTITY_HEADER").orElseThrow(() -> new AssertionError(w + ": no IDENTITY_HEADER"));
            assertThat(header.get("value")).as(w + ": IDENTITY_HEADER must not be a literal").isNull();
            String secret = text(at(header, "valueFrom", "secretKeyRef", "name"));
            String key = text(at(header, "valueFrom", "secretKeyRef", "key"));
            assertThat(m.secretValue(secret, key)).as(w + ": IDENTITY_HEADER's Secret " + secret + " key " + key).isPresent();
            assertThat(Arrays.stream(envValue(app, "NO_PROXY").split(",")).map(String::strip)).as(w + ": NO_PROXY")
                    .contains("127.0.0.1", "localhost");
            Properties config = config(m, w);
            List<Source> callers = config.stringPropertyNames().stream()
                    .filter(k -> k.startsWith("broker.callers.") && k.endsWith(".secret-file"))
                    .map(k -> m.fileSource(w, broker(w), config.getProperty(k).strip()).orElse(null)).toList();
            assertThat(callers).as(w + ": a caller's secret-file is IDENTITY_HEADER's Secret key")
                    .anyMatch(s -> s != null && s.kind().equals("Secret") && s.name().equals(secret) && s.key().equals(key));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void render_brokerFiles_areMountedFromRenderedObjects(String overlay) {
        Manifests m = rendered(overlay);
        for (Workload w : m.workloads()) {
            Properties config = config(m, w);
            assertThat(config.stringPropertyNames()).as(w + ": broker configuration").anyMatch(k -> k.startsWith("broker.resources."));
            for (String key : config.stringPropertyNames()) {
                if (key.endsWith("-file")) {
                    String file = config.getProperty(key).strip();
                    Source source = m.fileSource(w, broker(w), file)
                            .orElseThrow(() -> new AssertionError(w + ": " + key + "=" + file + " is not mounted from a rendered object"));
                    assertThat(source.content()).as(w + ": content of " + file).isNotBlank();
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void render_tokenPort_isNeverExposedAndSecretsStayInBroker(String overlay) {
        Manifests m = rendered(overlay);
        for (Workload w : m.workloads()) {
            assertThat(w.podSpec().get("hostNetwork")).as(w + ": hostNetwork would share the node's loopback").isNotEqualTo(true);
            Stream.concat(w.initContainers().stream(), w.containers().stream()).flatMap(c -> maps(c.get("ports")).stream())
                    .forEach(p -> assertThat(p.get("containerPort")).as(w + ": declared port").isNotEqualTo(TOKEN_PORT));
            List<String> secretVolumes = maps(w.podSpec().get("volumes")).stream().filter(v -> v.containsKey("secret"))
                    .map(v -> text(v.get("name"))).toList();
            assertThat(maps(w.container(APP).orElseThrow().get("volumeMounts"))).as(w + ": the app mounts no Secret")
                    .noneMatch(mount -> secretVolumes.contains(mount.get("name")));
        }
        for (Map<String, Object> service : m.ofKind("Service")) {
            for (Map<String, Object> port : maps(at(service, "spec", "ports"))) {
                assertThat(List.of(String.valueOf(port.get("port")), String.valueOf(port.get("targetPort"))))
                        .as("Service " + at(service, "metadata", "name") + " ports").doesNotContain(String.valueOf(TOKEN_PORT));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void render_matchesGoldenFile(String overlay) throws IOException {
        Path golden = GOLDEN.resolve("expected-" + overlay + ".yaml");
        if (!Files.isRegularFile(golden)) {
            fail(golden + " is missing: run scripts/k8s-golden.sh and commit it");
        }
        Manifests expected = Manifests.parse(Files.readString(golden, StandardCharsets.UTF_8));
        GoldenFile.difference(expected, rendered(overlay)).ifPresent(d -> fail("k8s/overlays/" + overlay + " renders differently from "
                + golden + " (kustomize " + Kustomize.tool().version() + "): " + d + ". If the change is intended, run"
                + " scripts/k8s-golden.sh and review `git diff " + GOLDEN + "`."));
    }

    @Test
    void goldenFiles_eachBelongToAnOverlay() throws IOException {
        List<String> overlays = overlays().toList();
        try (Stream<Path> files = Files.list(GOLDEN)) {
            files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith("expected-")).forEach(f -> assertThat(overlays)
                    .as(GOLDEN.resolve(f) + " has no overlay: delete it (scripts/k8s-golden.sh does)")
                    .contains(f.substring("expected-".length(), f.length() - ".yaml".length())));
        }
    }

    @Test
    void workloadIdentity_labelsPodAndAnnotatesServiceAccount_withoutIdentityConfig() throws IOException {
        Manifests m = rendered("workload-identity");
        for (Workload w : m.workloads()) {
            assertThat(at(w.template(), "metadata", "labels", WI_USE)).as(w + ": pod template label " + WI_USE).isEqualTo("true");
            String skipped = text(at(w.template(), "metadata", "annotations", "azure.workload.identity/skip-containers"));
            assertThat(Arrays.stream(skipped.split(";")).map(String::strip)).as(w + ": skip-containers").contains(APP).doesNotContain(BROKER);
            String account = text(w.podSpec().get("serviceAccountName"));
            Map<String, Object> sa = m.find("ServiceAccount", account).orElseThrow(() -> new AssertionError(w + ": no ServiceAccount " + account));
            assertThat(text(at(sa, "metadata", "annotations", "azure.workload.identity/client-id"))).as("ServiceAccount " + account + " client-id")
                    .isNotBlank();
            assertThat(config(m, w).stringPropertyNames()).as(w + ": broker configuration sets no identity (SPEC §2 shortcut)")
                    .noneMatch(k -> k.startsWith("broker.identities."));
        }
        for (Map<String, Object> cm : m.ofKind("ConfigMap")) {
            Map<?, ?> data = (Map<?, ?>) cm.getOrDefault("data", Map.of());
            data.values().forEach(v -> assertThat(Manifests.properties(String.valueOf(v)).stringPropertyNames())
                    .as("ConfigMap " + at(cm, "metadata", "name")).noneMatch(k -> k.startsWith("broker.identities.")));
        }
        overlays().filter(o -> !o.equals("workload-identity")).flatMap(o -> rendered(o).workloads().stream())
                .forEach(w -> assertThat(at(w.template(), "metadata", "labels", WI_USE)).as(w + ": " + WI_USE).isNull());
    }

    @Test
    void certificate_mountsTlsSecret_asCertificateAndKeyFiles() {
        Manifests m = rendered("certificate");
        for (Workload w : m.workloads()) {
            Properties config = config(m, w);
            assertThat(config.stringPropertyNames()).as(w + ": no secret-file with a certificate")
                    .noneMatch(k -> k.startsWith("broker.identities.") && k.endsWith(".secret-file"));
            Source certificate = identityFile(m, w, config, "certificate-file");
            Source key = identityFile(m, w, config, "key-file");
            assertThat(List.of(certificate.key(), key.key())).as(w + ": certificate and key files").containsExactly("tls.crt", "tls.key");
            assertThat(certificate.name()).as(w + ": one Secret holds both").isEqualTo(key.name());
            assertThat(at(m.find("Secret", certificate.name()).orElseThrow(), "type")).as("Secret " + certificate.name() + " type")
                    .isEqualTo("kubernetes.io/tls");
        }
    }

    @Test
    void clientSecret_mountsSecret_asSecretFile() {
        Manifests m = rendered("client-secret");
        for (Workload w : m.workloads()) {
            Properties config = config(m, w);
            assertThat(identityFile(m, w, config, "secret-file").kind()).as(w + ": secret-file").isEqualTo("Secret");
            assertThat(config.stringPropertyNames()).as(w + ": no certificate with a secret").noneMatch(k -> k.endsWith(".certificate-file"));
        }
    }

    @Test
    void job_completes_becauseBrokerIsNativeSidecar() {
        Manifests m = rendered("job");
        assertThat(m.ofKind("Deployment")).as("job overlay: Deployments").isEmpty();
        List<Workload> jobs = m.workloads().stream().filter(w -> w.kind().equals("Job")).toList();
        assertThat(jobs).as("job overlay: Jobs").hasSize(1);
        Workload job = jobs.get(0);
        assertThat(job.podSpec().get("restartPolicy")).as(job + ": pod restartPolicy").isIn("Never", "OnFailure");
        // Only the app is a regular container: the Job is complete when it exits, and the kubelet stops the broker.
        assertThat(job.containers().stream().map(c -> c.get("name")).toList()).as(job + ": regular containers").containsExactly(APP);
        assertThat(broker(job).get("restartPolicy")).as(job + ": broker restartPolicy").isEqualTo("Always");
    }

    @Test
    void tokenFile_isOnAnInMemoryEmptyDir_writableByTheBrokerOnly_readOnlyInTheApp() {
        Manifests m = rendered("token-file");
        for (Workload w : m.workloads()) {
            Properties config = config(m, w);
            List<String> paths = config.stringPropertyNames().stream().filter(k -> k.startsWith("broker.files.") && k.endsWith(".path"))
                    .map(k -> config.getProperty(k).strip()).toList();
            assertThat(paths).as(w + ": broker.files.*.path").hasSize(1);
            Path file = Path.of(paths.get(0));
            String dir = file.getParent().toString();
            Map<String, Object> brokerMount = maps(broker(w).get("volumeMounts")).stream().filter(v -> dir.equals(v.get("mountPath")))
                    .findFirst().orElseThrow(() -> new AssertionError(w + ": the broker mounts nothing at " + dir));
            assertThat(brokerMount.get("readOnly")).as(w + ": the broker writes " + dir).isNotEqualTo(true);
            Map<String, Object> volume = maps(w.podSpec().get("volumes")).stream().filter(v -> v.get("name").equals(brokerMount.get("name")))
                    .findFirst().orElseThrow();
            assertThat(at(volume, "emptyDir", "medium")).as(w + ": volume " + volume.get("name") + " in memory").isEqualTo("Memory");
            Map<String, Object> app = w.container(APP).orElseThrow();
            assertThat(maps(app.get("volumeMounts"))).as(w + ": the app mounts the volume read-only at the same path")
                    .anySatisfy(v -> assertThat(v).containsEntry("name", volume.get("name")).containsEntry("mountPath", dir)
                            .containsEntry("readOnly", true));
            assertThat(envValue(app, "TOKEN_FILE")).as(w + ": TOKEN_FILE").isEqualTo(file.toString());
            assertThat(at(w.podSpec(), "securityContext", "fsGroup")).as(w + ": fsGroup, the group that mode 0440 lets read")
                    .isNotNull();
        }
    }
}
