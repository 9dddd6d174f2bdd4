"""The bundle's entry script: `focusguard` (and `focusguard-cli.exe` on Windows).

It runs the ordinary command line, focusguard.cli:main. One extra, bundle-only switch,
`--bundle-selftest` as the first argument, checks from inside the built bundle that every
module, resource, Qt plugin and entry point the app relies on is there (CI runs it; IT can
run it on a machine where the app misbehaves).
"""

import sys


def _main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--bundle-selftest":
        import bundle_selftest

        return bundle_selftest.main(sys.argv[2:])
    from focusguard.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(_main())
