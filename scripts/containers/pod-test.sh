# pod-test.sh - the pod test of scripts/container-test.sh (sourced by it, after the images are built): plays
# k8s/overlays/job with `podman kube play --network none`, the fake IdP as one more container of the pod, and
# checks that the app container gets a token from 127.0.0.1:7777 over the pod's shared loopback.
# What podman ignores or what the test changes for podman is printed (scripts/containers/manifest.py).

pod_dir="$WORK/pod"
mkdir -p "$pod_dir"
ct_render k8s/overlays/job >"$pod_dir/overlay.yaml"
python3 scripts/containers/manifest.py pod "$pod_dir/overlay.yaml" "$pod_dir" --idp-url "$IDP_URL" \
  --broker-image "$JVM_IMAGE" --app-image "$BASE" --idp-image "$IDP_IMAGE" >"$pod_dir/pod.yaml" 2>"$pod_dir/notes"
sed 's/^pod-test: /container-test: [pod] /' "$pod_dir/notes" >&2
pod_name=$(python3 -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["metadata"]["name"])' "$pod_dir/pod.yaml")
POD_YAML="$pod_dir/pod.yaml"
ct_log "[pod] podman kube play --network none (pod $pod_name: token-broker, app, fake-idp)"
podman kube play --network none "$POD_YAML" >"$pod_dir/play.log" 2>&1 || { cat "$pod_dir/play.log" >&2; fail "[pod] kube play"; }
BROKER="$pod_name-token-broker"
grep -iE 'warn|ignor|unsupported' "$pod_dir/play.log" | sed 's/^/container-test: [pod] podman: /' >&2 || true
# What podman made of the manifest's resources (cgroupfs here): measured, not assumed.
for c in token-broker app; do
  ct_log "[pod] $c: applied by podman: memory limit $(podman inspect -f '{{.HostConfig.Memory}}' "$pod_name-$c") bytes, cpu shares $(podman inspect -f '{{.HostConfig.CpuShares}}' "$pod_name-$c") (0: none)"
done

# The Job's app asks once and exits; curl -f makes it fail on an error answer.
app_rc=$(timeout 120 podman wait "$pod_name-app") || fail "[pod] the app container did not finish within 120 s"
app_log=$(podman logs "$pod_name-app" 2>&1)
printf '%s\n' "$app_log" | sed 's/^/container-test: [pod] app: /' >&2
[ "$app_rc" = 0 ] || fail "[pod] the app container exited with status $app_rc"
grep -q 'token request: HTTP 200' <<<"$app_log" || fail "[pod] the app got no token"
pod_pid=$(podman inspect -f '{{.State.Pid}}' "$BROKER")
ct_curl "$pod_pid" "http://127.0.0.1:$IDP_PORT/stats" | python3 -c 'import json,sys
sys.exit(0 if sum(json.load(sys.stdin)["posts"].values()) >= 1 else "the IdP saw no token request")' \
  || fail "[pod] the broker did not ask the pod's IdP"
# Nothing but the pod's loopback: no interface other than lo in its network namespace.
pod_ifaces=$(awk -F: 'NR > 2 {gsub(/ /, "", $1); print $1}' "/proc/$pod_pid/net/dev" | xargs)
[ "$pod_ifaces" = lo ] || fail "[pod] the pod has interfaces beyond its loopback: $pod_ifaces"
pod_problems=$(log_problems "$BROKER")
[ -z "$pod_problems" ] || fail "[pod] the broker's log has errors: $pod_problems"
ct_log "[pod] the app container got a token from 127.0.0.1:7777; the broker's IdP is in the pod; interfaces: $pod_ifaces"
podman kube down "$POD_YAML" >/dev/null 2>&1 || true
POD_YAML=""
BROKER=""
