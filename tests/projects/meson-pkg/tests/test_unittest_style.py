"""The same package under unittest (pytest collects this too): `capi-compat matrix --leaks`
drives unittest suites through its own runner."""

import unittest

import mesondemo


class JoinBytes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.parts = [b"x" * 3, b"y"]

    def test_join(self):
        self.assertEqual(mesondemo.join_bytes(b"-", self.parts), b"xxx-y")

    def test_count_items(self):
        # Keys made at run time: a leaked key shows in sys.gettotalrefcount().
        keys = ["k%d" % i for i in range(3)]
        self.assertEqual(mesondemo.count_items(dict.fromkeys(keys + [2**70])), (3, 1))
