#!/usr/bin/env python3
"""Turns a rendered overlay (`kubectl kustomize k8s/overlays/...`) into what podman runs, for container-test.sh.

  manifest.py run OVERLAY.yaml DIR --idp-url URL
      prints the `podman run` arguments (NUL-separated, without the image) that run the broker container as the
      manifest does: its user, read-only root file system, capabilities, privilege escalation, environment, and
      its volumes (ConfigMap and Secret files written under DIR, emptyDir as a tmpfs of its sizeLimit).
  manifest.py pod OVERLAY.yaml DIR --idp-url URL --broker-image I --app-image I --idp-image I
      prints a Pod for `podman kube play`: the workload's pod template, the broker turned into a regular
      container (podman 4.3 runs init containers to completion, so a native sidecar would block the pod), and
      the fake IdP as one more container; ConfigMap and Secret volumes become hostPath volumes under DIR.
      On stderr, what of the manifest podman does not honour, and what was changed for podman.

Both write the ConfigMap and Secret data as files, with one change: an identity's tenant-id (Entra) becomes a
token-url pointing at the fake IdP (--idp-url). Everything else comes from the manifest, so that a broken
manifest breaks the test. Needs PyYAML.
"""

import argparse
import base64
import copy
import os
import re
import sys

import yaml

BROKER = "token-broker"
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "Pod")


def load(path):
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    workloads = [d for d in docs if d["kind"] in WORKLOADS]
    if len(workloads) != 1:
        sys.exit("manifest: expected one workload in the overlay, found %d" % len(workloads))
    w = workloads[0]
    spec = w["spec"] if w["kind"] == "Pod" else w["spec"]["template"]["spec"]
    return by_kind, w, spec


def broker_container(spec):
    for c in spec.get("initContainers", []) + spec.get("containers", []):
        if c["name"] == BROKER:
            return c
    sys.exit("manifest: no container named %s" % BROKER)


def properties_for_test(text, idp_url):
    """The identity's Entra tenant becomes the fake IdP's token URL; nothing else changes."""
    return re.sub(r"^(broker\.identities\.[^.=\s]+)\.tenant-id\s*=.*$", r"\1.token-url=" + idp_url, text,
                  flags=re.M)


def write_volume(by_kind, vol, root, idp_url):
    """Writes a ConfigMap or Secret volume's files under root/<volume name>; returns that directory."""
    if "configMap" in vol:
        src = by_kind.get("ConfigMap", {}).get(vol["configMap"]["name"])
        files = {k: v.encode() for k, v in (src or {}).get("data", {}).items()}
    else:
        src = by_kind.get("Secret", {}).get(vol["secret"]["secretName"])
        files = {k: base64.b64decode(v) for k, v in (src or {}).get("data", {}).items()}
        files.update({k: v.encode() for k, v in (src or {}).get("stringData", {}).items()})
    if src is None:
        sys.exit("manifest: volume %s names no ConfigMap or Secret of the overlay" % vol["name"])
    d = os.path.join(root, vol["name"])
    os.makedirs(d, mode=0o755, exist_ok=True)
    for name, data in files.items():
        if name.endswith(".properties"):
            data = properties_for_test(data.decode(), idp_url).encode()
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        os.chmod(os.path.join(d, name), 0o644)  # Kubernetes' defaultMode 0644, files owned by root
    return d


def security(spec, c):
    """The container's security context over the pod's, as the kubelet merges them."""
    merged = dict(spec.get("securityContext", {}))
    merged.update(c.get("securityContext", {}))
    return merged


def run_args(by_kind, spec, root, idp_url):
    c = broker_container(spec)
    sc = security(spec, c)
    args = []
    if "runAsUser" in sc:
        group = sc.get("runAsGroup")
        args += ["--user", "%d" % sc["runAsUser"] + (":%d" % group if group is not None else "")]
    if sc.get("readOnlyRootFilesystem"):
        # podman's --read-only adds tmpfs on /tmp, /var/tmp and /run of its own: only the manifest's volumes here.
        args += ["--read-only", "--read-only-tmpfs=false"]
    for cap in sc.get("capabilities", {}).get("drop", []):
        args += ["--cap-drop", cap]
    if sc.get("allowPrivilegeEscalation") is False:
        args += ["--security-opt", "no-new-privileges"]
    for e in c.get("env", []):
        if "value" in e:
            args += ["--env", "%s=%s" % (e["name"], e["value"])]
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for m in c.get("volumeMounts", []):
        v = volumes[m["name"]]
        if "emptyDir" in v:
            size = v["emptyDir"].get("sizeLimit", "")
            opts = "rw,mode=1777" + (",size=" + size.replace("Mi", "m").replace("Gi", "g") if size else "")
            args += ["--tmpfs", "%s:%s" % (m["mountPath"], opts)]
        elif "configMap" in v or "secret" in v:
            d = write_volume(by_kind, v, root, idp_url)
            args += ["--volume", "%s:%s:%s" % (d, m["mountPath"], "ro" if m.get("readOnly") else "rw")]
        else:
            sys.exit("manifest: volume %s: only emptyDir, configMap and secret are run here" % v["name"])
    grace = spec.get("terminationGracePeriodSeconds", 30)
    return args, grace


