"""`python -m console`: the agent console."""

import sys


def main(argv: list[str]) -> int:
    if argv[:1] == ["--self-test"]:  # hidden: the installer's smoke test (console/selftest.py)
        from console.selftest import run as self_test

        return self_test()
    from console.app import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
