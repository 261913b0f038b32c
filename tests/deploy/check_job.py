"""Validates the Kubernetes Job manifest against job.schema.json (no kubectl), checks
that it is an Indexed Job whose shard count matches `completions`, and prints the
container's shell command line and environment as JSON for run.sh to run locally."""
import json, sys, yaml, jsonschema

manifest, schema = sys.argv[1], sys.argv[2]
with open(manifest) as f:
    job = yaml.safe_load(f)
with open(schema) as f:
    jsonschema.validate(job, json.load(f))
spec = job["spec"]
assert spec["completionMode"] == "Indexed", "not an Indexed Job"
container = spec["template"]["spec"]["containers"][0]
env = {e["name"]: e["value"] for e in container.get("env", [])}
assert int(env["SHARDS"]) == spec["completions"], "SHARDS differs from completions"
assert container["command"] == ["/bin/sh", "-c"], container["command"]
line = container["args"][0]
assert "$JOB_COMPLETION_INDEX" in line and "--shard" in line, line
mounts = [m["mountPath"] for m in container["volumeMounts"]]
assert env["RESULTS"] in mounts, "results are not written to a volume"
print(json.dumps({"completions": spec["completions"], "env": env, "line": line}))
