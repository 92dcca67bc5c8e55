"""Runs the pythoncapi-compat name checks of _pcc_names (built next to this file's caller)."""
import _pcc_names


def main():
    # _pcc_names reads this local through PyFrame_GetVar/GetVarString on the calling frame.
    marker = "the caller's local"
    passed = _pcc_names.run()
    assert passed == 14, passed
    assert marker
    print("pythoncapi-compat names: %d groups passed" % passed)


main()
