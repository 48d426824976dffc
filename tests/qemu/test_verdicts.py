#!/usr/bin/env python3
"""Host tests of the differential verdict rules in tests/qemu/ring3.py that
need no QEMU: which Linux failures count as one fault that did nothing."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools"))
import ring3  # noqa: E402


class FakeRun:
    """A run whose programs printed the given test records."""
    def __init__(self, records):
        self.records = records

    def program_records(self, kind):
        return [r for r in self.records if r.get("type") == kind]


def run_with(name, detail, result="fail"):
    return FakeRun([{"type": "test", "name": name, "result": result, "detail": detail}])


COW = "ring3.fork_thp_cow.cow_fault_per_4k_page"
ALONE = "ring3.fork_thp_cow.alone_reuses_whole_thp"


class LinuxOneSpuriousFault(unittest.TestCase):
    def accepts(self, name, per_write):
        return ring3.linux_one_spurious_fault(run_with(name, "... (expected; per write: %s)" % per_write), name)

    def test_one_extra_fault_in_one_write(self):
        self.assertTrue(self.accepts(COW, "12111111, 11111111, 11111111"))
        self.assertTrue(self.accepts(COW, "11111111, 11111111, 11111112"))
        self.assertTrue(self.accepts(ALONE, "11000000"))

    def test_more_than_one_extra_fault(self):
        self.assertFalse(self.accepts(COW, "13111111, 11111111, 11111111"))
        self.assertFalse(self.accepts(COW, "12111111, 12111111, 11111111"))
        self.assertFalse(self.accepts(ALONE, "11100000"))

    def test_a_fault_missing_is_never_accepted(self):
        self.assertFalse(self.accepts(COW, "12111110, 11111111, 11111111"))
        self.assertFalse(self.accepts(ALONE, "01000000"))
        self.assertFalse(self.accepts(COW, "11111111, 11111111, 11111111"))   # not over at all

    def test_malformed_or_other_checks(self):
        self.assertFalse(self.accepts(COW, "12111111, 11111111"))
        self.assertFalse(self.accepts(COW, "1211111+, 11111111, 11111111"))
        self.assertFalse(self.accepts("ring3.thp_fault_count.one_fault_per_2mib", "12111111"))
        self.assertFalse(ring3.linux_one_spurious_fault(run_with(COW, "no per-write counts"), COW))


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
