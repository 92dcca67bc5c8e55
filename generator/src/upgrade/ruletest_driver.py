"""Runs each rule's old and new `run` side by side (capi-compat upgrade --test-rules).

argv[1]: a JSON list of {"name", "index", "setup", "inputs"}; the module `_capicompat_rules`
has old_<index> and new_<index>. Every input (a Python expression, evaluated after `setup`,
afresh for each call) goes to both; the results (repr, or exception type and message) and the
change in the argument's reference count must be equal, and so must the warnings emitted.
"""
import json
import sys
import warnings

import _capicompat_rules as module


def outcome(function, arg):
    counted = hasattr(sys, "getrefcount")
    before = sys.getrefcount(arg) if counted else 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = function(arg)
            seen = ("returned", repr(result))
        except Exception as e:  # the old and new code must raise alike
            result = None
            seen = ("raised", type(e).__name__, str(e))
    delta = sys.getrefcount(arg) - before if counted else 0
    del result
    warned = sorted("%s: %s" % (w.category.__name__, w.message) for w in caught)
    return seen + ("refcount delta %d" % delta, "warnings %r" % warned)


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    failures = 0
    compared = 0
    for case in cases:
        namespace = {}
        exec(case["setup"], namespace)
        old = getattr(module, "old_%d" % case["index"])
        new = getattr(module, "new_%d" % case["index"])
        for expression in case["inputs"]:
            a = outcome(old, eval(expression, namespace))
            b = outcome(new, eval(expression, namespace))
            compared += 1
            if a != b:
                failures += 1
                print("%s: run(%s): old %r, new %r" % (case["name"], expression, a, b))
    if compared == 0:
        print("no input was compared")
        sys.exit(1)
    print("%d comparisons, %d differ" % (compared, failures))
    sys.exit(1 if failures else 0)


main()
