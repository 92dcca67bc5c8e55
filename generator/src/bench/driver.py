# Runs inside the interpreter under test (`capi-compat bench`): loads the bench module built
# plainly and, where given, the one built with the backports forced; sizes each case's loop
# so that one measurement takes about TARGET_NS, then runs ROUNDS rounds over every case,
# alternating which build goes first. A round's figure for a build is the fastest of REPS
# back-to-back loops: a loop the scheduler interrupted is slower, never faster, so the
# minimum filters other processes out without hiding the code's own cost. Prints one JSON
# object: label -> per-round ns/op of each build.
import importlib.util, json, sys

def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod

args = sys.argv[1:]
rounds, target_ns = int(args[0]), float(args[1])
REPS = 5
plain = load(args[2], args[3])
forced = load(args[4], args[5]) if len(args) > 4 else None
labels = plain.labels()
forced_labels = set(forced.labels()) if forced is not None else set()

sizes = {}
for label in labels:
    n = 64
    plain.run(label, n)  # warm-up: caches, first-use tables
    if label in forced_labels:
        forced.run(label, n)
    while True:
        took = plain.run(label, n)
        if took >= target_ns or n >= 1 << 30:
            break
        n = n * 2 if took <= 0 else max(n * 2, min(int(n * target_ns / took * 1.1), n * 16))
    sizes[label] = n

results = {label: {"plain": [], "forced": []} for label in labels}
for r in range(rounds):
    for label in labels:
        n = sizes[label]
        sides = [("plain", plain)]
        if label in forced_labels:
            sides.append(("forced", forced))
        if r % 2:
            sides.reverse()
        best = {}
        for _ in range(REPS):
            for side, mod in sides:
                t = mod.run(label, n) / n
                best[side] = min(best.get(side, t), t)
        for side, _ in sides:
            results[label][side].append(best[side])
print(json.dumps(results))