def pod(by_kind, w, spec, root, a):
    spec = copy.deepcopy(spec)
    notes = []
    inits = spec.pop("initContainers", [])
    broker = next((c for c in inits if c["name"] == BROKER), None)
    if broker is None:
        sys.exit("manifest: the broker is not an init container (a native sidecar) of the workload")
    if broker.pop("restartPolicy", None) == "Always":
        notes.append("changed: the native sidecar %s (init container, restartPolicy Always) runs as a regular "
                     "container: podman 4.3 would wait for it to complete before starting the app" % BROKER)
    broker["image"] = a.broker_image
    for c in [broker] + spec["containers"]:
        # podman maps declared ports to the host, which a pod without a network cannot have.
        named = {p["name"]: p["containerPort"] for p in c.pop("ports", []) if "name" in p}
        if named:
            notes.append("dropped: ports of %s (podman would publish them; --network none has nothing to publish "
                         "on), probes use the port numbers %s" % (c["name"], named))
        for key in ("startupProbe", "readinessProbe", "livenessProbe"):
            get = c.get(key, {}).get("httpGet", {})
            if get.get("port") in named:
                get["port"] = named[get["port"]]
        for key in ("startupProbe", "readinessProbe"):
            if key in c:
                # kube play has startup probes from podman 4.4 (PR #16794), readiness probes not at all (#12417)
                notes.append("ignored by podman 4.3: %s of %s (nothing holds the other containers back)"
                             % (key, c["name"]))
    for c in spec["containers"]:
        if c["name"] == "app":
            c["image"] = a.app_image
            # The kubelet starts the app once the broker's startup probe is UP; podman starts all at once.
            c["command"] = ["sh", "-c", "until curl -fs -o /dev/null http://127.0.0.1:9000/q/health/started; "
                            "do sleep 0.5; done; " + c["command"][-1]]
            notes.append("changed: the app waits for the broker's /q/health/started (the startup probe's job)")
        for e in c.get("env", []):
            ref = e.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                src = by_kind["Secret"][ref["name"]]
                e.pop("valueFrom")
                e["value"] = base64.b64decode(src["data"][ref["key"]]).decode()
                notes.append("changed: %s of %s is the Secret's value inline (podman 4.3 reads secretKeyRef "
                             "from podman secrets)" % (e["name"], c["name"]))
    spec["containers"].insert(0, broker)
    spec["containers"].append({
        "name": "fake-idp", "image": a.idp_image,
        "securityContext": {"runAsUser": 65532, "readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False,
                            "capabilities": {"drop": ["ALL"]}}})
    for v in spec.get("volumes", []):
        if "configMap" in v or "secret" in v:
            d = write_volume(by_kind, v, root, a.idp_url)
            for k in ("configMap", "secret"):
                v.pop(k, None)
            v["hostPath"] = {"path": d, "type": "Directory"}
    notes.append("changed: ConfigMap and Secret volumes are hostPath directories with the same files")
    for k in ("serviceAccountName", "automountServiceAccountToken"):
        if spec.pop(k, None) is not None:
            notes.append("dropped: %s (no Kubernetes API here)" % k)
    name = w["metadata"]["name"]
    out = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}}, "spec": spec}
    return out, notes


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["run", "pod"])
    p.add_argument("overlay")
    p.add_argument("dir")
    p.add_argument("--idp-url", required=True)
    p.add_argument("--broker-image")
    p.add_argument("--app-image")
    p.add_argument("--idp-image")
    a = p.parse_args()
    by_kind, w, spec = load(a.overlay)
    if a.mode == "run":
        args, grace = run_args(by_kind, spec, a.dir, a.idp_url)
        sys.stdout.write("\0".join(["--stop-timeout", str(grace)] + args) + "\0")
    else:
        out, notes = pod(by_kind, w, spec, a.dir, a)
        for n in notes:
            print("pod-test: " + n, file=sys.stderr)
        yaml.safe_dump(out, sys.stdout, sort_keys=False)


if __name__ == "__main__":
    main()
