"""``dlcourse fetch`` and ``dlcourse list``: get the course datasets, and see where each one is.

Registered on the ``dlcourse`` command line by :func:`register` (see :mod:`dlcourse.cli`).
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    """Add the ``fetch`` and ``list`` subcommands."""
    fetch = subparsers.add_parser(
        "fetch",
        help="download (and unpack) course datasets into the local cache",
        description=(
            "Make datasets available offline: each one is taken from the shared directory (DLCOURSE_DATA) if it "
            "is there, otherwise downloaded into the local cache (DLCOURSE_CACHE, default: the course folder's "
            "coursedata/) with its hash verified, and unpacked if needed. To fill a shared directory for a "
            "JupyterHub, run with DLCOURSE_CACHE set to it: DLCOURSE_CACHE=/srv/coursedata dlcourse fetch --all."
        ),
    )
    fetch.add_argument("names", nargs="*", metavar="NAME", help="datasets to fetch (see `dlcourse list`)")
    fetch.add_argument("--all", action="store_true", help="fetch every dataset in the registry")
    fetch.add_argument("--no-progress", action="store_true", help="no progress bars")
    fetch.set_defaults(func=fetch_command)

    listing = subparsers.add_parser(
        "list",
        help="list the course datasets: size, licence, and where each is now (shared/cache/missing)",
        description="List the course datasets and where each one is found now, without downloading anything.",
    )
    listing.add_argument("--verify", action="store_true", help="also check the hashes of the copies found")
    listing.set_defaults(func=list_command)


def _names(args: argparse.Namespace) -> list[str]:
    from dlcourse.data import registry

    if args.all:
        return registry.names()
    names: list[str] = []
    for name in args.names:
        registry.get(name)  # unknown names fail here, with the list of known ones
        for needed in (*registry.get(name).needs, name):
            if needed not in names:
                names.append(needed)
    return names


def fetch_command(args: argparse.Namespace) -> int:
    """Locate or download every requested dataset; exit code 1 if any of them failed."""
    from dlcourse.data import store
    from dlcourse.data.errors import DataError

    if not args.all and not args.names:
        print("Name the datasets to fetch (see `dlcourse list`), or use --all.", file=sys.stderr)
        return 2
    try:
        names = _names(args)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failed = []
    for name in names:
        try:
            located = store.locate(name, progress=not args.no_progress)
        except DataError as exc:
            failed.append(name)
            print(f"✗ {name}: {exc}\n", file=sys.stderr)
            continue
        where = {"shared": "in the shared directory", "cache": "in the local cache", "package": "installed"}
        print(f"✓ {name}: {where[located.place]}: {located.path()}")
        if name == "imdb":
            from dlcourse.data import text

            text._sequences()  # tokenise now, so that the first load_imdb() is fast (and works read-only)
    if failed:
        print(f"{len(failed)} of {len(names)} dataset(s) could not be fetched: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def list_command(args: argparse.Namespace) -> int:
    """Print one line per dataset; exit code 1 if --verify found a damaged copy."""
    from dlcourse.data import registry, store

    shared = store.shared_dir()
    print(f"shared directory (DLCOURSE_DATA): {shared if shared else 'not set'}"
          + ("" if shared is None or shared.is_dir() else "  (does not exist!)"))
    print(f"local cache (DLCOURSE_CACHE):     {store.cache_dir()}")
    mirror = store.mirror_url()
    if mirror:
        print(f"download mirror (DLCOURSE_MIRROR): {mirror}")
    if store.downloads_disabled():
        print("downloads: off (DLCOURSE_OFFLINE=1)")
    print()
    rows = []
    damaged = False
    for name in registry.names():
        dataset = registry.get(name)
        status = store.status(name, verify=args.verify)
        damaged |= bool(status.problems) or status.place == "damaged"
        size = store.human_size(dataset.size)
        rows.append((name, size, status.place, status.detail, dataset.licence, status.problems))
    width = max(len(r[0]) for r in rows)
    print(f"{'dataset':<{width}}  {'size':>8}  {'where':<8}  details")
    for name, size, place, detail, licence, problems in rows:
        print(f"{name:<{width}}  {size:>8}  {place:<8}  {detail}")
        print(f"{'':<{width}}  {'':>8}  {'':<8}  licence: {licence}")
        for problem in problems:
            print(f"{'':<{width}}  {'':>8}  {'':<8}  DAMAGED: {problem}")
    missing = [r[0] for r in rows if r[2] in ("missing", "damaged")]
    if missing:
        print(f"\nMissing here: {', '.join(missing)}. They are downloaded on first use; to get them in advance "
              f"(for example before going offline) run: dlcourse fetch {' '.join(missing)}")
    return 1 if damaged else 0
